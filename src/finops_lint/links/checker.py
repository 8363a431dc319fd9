"""Check external URLs concurrently with httpx: polite, bounded, retried and safe.

One asyncio task per unique request URL (fragment removed). Concurrency is bounded
globally and per host; a task holds its host's slot while it backs off, so a
struggling host is not hammered while others proceed. Redirects are followed by
hand so every hop goes through the safety check (see ``safety``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from finops_lint import regex
from finops_lint.links.cache import LinkCache
from finops_lint.links.model import DEFAULT_USER_AGENT, GOOD_STATUSES, LinkCheckOptions, LinkResult
from finops_lint.links.progress import ProgressBar
from finops_lint.links.safety import (
    GuardedResolver,
    Lookup,
    ResolutionError,
    SafeNetworkBackend,
    UnsafeAddressError,
)
from finops_lint.links.transport import SafeTransport

log = logging.getLogger("finops_lint.links")

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_CODES = frozenset({301, 308})
#: HEAD answers that say "HEAD is not supported here": later URLs on the host use GET directly.
HEAD_UNSUPPORTED = frozenset({405, 501})

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
    exclude = _compile(options.exclude)
    inputs = list(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}
    to_request: dict[str, list[str]] = {}  # request URL -> the input strings that use it
    for raw in inputs:
        early, request_url = _prepare(raw, exclude)
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


# ---------------------------------------------------------------------------
# URL preparation (no network)


def _result(
    url: str,
    status: str,
    message: str,
    http_status: int | None = None,
    final_url: str | None = None,
) -> LinkResult:
    return LinkResult(
        url=url, status=status, http_status=http_status, final_url=final_url, message=message
    )


def _compile(patterns: Iterable[str]) -> list[regex.Pattern]:
    """Compile the exclude patterns (RE2 unless shipped); a bad one is the caller's
    config error (ValueError)."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(regex.compile(pattern))
        except re.error as exc:
            raise ValueError(f"invalid exclude pattern {pattern!r}: {exc}") from exc
    return compiled


def _prepare(raw: str, exclude: list[regex.Pattern]) -> tuple[LinkResult | None, str | None]:
    """Either an immediate result (excluded, bad scheme, invalid) or the URL to request."""
    for pattern in exclude:
        if pattern.search(raw):
            return _result(raw, "excluded", f"excluded by pattern {pattern.pattern!r}"), None
    url = raw.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return _result(raw, "invalid-url", f"invalid URL: {exc}"), None
    scheme = parts.scheme.lower()
    if not scheme:
        return _result(raw, "invalid-url", "not an absolute URL (no scheme)"), None
    if scheme not in ("http", "https"):
        return _result(raw, "unsupported-scheme", f"{scheme}: links are not checked"), None
    if not parts.hostname:
        return _result(raw, "invalid-url", "invalid URL: no host"), None
    try:
        port = parts.port
    except ValueError as exc:  # "Port out of range 0-65535", "Port could not be cast..."
        return _result(raw, "invalid-url", f"invalid URL: {str(exc).lower()}"), None
    if port == 0:
        return _result(raw, "invalid-url", "invalid URL: port 0"), None
    request_url, _fragment = urldefrag(url)
    try:
        parsed = httpx.URL(request_url)
    except (httpx.InvalidURL, ValueError) as exc:
        return _result(raw, "invalid-url", f"invalid URL: {exc}"), None
    if not parsed.host:
        return _result(raw, "invalid-url", "invalid URL: no host"), None
    return None, str(parsed)


# ---------------------------------------------------------------------------
# the engine


def make_transport(options: LinkCheckOptions, resolver: GuardedResolver) -> SafeTransport:
    """The transport every request goes through: connects only to vetted addresses.

    No proxies from the environment are used: a proxy would make the address
    check meaningless (the checker would connect to the proxy, not the host).
    """
    return SafeTransport(SafeNetworkBackend(resolver), max_per_host=options.max_per_host)


def request_headers(options: LinkCheckOptions) -> dict[str, str]:
    headers = {"Accept": "*/*"}
    for name, value in options.headers.items():
        for present in [k for k in headers if k.lower() == name.lower()]:
            del headers[present]
        headers[name] = value
    if not any(name.lower() == "user-agent" for name in headers):
        headers["User-Agent"] = DEFAULT_USER_AGENT
    return headers


@dataclass
class _Response:
    code: int
    location: str | None
    retry_after: str | None


@dataclass
class _Hop:
    """The outcome of one redirect hop: a response, or a failure already classified."""

    response: _Response | None = None
    failure: tuple[str, str] | None = None  # (status, message)
    attempts: int = 1
    rate_limited: bool = False
    wait_refused: float | None = None  # a Retry-After longer than we wait, in seconds


