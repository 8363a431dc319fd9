"""Check external URLs concurrently with httpx: polite, bounded, retried and safe.

One asyncio task per unique request URL (fragment removed). Concurrency is bounded
globally and per host; a task holds its host's slot while it backs off, so a
struggling host is not hammered while others proceed. Redirects are followed by
hand so every hop goes through the safety check (see ``safety``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from finops_lint.links.cache import LinkCache
from finops_lint.links.fetch import Checker, make_transport
from finops_lint.links.model import LinkCheckOptions, LinkResult
from finops_lint.links.prepare import compile_excludes, link_result, prepare
from finops_lint.links.progress import ProgressBar
from finops_lint.links.responses import (
    seconds,
)
from finops_lint.links.safety import (
    GuardedResolver,
    Lookup,
)

log = logging.getLogger("finops_lint.links")

T = TypeVar("T")


# ---------------------------------------------------------------------------
# public entry points


def check_urls(urls: Iterable[str], options: LinkCheckOptions) -> dict[str, LinkResult]:
    """Check every URL; return a result for each distinct input string.

    Synchronous for the caller: runs its own event loop (in a worker thread when
    called from inside a running loop).
    """
    return _run(check_urls_async(list(urls), options))


async def check_urls_async(
    urls: Iterable[str], options: LinkCheckOptions, *, lookup: Lookup | None = None
) -> dict[str, LinkResult]:
    """The coroutine behind :func:`check_urls`. *lookup* replaces DNS (for tests)."""
    notice = options.notice or log.warning
    exclude = compile_excludes(options.exclude)
    inputs = list(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}
    to_request: dict[str, list[str]] = {}  # request URL -> the input strings that use it
    for raw in inputs:
        early, request_url = prepare(raw, exclude)
        if early is not None:
            results[raw] = early
        else:
            assert request_url is not None
            to_request.setdefault(request_url, []).append(raw)

    cache = _open_cache(options, notice)
    fresh: dict[str, LinkResult] = {}
    pending: list[str] = []
    for request_url in to_request:
        hit = cache.get(request_url) if cache else None
        if hit is not None:
            fresh[request_url] = hit
        else:
            pending.append(request_url)

    try:
        if pending:
            # fresh fills as each URL finishes, so an interrupted run still caches
            # what it completed (below).
            await _check_all(pending, options, lookup, fresh)
    finally:
        if cache is not None:
            for request_url in pending:
                if request_url in fresh:
                    cache.put(request_url, fresh[request_url])
            cache.save()

    for request_url, raws in to_request.items():
        for raw in raws:
            results[raw] = replace(fresh[request_url], url=raw)
    return {raw: results[raw] for raw in inputs}


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:  # outside the except block, so no exception inherits its context
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _open_cache(options: LinkCheckOptions, notice: Callable[[str], None]) -> LinkCache | None:
    if options.cache_dir is None:
        return None
    return LinkCache(
        options.cache_dir,
        max_age=options.cache_max_age,
        failure_max_age=options.cache_failure_max_age,
        notice=notice,
    )


async def _check_all(
    urls: list[str],
    options: LinkCheckOptions,
    lookup: Lookup | None,
    results: dict[str, LinkResult] | None = None,
) -> dict[str, LinkResult]:
    """Check the URLs within the budget; each verdict lands in results as it comes."""
    if results is None:
        results = {}
    resolver = GuardedResolver(
        allow_hosts=options.allow_hosts,
        allow_private=options.allow_private,
        timeout=options.connect_timeout,
        lookup=lookup,
    )
    progress = ProgressBar(len(urls)) if options.progress else None
    out = results

    def keeper(url: str) -> Callable[[asyncio.Future[LinkResult]], None]:
        def keep(task: asyncio.Future[LinkResult]) -> None:
            if not task.cancelled() and task.exception() is None:
                out[url] = task.result()

        return keep

    try:
        async with make_transport(options, resolver) as transport:
            checker = Checker(options, resolver, transport, progress)
            tasks = {url: asyncio.ensure_future(checker.check(url)) for url in urls}
            for url, task in tasks.items():
                task.add_done_callback(keeper(url))
            try:
                await asyncio.wait(tasks.values(), timeout=max(0.0, options.budget))
            finally:  # the budget ran out, or the run was interrupted: stop the rest
                for task in tasks.values():
                    if not task.done():
                        task.cancel()
                await asyncio.gather(*tasks.values(), return_exceptions=True)
            for url in urls:
                if url not in results:
                    results[url] = link_result(
                        url,
                        "unchecked",
                        f"not checked: the {seconds(options.budget)} budget for external "
                        "links ran out (external: {budget: ...})",
                    )
    finally:
        if progress is not None:
            progress.close()
    return results
