"""EX: links to other websites (only with --external or `external: true`).

The engine checks every unique external URL once (finops_lint.links) before
the rules run; each rule here reads the verdicts of the statuses it reports
(``LinkResult.status``) from the Workspace. ``needs_network=True`` is what keeps
them out of offline runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from finops_lint.document import Document
from finops_lint.parsing.front_matter_data import front_matter_targets
from finops_lint.parsing.frontmatter import dotted_key
from finops_lint.rules.base import Check, Issue, RuleContext, rule
from finops_lint.rules.link_syntax import link_stands

#: How every EX rule's links are checked: appended to each rule's docs.
HOW_LINKS_ARE_CHECKED = (
    "**How links are checked:** only with `--external` (or `external: true` in config): "
    "each unique URL is requested once per run (HEAD, then GET when HEAD is refused), with "
    "bounded concurrency (128 in all, 10 per host), timeouts, retries with backoff on "
    "timeouts and 5xx, `Retry-After` honoured on 429 (up to 30 s; a longer wait is "
    "reported, not waited for), an overall time budget (`external: {budget: 300}` seconds; "
    "URLs left unchecked are counted in a notice), and a one-day cache in "
    "`.finops-lint-cache/`. Body links and the front matter links the profile declares "
    "(`front-matter-links`) are checked. Private, loopback and link-local addresses are "
    "never requested unless allowed on the command line (`--allow-host`)."
)


def _checked_externally(func: Check) -> Check:
    """Append how external links are checked to the rule's own docs (before `@rule` reads them)."""
    func.__doc__ = inspect.cleandoc(func.__doc__ or "") + "\n\n" + HOW_LINKS_ARE_CHECKED
    return func


def _results(doc: Document, ctx: RuleContext, *statuses: str) -> Iterator[Issue]:
    """An issue at each link of the page (body and front matter) with one of these verdicts."""
    ws = ctx.workspace
    if ws is None or not ws.external_results:
        return
    for link in doc.links:
        result = ws.external_results.get(link.target)
        if result is None or result.status not in statuses:
            continue
        if not link_stands(doc, link, ctx):
            continue  # the definition is text on the built page (LK008 says why)
        yield Issue(
            link.target_line,
            link.target_column,
            _message(link.target, result, None),
            end_line=link.end_line,
            end_column=link.end_column,
        )
    # Front matter links the profile declares (logo-url, product-resources[].url...).
    for path, target in front_matter_targets(doc, ctx.config.front_matter_links):
        result = ws.external_results.get(target)
        if result is None or result.status not in statuses:
            continue
        pos = doc.front_matter.value_position(path)
        yield Issue(pos.line, pos.column, _message(target, result, dotted_key(path)))


def _message(target: str, result: Any, key: str | None) -> str:
    where = f"'{key}': " if key else ""
    if result.status == "permanent-redirect" and result.final_url:
        return f"{where}'{target}' moved permanently to '{result.final_url}'"
    return f"{where}'{target}': {result.message}"


@rule(
    "EX001",
    "external-not-found",
    "error",
    "An external link answering 404 or 410.",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_not_found(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link answering 404 or 410.

    **Bad:** `[report](https://example.org/2019/report.pdf)` where the page was deleted.

    **Good:** the page's new URL, or an archived copy.

    **Configure:** `external: {exclude: [regex]}` skips URLs.
    """
    yield from _results(doc, ctx, "not-found")


@rule(
    "EX002",
    "external-server-error",
    "warning",
    "An external link answering 5xx after retries.",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_server_error(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link answering 5xx after retries.

    **Why a warning:** servers fail for a while and come back.

    **Bad:** a link to a site that answers `503 Service Unavailable` on every retry.

    **Good:** check again later; if it stays down, link elsewhere.
    """
    yield from _results(doc, ctx, "server-error")


@rule(
    "EX003",
    "external-timeout",
    "warning",
    "An external link that timed out.",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_timeout(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link that timed out.

    Connecting or waiting for the answer took longer than the timeout, on every retry.

    **Bad:** a link to a server that never answers.

    **Good:** a link to a server that does; a slow one may need a longer timeout.

    **Configure:** `external: {timeout: 20, connect-timeout: 10}`.
    """
    yield from _results(doc, ctx, "timeout")


@rule(
    "EX004",
    "external-unreachable",
    "error",
    "An external host that refused the connection or does not exist (DNS).",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_unreachable(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external host that refused the connection or does not exist (DNS).

    **Bad:** `https://www.finops-foundation-old.org/` whose domain expired.

    **Good:** the organisation's current site.
    """
    yield from _results(doc, ctx, "connection", "dns")


@rule(
    "EX005",
    "external-redirect-loop",
    "error",
    "An external link with a redirect loop or too many redirects.",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_redirect_loop(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link with a redirect loop or too many redirects.

    **Why it matters:** browsers give up too.

    **Bad:** a URL that redirects to itself (often a login wall or a cookie check).

    **Good:** the URL the content is really at.
    """
    yield from _results(doc, ctx, "too-many-redirects", "redirect-loop")


@rule(
    "EX006",
    "external-moved",
    "warning",
    "An external link that moved permanently (301/308): use the new URL.",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_moved(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link that moved permanently (301/308): use the new URL.

    **Bad:** `http://` URLs that now redirect to `https://`.

    **Good:** the final URL.
    """
    yield from _results(doc, ctx, "permanent-redirect")


@rule(
    "EX007",
    "external-refused",
    "warning",
    "An external link answering another 4xx (403, 401, 429 after waiting).",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_refused(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link answering another 4xx (403, 401, 429 after waiting).

    **Why a warning:** some sites refuse robots (403) or rate-limit.

    **Bad:** a link to a members-only page that answers `401 Unauthorized`.

    **Good:** a public page; or `external: {accept: [403]}` to accept a status.
    """
    yield from _results(doc, ctx, "client-error", "rate-limited")


@rule(
    "EX008",
    "external-unsafe-address",
    "warning",
    "An external link to a private, loopback or link-local address (not requested).",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_unsafe_address(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link to a private, loopback or link-local address (not requested).

    **Why it matters:** a content repository is untrusted input in CI; finops-lint never
    requests internal addresses unless `--allow-host` names them.

    **Bad:** `http://169.254.169.254/latest/meta-data/`, `http://localhost:4000/`.

    **Good:** the public URL of the page.
    """
    yield from _results(doc, ctx, "unsafe")


@rule(
    "EX009",
    "external-invalid-url",
    "error",
    "An external link whose URL is not valid (no host, a bad port...).",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_invalid_url(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link whose URL is not valid (no host, a bad port...).

    **Bad:** `http:///path`, `https://`, `https://example.org:99999/`.

    **Good:** `https://example.org/path`.

    **Why it matters:** browsers cannot open it; it is never requested.
    """
    yield from _results(doc, ctx, "invalid-url")


@rule(
    "EX010",
    "external-unsupported-redirect",
    "warning",
    "An external link that redirects to a URL that is not http(s) (mailto:, ftp:...).",
    scope="site",
    needs_network=True,
)
@_checked_externally
def external_unsupported_redirect(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """An external link that redirects to a URL that is not http(s) (mailto:, ftp:...).

    **Why a warning:** the target may work in some browsers, but it cannot be
    checked and is rarely what the author meant (only http(s) links are checked,
    so this status only comes from a redirect).

    **Bad:** `https://example.org/contact` redirecting to `mailto:info@example.org`.

    **Good:** link to where it ends instead: `mailto:info@example.org`.
    """
    yield from _results(doc, ctx, "unsupported-scheme")
