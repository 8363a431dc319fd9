"""The httpx transport of the link checker: one small connection pool per host.

Two reasons for not using one shared httpx pool:

* safety: each pool's sockets come from :class:`SafeNetworkBackend`, which only
  connects to addresses the resolver vetted (httpx has no public way to pass a
  network backend, so each ``AsyncHTTPTransport``'s pool is rebuilt with ours;
  ``_pool`` is the one private httpx name relied on, and a test guards it);
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

import importlib.util
import math
import ssl
import sys
from collections.abc import AsyncIterator
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


class _HostTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self, backend: SafeNetworkBackend, ssl_context: ssl.SSLContext, max_connections: int
    ) -> None:
        super().__init__(verify=ssl_context, retries=0)
        if not hasattr(self, "_pool"):  # pragma: no cover - guards an httpx internal
            raise RuntimeError("unsupported httpx version: AsyncHTTPTransport has no _pool")
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
        self._pool = self.pool
        self.in_flight = 0

    def idle(self) -> bool:
        return self.in_flight == 0 and all(c.is_idle() for c in self.pool.connections)


class _CountedStream(httpx.AsyncByteStream):
    """A response body that tells its pool when it is closed (the connection is free)."""

    def __init__(self, inner: httpx.AsyncByteStream, owner: _HostTransport) -> None:
        self.inner = inner
        self.owner: _HostTransport | None = owner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
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
        # Plain-http pools never start TLS, but httpx wants a context: a bare client
        # context (verifies everything, trusts nothing) is cheap; loading the CA
        # bundle costs ~50 ms and is done only once an https URL comes up.
        self._plain_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        shards = math.ceil(self.max_per_host / SHARD)
        self.shards = shards
        self.shard_size = math.ceil(self.max_per_host / shards)
        self.hosts: dict[tuple[str, str, int | None], list[_HostTransport]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.host, url.port)
        pools = self.hosts.get(key)
        if pools is None:
            if len(self.hosts) >= self.max_pools:
                await self._close_idle()
            context = self._context(url.scheme)
            pools = [
                _HostTransport(self.backend, context, self.shard_size) for _ in range(self.shards)
            ]
            self.hosts[key] = pools
        transport = min(pools, key=lambda pool: pool.in_flight)
        transport.in_flight += 1
        try:
            response = await transport.handle_async_request(request)
        except BaseException:
            transport.in_flight -= 1
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _CountedStream(response.stream, transport)
        return response

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
