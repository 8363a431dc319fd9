"""One external URL, requested: HEAD then GET, redirects followed hop by hop through
the safety check, retries with backoff, Retry-After honoured within limits, and a
verdict (``LinkResult``). ``checker`` runs many of these at once."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from finops_lint.links.model import DEFAULT_USER_AGENT, GOOD_STATUSES, LinkCheckOptions, LinkResult
from finops_lint.links.prepare import link_result
from finops_lint.links.progress import ProgressBar
from finops_lint.links.responses import (
    connection_message,
    parse_retry_after,
    phrase,
    seconds,
)
from finops_lint.links.safety import (
    GuardedResolver,
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


class Checker:
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
            result = link_result(
                url, "connection", f"unexpected error: {type(exc).__name__}: {exc}"
            )
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
                return link_result(url, status, message, final_url=moved)
            assert hop.response is not None
            code = hop.response.code
            location = hop.response.location
            if code in REDIRECT_CODES and location:
                target, _ = urldefrag(urljoin(current, location.strip()))
                scheme = urlsplit(target).scheme.lower()
                if scheme not in ("http", "https"):
                    return link_result(
                        url,
                        "unsupported-scheme",
                        f"{phrase(code)} to {target}, "
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
                    return link_result(url, "redirect-loop", f"redirect loop: {loop}", code, target)
                if len(chain) > self.options.max_redirects:
                    return link_result(
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
                return link_result(
                    url,
                    "permanent-redirect",
                    f"moved permanently to {permanent_target}",
                    code,
                    permanent_target,
                )
            return link_result(url, "ok", phrase(code) + after, code, moved)
        if code in (404, 410):
            return link_result(url, "not-found", phrase(code) + after, code, moved)
        if code == 429:
            if hop.wait_refused is not None:
                message = (
                    f"{phrase(code)}, asking to wait {seconds(hop.wait_refused)} "
                    f"(more than the {seconds(self.options.max_retry_after)} "
                    f"finops-lint waits){after}"
                )
            else:
                message = f"{phrase(code)} again after waiting for Retry-After{after}"
            return link_result(url, "rate-limited", message, code, moved)
        if 500 <= code < 600:
            return link_result(url, "server-error", phrase(code) + tries + after, code, moved)
        return link_result(url, "client-error", phrase(code) + after, code, moved)

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
                        f"connection timed out after {seconds(options.connect_timeout)}",
                    )
                except (httpx.TimeoutException, asyncio.TimeoutError):
                    failure = ("timeout", f"timed out after {seconds(options.timeout)}")
                except httpx.UnsupportedProtocol as exc:
                    return _Hop(failure=("unsupported-scheme", str(exc)))
                except (httpx.InvalidURL, httpx.LocalProtocolError) as exc:
                    return _Hop(failure=("invalid-url", f"invalid request: {exc}"))
                except httpx.TransportError as exc:
                    failure = ("connection", connection_message(exc))

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
                        failure = ("server-error", phrase(code))
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
