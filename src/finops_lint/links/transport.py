"""The httpx transport of the link checker: one small connection pool per host.

It is built on public API only: an ``httpx.AsyncBaseTransport`` whose pools are
httpcore's ``AsyncConnectionPool``, given our network backend through its
``network_backend`` argument. httpx's own ``AsyncHTTPTransport`` takes no network
backend, so this module does the little that transport does itself: turn an
``httpx.Request`` into an ``httpcore.Request``, the answer into an
``httpx.Response``, and httpcore's exceptions into httpx's (``_HTTPX_ERROR``).

Two reasons for not using one shared pool:

* safety: each pool's sockets come from :class:`SafeNetworkBackend`, which only
  connects to addresses the resolver vetted (resolved once, so no DNS rebinding);
* speed: on every request and every release httpcore scans its connections, and
  for each idle one counts the idle ones again (quadratic), and polls each idle
  socket: one pool of 128 keep-alive connections is slower than opening a new
  socket per request. So a host gets ``ceil(max_per_host / SHARD)`` pools of at
  most ``SHARD`` connections, and a request goes to the least busy one; the
  per-request cost stays small and connections to a host are still reused.

Pools are closed when the run ends; past ``max_pools`` open pools, idle ones are
closed so that a site linking thousands of hosts does not hold thousands of
sockets.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import ssl
import sys
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from types import TracebackType

import httpcore
import httpx

from finops_lint.links.safety import SafeNetworkBackend

#: Largest pool; beyond this httpcore's bookkeeping cost grows quickly.
SHARD = 8


def _fast_fail_missing_sniffio() -> None:
    """Make httpcore's repeated ``import sniffio`` fail instantly when it is not installed.

    httpcore tries ``import sniffio`` on every lock it takes (six per request);
    without sniffio each failed import searches ``sys.path`` again, about a fifth
    of the checker's CPU time. A ``None`` entry in ``sys.modules`` is Python's
    documented "this module does not exist" marker: the outcome is the same
    ImportError, only without the search. Does nothing when sniffio is present.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


#: httpcore's exceptions and the httpx ones the checker catches, most specific first
#: (the mapping httpx's own transport applies).
_HTTPX_ERROR: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Raise httpcore's exceptions as httpx's, the cause kept; anything else as it is
    (the resolver's UnsafeAddressError and ResolutionError pass through)."""
    try:
        yield
    except Exception as exc:
        for core, mapped in _HTTPX_ERROR:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


class _HostPool(httpx.AsyncBaseTransport):
    """One httpcore connection pool whose sockets come from *backend*."""

    def __init__(
        self, backend: SafeNetworkBackend, ssl_context: ssl.SSLContext, max_connections: int
    ) -> None:
        self.pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )
        self.in_flight = 0

    def idle(self) -> bool:
        return self.in_flight == 0 and all(c.is_idle() for c in self.pool.connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        self.in_flight += 1
        try:
            with _as_httpx_errors():
                answer = await self.pool.handle_async_request(core_request)
        except BaseException:
            self.in_flight -= 1
            raise
        assert isinstance(answer.stream, AsyncIterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream, self),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self.pool.aclose()


class _Body(httpx.AsyncByteStream):
    """A response body read through httpcore; closing it tells its pool the connection is free."""

    def __init__(self, inner: AsyncIterable[bytes], owner: _HostPool) -> None:
        self.inner = inner
        self.owner: _HostPool | None = owner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self.inner:
                yield chunk

    async def aclose(self) -> None:
        try:
            close = getattr(self.inner, "aclose", None)
            if close is not None:
                await close()
        finally:
            if self.owner is not None:
                self.owner.in_flight -= 1
                self.owner = None


class SafeTransport(httpx.AsyncBaseTransport):
    """Routes each request to its host's pool; every socket is opened by *backend*."""

    def __init__(
        self,
        backend: SafeNetworkBackend,
        *,
        max_per_host: int = 10,
        max_pools: int = 256,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        _fast_fail_missing_sniffio()
        self.backend = backend
        self.max_per_host = max(1, max_per_host)
        self.max_pools = max(1, max_pools)
        self._ssl_context = ssl_context
        # Plain-http pools never start TLS, but a pool takes a context: a bare client
        # context (verifies everything, trusts nothing) is cheap; loading the CA
        # bundle costs ~50 ms and is done only once an https URL comes up.
        self._plain_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        shards = math.ceil(self.max_per_host / SHARD)
        self.shards = shards
        self.shard_size = math.ceil(self.max_per_host / shards)
        self.hosts: dict[tuple[str, str, int | None], list[_HostPool]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.host, url.port)
        pools = self.hosts.get(key)
        if pools is None:
            if len(self.hosts) >= self.max_pools:
                await self._close_idle()
            context = self._context(url.scheme)
            pools = [_HostPool(self.backend, context, self.shard_size) for _ in range(self.shards)]
            self.hosts[key] = pools
        return await min(pools, key=lambda pool: pool.in_flight).handle_async_request(request)

    def _context(self, scheme: str) -> ssl.SSLContext:
        if scheme != "https":
            return self._plain_context
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    async def _close_idle(self) -> None:
        for key, pools in list(self.hosts.items()):
            if all(pool.idle() for pool in pools):
                del self.hosts[key]
                for pool in pools:
                    await pool.aclose()

    async def aclose(self) -> None:
        every = [pool for pools in self.hosts.values() for pool in pools]
        self.hosts.clear()
        for pool in every:
            await pool.aclose()

    async def __aenter__(self) -> SafeTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()
