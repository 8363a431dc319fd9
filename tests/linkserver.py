"""A local HTTP server on 127.0.0.1 with one endpoint per link-checker behaviour.

Every request is recorded (method, path), so tests can assert how many requests
the checker made. Start it with :func:`serve` (a context manager).
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LARGE_BODY = 64 * 1024 * 1024
CHUNK = 64 * 1024


class LinkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.per_path: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self.large_sent = 0
        self.large_done = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def hits(self, path: str) -> int:
        with self.lock:
            return self.per_path[path]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and broken pipes are the point of some endpoints


class Handler(BaseHTTPRequestHandler):
    server: LinkServer
    protocol_version = "HTTP/1.1"  # keep-alive: every reply has a Content-Length

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def _reply(self, code: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, code: int, location: str) -> None:
        self._reply(code, {"Location": location})

    def _dispatch(self, method: str) -> None:
        server = self.server
        path = self.path
        with server.lock:
            server.requests.append((method, path))
            server.per_path[path] += 1
            count = server.per_path[path]
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            self._route(method, path, count)
        finally:
            with server.lock:
                server.in_flight -= 1

    def _route(self, method: str, path: str, count: int) -> None:
        if path.startswith("/ok"):
            self._reply(200, body=b"ok")
        elif path == "/missing":
            self._reply(404)
        elif path == "/gone":
            self._reply(410)
        elif path == "/forbidden":
            self._reply(403)
        elif path == "/flaky":
            self._reply(500 if count == 1 else 200)
        elif path == "/unavailable":
            self._reply(503)
        elif path == "/ratelimit":
            if count == 1:
                self._reply(429, {"Retry-After": "1"})
            else:
                self._reply(200)
        elif path == "/ratelimit-long":
            self._reply(429, {"Retry-After": "120"})
        elif path.startswith("/moved/"):
            n = int(path.rsplit("/", 1)[1])
            self._redirect(301, f"/moved/{n - 1}" if n > 1 else "/ok")
        elif path == "/temp":
            self._redirect(302, "/ok")
        elif path == "/loop/a":
            self._redirect(302, "/loop/b")
        elif path == "/loop/b":
            self._redirect(302, f"{self.server.base}/loop/a")
        elif path.startswith("/hops/"):
            n = int(path.rsplit("/", 1)[1])
            if n == 0:
                self._reply(200)
            else:
                self._redirect(302, f"/hops/{n - 1}")
        elif path == "/head-405":
            self._reply(405 if method == "HEAD" else 200)
        elif path == "/slow":
            time.sleep(2.0)
            self._reply(200)
        elif path == "/hang":  # long enough for a test to interrupt the checker
            time.sleep(20.0)
            self._reply(200)
        elif path.startswith("/paced"):
            time.sleep(0.1)
            self._reply(200)
        elif path == "/large":
            if method == "HEAD":
                self._reply(405)
            else:
                self._large()
        elif path == "/reset":
            self._reset()
        elif path == "/to-localhost":
            self._redirect(302, f"http://localhost:{self.server.port}/ok")
        elif path == "/to-private":
            self._redirect(301, "http://10.0.0.1/admin")
        elif path == "/to-mailto":
            self._redirect(302, "mailto:someone@example.org")
        else:
            self._reply(404)

    def _large(self) -> None:
        server = self.server
        self.send_response(200)
        self.send_header("Content-Length", str(LARGE_BODY))
        self.end_headers()
        chunk = b"x" * CHUNK
        try:
            for _ in range(LARGE_BODY // CHUNK):
                self.wfile.write(chunk)
                with server.lock:
                    server.large_sent += CHUNK
        except OSError:
            pass
        finally:
            self.close_connection = True
            server.large_done.set()

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


@contextmanager
def serve(tls: tuple[str, str] | None = None) -> Iterator[LinkServer]:
    """Serve on 127.0.0.1; with *tls* (certfile, keyfile), serve HTTPS."""
    server = LinkServer()
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
