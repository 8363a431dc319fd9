"""EX: links to other websites (only with --external or `external: true`).

The engine checks every unique external URL once (finops_lint.links) before
the rules run; these rules only read the verdicts from the Workspace.
"""

from __future__ import annotations

from collections.abc import Iterator

from finops_lint.document import Document
from finops_lint.rules.base import Issue, RuleContext, rule

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
}


def _results(doc: Document, ctx: RuleContext, code: str) -> Iterator[Issue]:
    ws = ctx.workspace
    if ws is None or not ws.external_results:
        return
    for link in doc.links:
        result = ws.external_results.get(link.target)
        if result is None or _BY_STATUS.get(result.status) != code:
            continue
        if code == "EX006" and result.final_url:
            message = f"'{link.target}' moved permanently to '{result.final_url}'"
        else:
            message = f"'{link.target}': {result.message}"
        yield Issue(
            link.target_line,
            link.target_column,
            message,
            end_line=link.end_line,
            end_column=link.end_column,
        )


def _doc(summary: str, extra: str) -> str:
    return (
        f"{summary}\n\nOnly with `--external` (or `external: true` in config): each unique "
        "URL is requested once per run (HEAD, then GET when HEAD is refused), with bounded "
        "concurrency (128 in all, 10 per host), timeouts, retries with backoff on timeouts "
        "and 5xx, `Retry-After` honoured on 429, and a one-day cache in "
        "`.finops-lint-cache/`. Private, loopback and link-local addresses are never "
        "requested unless allowed (`--allow-host`).\n\n" + extra
    )


@rule(
    "EX001",
    "external-not-found",
    "error",
    "An external link answering 404 or 410.",
    scope="site",
    default_enabled=True,
)
def not_found(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX001")


@rule(
    "EX002",
    "external-server-error",
    "warning",
    "An external link answering 5xx after retries.",
    scope="site",
)
def server_error(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX002")


@rule("EX003", "external-timeout", "warning", "An external link that timed out.", scope="site")
def timeout(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX003")


@rule(
    "EX004",
    "external-unreachable",
    "error",
    "An external host that refused the connection or does not exist (DNS).",
    scope="site",
)
def unreachable(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX004")


@rule(
    "EX005",
    "external-redirect-loop",
    "error",
    "An external link with a redirect loop or too many redirects.",
    scope="site",
)
def redirect_loop(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX005")


@rule(
    "EX006",
    "external-moved",
    "warning",
    "An external link that moved permanently (301/308): use the new URL.",
    scope="site",
)
def moved(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX006")


@rule(
    "EX007",
    "external-refused",
    "warning",
    "An external link answering another 4xx (403, 401, 429 after waiting).",
    scope="site",
)
def refused(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX007")


@rule(
    "EX008",
    "external-unsafe-address",
    "warning",
    "An external link to a private, loopback or link-local address (not requested).",
    scope="site",
)
def unsafe(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    yield from _results(doc, ctx, "EX008")


for _code, _extra in {
    "EX001": "**Bad:** a link to a page that was deleted.\n\n**Good:** the page's new URL, "
    "or an archived copy.\n\n**Configure:** `external: {exclude: [regex]}` skips URLs.",
    "EX002": "**Why a warning:** servers fail for a while and come back.",
    "EX003": "**Configure:** `external: {timeout: 20, connect-timeout: 10}`.",
    "EX004": "**Bad:** `https://www.finops-foundation-old.org/` whose domain expired.",
    "EX005": "**Why it matters:** browsers give up too.",
    "EX006": "**Bad:** `http://` URLs that now redirect to `https://`.\n\n**Good:** the final URL.",
    "EX007": "**Why a warning:** some sites refuse robots (403) or rate-limit; "
    "`external: {accept: [403]}` accepts a status.",
    "EX008": "**Why it matters:** a content repository is untrusted input in CI; "
    "finops-lint never requests internal addresses unless `--allow-host` names them.",
}.items():
    from finops_lint.rules.base import REGISTRY

    _r = REGISTRY[_code]
    object.__setattr__(_r, "docs", _doc(_r.summary, _extra))
