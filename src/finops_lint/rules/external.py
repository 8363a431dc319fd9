"""EX: links to other websites (only with --external or `external: true`).

The engine checks every unique external URL once (finops_lint.links) before
the rules run; these rules only read the verdicts from the Workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from finops_lint.document import Document
from finops_lint.parsing.frontmatter import dotted_key
from finops_lint.rules.base import Check, Issue, RuleContext, rule
from finops_lint.rules.xref import front_matter_targets

_BY_STATUS = {
    "not-found": "EX001",
    "server-error": "EX002",
    "timeout": "EX003",
    "connection": "EX004",
    "dns": "EX004",
    "too-many-redirects": "EX005",
    "redirect-loop": "EX005",
    "permanent-redirect": "EX006",
    "client-error": "EX007",
    "rate-limited": "EX007",
    "unsafe": "EX008",
    "invalid-url": "EX009",
    "unsupported-scheme": "EX010",  # only http(s) links are checked: this is a redirect
}


def _message(code: str, target: str, result: Any, key: str | None) -> str:
    where = f"'{key}': " if key else ""
    if code == "EX006" and result.final_url:
        return f"{where}'{target}' moved permanently to '{result.final_url}'"
    return f"{where}'{target}': {result.message}"


def _results(doc: Document, ctx: RuleContext, code: str) -> Iterator[Issue]:
    ws = ctx.workspace
    if ws is None or not ws.external_results:
        return
    for link in doc.links:
        result = ws.external_results.get(link.target)
        if result is None or _BY_STATUS.get(result.status) != code:
            continue
        yield Issue(
            link.target_line,
            link.target_column,
            _message(code, link.target, result, None),
            end_line=link.end_line,
            end_column=link.end_column,
        )
    # Front matter links the profile declares (logo-url, product-resources[].url...).
    for path, target in front_matter_targets(doc, ctx.config.front_matter_links):
        result = ws.external_results.get(target)
        if result is None or _BY_STATUS.get(result.status) != code:
            continue
        pos = doc.front_matter.value_position(path)
        yield Issue(pos.line, pos.column, _message(code, target, result, dotted_key(path)))


def _doc(summary: str, extra: str) -> str:
    return (
        f"{summary}\n\nOnly with `--external` (or `external: true` in config): each unique "
        "URL is requested once per run (HEAD, then GET when HEAD is refused), with bounded "
        "concurrency (128 in all, 10 per host), timeouts, retries with backoff on timeouts "
        "and 5xx, `Retry-After` honoured on 429 (up to 30 s; a longer wait is reported, not "
        "waited for), an overall time budget (`external: {budget: 300}` seconds; URLs left "
        "unchecked are counted in a notice), and a one-day cache in `.finops-lint-cache/`. "
        "Body links and the front matter links the profile declares (`front-matter-links`) "
        "are checked. Private, loopback and link-local addresses are never requested unless "
        "allowed on the command line (`--allow-host`).\n\n" + extra
    )


#: code, name, default severity, summary, the rest of the docs
_RULES = (
    (
        "EX001",
        "external-not-found",
        "error",
        "An external link answering 404 or 410.",
        "**Bad:** a link to a page that was deleted.\n\n**Good:** the page's new URL, or an "
        "archived copy.\n\n**Configure:** `external: {exclude: [regex]}` skips URLs.",
    ),
    (
        "EX002",
        "external-server-error",
        "warning",
        "An external link answering 5xx after retries.",
        "**Why a warning:** servers fail for a while and come back.",
    ),
    (
        "EX003",
        "external-timeout",
        "warning",
        "An external link that timed out.",
        "**Configure:** `external: {timeout: 20, connect-timeout: 10}`.",
    ),
    (
        "EX004",
        "external-unreachable",
        "error",
        "An external host that refused the connection or does not exist (DNS).",
        "**Bad:** `https://www.finops-foundation-old.org/` whose domain expired.",
    ),
    (
        "EX005",
        "external-redirect-loop",
        "error",
        "An external link with a redirect loop or too many redirects.",
        "**Why it matters:** browsers give up too.",
    ),
    (
        "EX006",
        "external-moved",
        "warning",
        "An external link that moved permanently (301/308): use the new URL.",
        "**Bad:** `http://` URLs that now redirect to `https://`.\n\n**Good:** the final URL.",
    ),
    (
        "EX007",
        "external-refused",
        "warning",
        "An external link answering another 4xx (403, 401, 429 after waiting).",
        "**Why a warning:** some sites refuse robots (403) or rate-limit; "
        "`external: {accept: [403]}` accepts a status.",
    ),
    (
        "EX008",
        "external-unsafe-address",
        "warning",
        "An external link to a private, loopback or link-local address (not requested).",
        "**Why it matters:** a content repository is untrusted input in CI; finops-lint never "
        "requests internal addresses unless `--allow-host` names them.",
    ),
    (
        "EX009",
        "external-invalid-url",
        "error",
        "An external link whose URL is not valid (no host, a bad port...).",
        "**Bad:** `http:///path`, `https://`, `https://example.org:99999/`.\n\n"
        "**Good:** `https://example.org/path`.\n\n**Why it matters:** browsers cannot "
        "open it; it is never requested.",
    ),
    (
        "EX010",
        "external-unsupported-redirect",
        "warning",
        "An external link that redirects to a URL that is not http(s) (mailto:, ftp:...).",
        "**Why a warning:** the target may work in some browsers, but it cannot be "
        "checked and is rarely what the author meant; link to where it ends instead.",
    ),
)


def _make_check(code: str) -> Check:
    def check(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
        yield from _results(doc, ctx, code)

    return check


for _code, _name, _severity, _summary, _extra in _RULES:
    _check = _make_check(_code)
    _check.__doc__ = _doc(_summary, _extra)
    rule(_code, _name, _severity, _summary, scope="site", needs_network=True)(_check)
