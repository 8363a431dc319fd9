"""Refuse requests to loopback, private and other non-public addresses.

A content repository is untrusted input in CI: a link (or a redirect) to
``http://169.254.169.254/`` or ``http://localhost:8080/admin`` must not be
requested. Every host is resolved here, every resolved address is vetted, and
the vetted addresses are the ones connected to: :class:`GuardedResolver` caches
them per run and :class:`SafeNetworkBackend` (the socket layer under httpx)
connects only to those. The check and the connection therefore use the same IP
and there is no DNS-rebinding window; TLS still verifies the certificate against
the host name, because httpcore passes the URL's host as ``server_hostname``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeAddressError(Exception):
    """The host resolves to an address that may not be requested."""


class ResolutionError(Exception):
    """The host name could not be resolved."""


def address_problem(address: str) -> str | None:
    """Why *address* may not be requested ("loopback", "private", ...), or None if public."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    # Addresses that embed an IPv4 address are judged by that address.
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            ip = embedded
    for label, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return label
    if not ip.is_global:  # e.g. 100.64.0.0/10 (carrier-grade NAT)
        return "not globally routable"
    return None


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


Lookup = Callable[[str, int], Awaitable[list[str]]]


async def system_lookup(host: str, port: int) -> list[str]:
    """Resolve with the system resolver (``getaddrinfo`` in the loop's executor)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


class GuardedResolver:
    """Resolves hosts once per run and returns only addresses that may be used.

    ``resolve`` raises :class:`ResolutionError` when the name does not resolve and
    :class:`UnsafeAddressError` when any address is refused (one bad address is
    enough: a name that resolves to both a public and a private address is exactly
    what a rebinding attack looks like).
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        allow_private: bool = False,
        timeout: float | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        self.allow_hosts = frozenset(h.lower().strip("[]") for h in allow_hosts)
        self.allow_private = allow_private
        self.timeout = timeout
        self._lookup: Lookup = lookup or system_lookup
        self._cache: dict[str, asyncio.Future[list[str]]] = {}

    def allowed(self, host: str) -> bool:
        return self.allow_private or host.lower().strip("[]") in self.allow_hosts

    async def resolve(self, host: str, port: int) -> list[str]:
        key = host.lower().strip("[]")
        future = self._cache.get(key)
        if future is None:
            future = asyncio.ensure_future(self._resolve(key, port))
            self._cache[key] = future
        # shield: one caller being cancelled must not cancel the shared lookup.
        return await asyncio.shield(future)

    async def _resolve(self, host: str, port: int) -> list[str]:
        if is_ip_literal(host):
            addresses = [host]
        else:
            try:
                addresses = await asyncio.wait_for(self._lookup(host, port), self.timeout)
            except asyncio.TimeoutError as exc:
                raise ResolutionError(f"DNS lookup for {host} timed out") from exc
            except (OSError, UnicodeError) as exc:
                detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise ResolutionError(f"DNS lookup for {host} failed: {detail}") from exc
            if not addresses:
                raise ResolutionError(f"DNS lookup for {host} returned no address")
        if not self.allowed(host):
            for address in addresses:
                problem = address_problem(address)
                if problem is not None:
                    where = host if address == host else f"{host} resolves to {address}"
                    raise UnsafeAddressError(
                        f"refused: {where} ({problem} address); allow the host to check it"
                    )
        return addresses


class SafeNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore socket layer that only connects to addresses vetted by the resolver."""

    def __init__(
        self, resolver: GuardedResolver, inner: httpcore.AsyncNetworkBackend | None = None
    ):
        self.resolver = resolver
        self.inner = inner or _default_backend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.resolver.resolve(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._open(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def _open(
        self,
        address: str,
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_tcp(
            address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )
        return _AnyIOStream(stream) if isinstance(self.inner, httpcore.AnyIOBackend) else stream

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeAddressError("refused: unix sockets are never used by the link checker")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _default_backend() -> httpcore.AsyncNetworkBackend:
    if sys.version_info >= (3, 11):
        from finops_lint.links.streams import AsyncioBackend

        return AsyncioBackend()
    return httpcore.AnyIOBackend()


class _AnyIOStream(httpcore.AsyncNetworkStream):
    """An anyio stream (Python 3.10) that remembers its socket.

    httpcore asks every idle connection whether it ``is_readable`` on every
    request (to see whether the server closed it), and anyio rebuilds a dict of
    all its attributes to answer: a third of the checker's CPU time at high
    concurrency. The socket of a stream never changes, so it is looked up once.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner
        self._socket: Any = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _AnyIOStream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info not in ("socket", "is_readable"):
            return self.inner.get_extra_info(info)
        if self._socket is None:
            self._socket = self.inner.get_extra_info("socket")
        if info == "socket":
            return self._socket
        return _socket_readable(self._socket)


def _socket_readable(sock: Any) -> bool:
    """Whether reading would not block (data or EOF): an idle connection the server closed."""
    if sock is None or sock.fileno() < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)
