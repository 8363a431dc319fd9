"""httpcore sockets on plain asyncio streams (Python 3.11+).

httpcore's only asyncio backend goes through anyio, whose per-call bookkeeping
(cancel scopes, attribute dicts) was a quarter of the checker's CPU time per
request. On Python 3.11+ (``asyncio.timeout``, ``StreamWriter.start_tls``) this
small backend does the same job directly; on 3.10 the anyio one is used.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import sys
from collections.abc import Iterable
from typing import Any

import httpcore

# mypy checks the project for Python 3.10, where this block does not exist; check
# it with ``mypy --strict --python-version 3.11 src/finops_lint/links``.
if sys.version_info >= (3, 11):

    class AsyncioStream(httpcore.AsyncNetworkStream):
        def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.reader = reader
            self.writer = writer

        async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            try:
                async with asyncio.timeout(timeout):
                    return await self.reader.read(max_bytes)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout(exc) from exc
            except OSError as exc:
                raise httpcore.ReadError(exc) from exc

        async def write(self, buffer: bytes, timeout: float | None = None) -> None:
            if not buffer:
                return
            try:
                async with asyncio.timeout(timeout):
                    self.writer.write(buffer)
                    await self.writer.drain()
            except TimeoutError as exc:
                raise httpcore.WriteTimeout(exc) from exc
            except OSError as exc:
                raise httpcore.WriteError(exc) from exc

        async def aclose(self) -> None:
            # Closing is best effort: a link checker has no data left to flush.
            self.writer.transport.abort()

        async def start_tls(
            self,
            ssl_context: ssl.SSLContext,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.AsyncNetworkStream:
            try:
                async with asyncio.timeout(timeout):
                    await self.writer.start_tls(ssl_context, server_hostname=server_hostname)
            except TimeoutError as exc:
                self.writer.transport.abort()
                raise httpcore.ConnectTimeout(exc) from exc
            except OSError as exc:  # ssl.SSLError is an OSError
                self.writer.transport.abort()
                raise httpcore.ConnectError(exc) from exc
            return self

        def get_extra_info(self, info: str) -> Any:
            if info == "ssl_object":
                return self.writer.get_extra_info("ssl_object")
            if info == "client_addr":
                return self.writer.get_extra_info("sockname")
            if info == "server_addr":
                return self.writer.get_extra_info("peername")
            if info == "socket":
                return self.writer.get_extra_info("socket")
            if info == "is_readable":
                # The transport reads eagerly, so the socket itself never looks
                # readable; a server that closed an idle connection shows as EOF.
                return self.reader.at_eof() or self.writer.transport.is_closing()
            return None

    class AsyncioBackend(httpcore.AsyncNetworkBackend):
        async def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.AsyncNetworkStream:
            try:
                async with asyncio.timeout(timeout):
                    reader, writer = await asyncio.open_connection(
                        host, port, local_addr=(local_address, 0) if local_address else None
                    )
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(exc) from exc
            except OSError as exc:
                raise httpcore.ConnectError(exc) from exc
            sock = writer.get_extra_info("socket")
            if sock is not None:
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return AsyncioStream(reader, writer)

        async def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.AsyncNetworkStream:
            raise httpcore.ConnectError("unix sockets are not used")

        async def sleep(self, seconds: float) -> None:
            await asyncio.sleep(seconds)
