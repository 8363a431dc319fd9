"""External link checker (opt-in, network): fast, polite, cached and safe.

Importing this package is cheap; httpx is imported only when checking starts.

    from finops_lint.links import LinkCheckOptions, check_urls
    results = check_urls(urls, LinkCheckOptions(cache_dir=root / ".finops-lint-cache"))
"""

from __future__ import annotations

from collections.abc import Iterable

from finops_lint.links.model import (
    GOOD_STATUSES,
    STATUSES,
    LinkCheckOptions,
    LinkResult,
)

__all__ = ["GOOD_STATUSES", "STATUSES", "LinkCheckOptions", "LinkResult", "check_urls"]


def check_urls(urls: Iterable[str], options: LinkCheckOptions) -> dict[str, LinkResult]:
    """Check each distinct URL once; return ``{input url: LinkResult}`` (see ``checker``).

    Raises ``ValueError`` for an invalid ``exclude`` pattern, and
    ``ModuleNotFoundError`` naming the extra to install when httpx is missing.
    Network failures never raise: they are results.
    """
    try:
        from finops_lint.links.checker import check_urls as run
    except ModuleNotFoundError as exc:
        if exc.name in ("httpx", "httpcore", "anyio"):
            raise ModuleNotFoundError(
                "checking external links needs httpx: pip install 'finops-lint[external]'",
                name=exc.name,
            ) from exc
        raise
    return run(urls, options)