def _phrase(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _seconds(value: float) -> str:
    return f"{value:g} s"


class _Checker:
    def __init__(
        self,
        options: LinkCheckOptions,
        resolver: GuardedResolver,
        transport: httpx.AsyncBaseTransport,
        progress: ProgressBar | None,
    ) -> None:
        self.options = options
        self.resolver = resolver
        self.transport = transport
        self.headers = request_headers(options)
        self.timeouts = httpx.Timeout(options.timeout, connect=options.connect_timeout).as_dict()
        self.progress = progress
        self.global_slots = asyncio.Semaphore(max(1, options.max_concurrency))
        self.host_slots: dict[str, asyncio.Semaphore] = {}
        self.get_only_hosts: set[str] = set()
        self.parsed: dict[str, httpx.URL] = {}

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self.host_slots.get(host)
        if slot is None:
            slot = self.host_slots[host] = asyncio.Semaphore(max(1, self.options.max_per_host))
        return slot

    async def check(self, url: str) -> LinkResult:
        try:
            result = await self._follow(url)
        except Exception as exc:  # one odd URL must not sink the run
            log.debug("unexpected error checking %s", url, exc_info=True)
            result = _result(url, "connection", f"unexpected error: {type(exc).__name__}: {exc}")
        if self.progress is not None:
            self.progress.advance(broken=result.status not in GOOD_STATUSES)
        return result

    async def _follow(self, url: str) -> LinkResult:
        current = url
        chain = [url]
        permanent_target: str | None = None
        still_permanent = True
        while True:
            hop = await self._fetch(current)
            moved = current if len(chain) > 1 else None
            if hop.failure is not None:
                status, message = hop.failure
                if moved:
                    message += f" (after redirect to {moved})"
                return _result(url, status, message, final_url=moved)
            assert hop.response is not None
            code = hop.response.code
            location = hop.response.location
            if code in REDIRECT_CODES and location:
                target, _ = urldefrag(urljoin(current, location.strip()))
                scheme = urlsplit(target).scheme.lower()
                if scheme not in ("http", "https"):
                    return _result(
                        url,
                        "unsupported-scheme",
                        f"{_phrase(code)} to {target}, "
                        f"a {scheme or 'relative'} URL that is not checked",
                        code,
                        target,
                    )
                if still_permanent and code in PERMANENT_CODES:
                    permanent_target = target
                else:
                    still_permanent = False
                if target in chain:
                    loop = " -> ".join([*chain[chain.index(target) :], target])
                    return _result(url, "redirect-loop", f"redirect loop: {loop}", code, target)
                if len(chain) > self.options.max_redirects:
                    return _result(
                        url,
                        "too-many-redirects",
                        f"more than {self.options.max_redirects} redirects",
                        code,
                        target,
                    )
                chain.append(target)
                current = target
                continue
            return self._verdict(url, code, hop, moved, permanent_target)

    def _verdict(
        self, url: str, code: int, hop: _Hop, moved: str | None, permanent_target: str | None
    ) -> LinkResult:
        after = f" (after redirect to {moved})" if moved else ""
        tries = f" ({hop.attempts} attempts)" if hop.attempts > 1 else ""
        if code in self.options.accepted_status:
            if permanent_target is not None:
                return _result(
                    url,
                    "permanent-redirect",
                    f"moved permanently to {permanent_target}",
                    code,
                    permanent_target,
                )
            return _result(url, "ok", _phrase(code) + after, code, moved)
        if code in (404, 410):
            return _result(url, "not-found", _phrase(code) + after, code, moved)
        if code == 429:
            if hop.wait_refused is not None:
                message = (
                    f"{_phrase(code)}, asking to wait {_seconds(hop.wait_refused)} "
                    f"(more than the {_seconds(self.options.max_retry_after)} "
                    f"finops-lint waits){after}"
                )
            else:
                message = f"{_phrase(code)} again after waiting for Retry-After{after}"
            return _result(url, "rate-limited", message, code, moved)
        if 500 <= code < 600:
            return _result(url, "server-error", _phrase(code) + tries + after, code, moved)
        return _result(url, "client-error", _phrase(code) + after, code, moved)

    def _parse(self, url: str) -> httpx.URL:
        parsed = self.parsed.get(url)
        if parsed is None:
            parsed = self.parsed[url] = httpx.URL(url)
        return parsed

    async def _fetch(self, url: str) -> _Hop:
        """One hop: HEAD (or GET), with retries, the 429 wait and the HEAD->GET fallback."""
        parsed = self._parse(url)
        host = parsed.host
        try:
            await self.resolver.resolve(
                host, parsed.port or (443 if parsed.scheme == "https" else 80)
            )
        except UnsafeAddressError as exc:
            return _Hop(failure=("unsafe", str(exc)))
        except ResolutionError as exc:
            return _Hop(failure=("dns", str(exc)))

        options = self.options
        failures = 0
        rate_limited = False
        async with self._host_slot(host):
            method = "GET" if host in self.get_only_hosts else "HEAD"
            while True:
                failure: tuple[str, str] | None = None
                response: _Response | None = None
                try:
                    async with self.global_slots:
                        response = await _within(self._request(method, parsed), options.timeout)
                except UnsafeAddressError as exc:
                    return _Hop(failure=("unsafe", str(exc)))
                except ResolutionError as exc:
                    return _Hop(failure=("dns", str(exc)))
                except httpx.ConnectTimeout:
                    failure = (
                        "timeout",
                        f"connection timed out after {_seconds(options.connect_timeout)}",
                    )
                except (httpx.TimeoutException, asyncio.TimeoutError):
                    failure = ("timeout", f"timed out after {_seconds(options.timeout)}")
                except httpx.UnsupportedProtocol as exc:
                    return _Hop(failure=("unsupported-scheme", str(exc)))
                except (httpx.InvalidURL, httpx.LocalProtocolError) as exc:
                    return _Hop(failure=("invalid-url", f"invalid request: {exc}"))
                except httpx.TransportError as exc:
                    failure = ("connection", _connection_message(exc))

                if response is not None:
                    code = response.code
                    if code == 429:
                        if rate_limited:
                            return _Hop(response=response, attempts=failures + 1, rate_limited=True)
                        rate_limited = True
                        delay = self._retry_after(response.retry_after)
                        if delay > options.max_retry_after:  # would hold the run: do not wait
                            return _Hop(
                                response=response,
                                attempts=failures + 1,
                                rate_limited=True,
                                wait_refused=delay,
                            )
                        await asyncio.sleep(delay)
                        continue
                    ok = code in options.accepted_status or code in REDIRECT_CODES
                    if method == "HEAD" and not ok:
                        # Many servers answer HEAD wrongly; GET is the judge.
                        method = "GET"
                        if code in HEAD_UNSUPPORTED:
                            self.get_only_hosts.add(host)
                        if code < 500:
                            continue
                    if 500 <= code < 600:
                        failure = ("server-error", _phrase(code))
                    else:
                        return _Hop(response=response, attempts=failures + 1)

                assert failure is not None
                failures += 1
                if failures > options.retries:
                    if response is not None:
                        return _Hop(response=response, attempts=failures)
                    status, message = failure
                    if failures > 1:
                        message += f" ({failures} attempts)"
                    return _Hop(failure=(status, message), attempts=failures)
                await asyncio.sleep(options.retry_backoff * 2 ** (failures - 1))

    def _retry_after(self, value: str | None) -> float:
        """Seconds a 429 asks to wait (a default when it does not say)."""
        delay = parse_retry_after(value)
        if delay is None or delay != delay:  # absent, unreadable or NaN
            delay = max(self.options.retry_backoff, 1.0)
        return max(0.0, delay)

    async def _request(self, method: str, url: httpx.URL) -> _Response:
        # The transport is called directly: httpx's client would build the redirect
        # request itself and fail on Locations it cannot parse (mailto:, garbage).
        request = httpx.Request(
            method, url, headers=self.headers, extensions={"timeout": self.timeouts}
        )
        response = await self.transport.handle_async_request(request)
        response.request = request
        try:
            # Read at most a small bound, so a 1 GB file costs nothing; a response
            # read to its end (always, for HEAD) lets the connection be reused.
            received = 0
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received >= self.options.max_body_bytes:
                    break
            return _Response(
                response.status_code,
                response.headers.get("location"),
                response.headers.get("retry-after"),
            )
        finally:
            await response.aclose()


if sys.version_info >= (3, 11):

    async def _within(awaitable: Awaitable[T], seconds: float) -> T:
        """Await with a deadline (``asyncio.timeout`` needs no extra task, unlike wait_for)."""
        async with asyncio.timeout(seconds):
            return await awaitable

else:

    async def _within(awaitable: Awaitable[T], seconds: float) -> T:
        return await asyncio.wait_for(awaitable, seconds)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _connection_message(exc: httpx.TransportError) -> str:
    text = str(exc)
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered:
        return f"TLS error: {text}"
    if "refused" in lowered or _caused_by(exc, ConnectionRefusedError):
        return "connection refused"
    if "reset" in lowered or _caused_by(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return f"connection closed before a complete response{': ' + text if text else ''}"
    return f"connection failed: {text or type(exc).__name__}"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether *kind* is anywhere in the chain (httpcore wraps OSErrors in its args)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return False


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
            checker = _Checker(options, resolver, transport, progress)
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
                    results[url] = _result(
                        url,
                        "unchecked",
                        f"not checked: the {_seconds(options.budget)} budget for external "
                        "links ran out (external: {budget: ...})",
                    )
    finally:
        if progress is not None:
            progress.close()
    return results
