"""Messages between `finops-lint` and its server: a length, then JSON (file descriptors
ride along with the length). Both ends check that the other runs as this user."""

from __future__ import annotations

import json
import os
import socket
import struct
from typing import Any

#: A request is a few kilobytes (arguments and the environment); more is not ours.
MAX_MESSAGE = 4 * 1024 * 1024
CONNECT_TIMEOUT = 2.0
_CRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


def peer_uid(sock: socket.socket) -> int | None:
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size)
    except (OSError, AttributeError):
        return None
    return int(_CRED.unpack(raw)[1])


def connect(path: str) -> socket.socket:
    """A connection to the server at path; OSError when there is none, or it is not
    this user's."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(path)
        if peer_uid(sock) != os.getuid():
            raise PermissionError("the server runs as another user")
    except BaseException:
        sock.close()
        raise
    return sock


def send_message(
    sock: socket.socket, message: dict[str, Any], fds: tuple[int, ...] | list[int] = ()
) -> None:
    body = json.dumps(message, ensure_ascii=True).encode("ascii")
    head = struct.pack(">I", len(body))
    if fds:
        socket.send_fds(sock, [head], list(fds))
    else:
        sock.sendall(head)
    sock.sendall(body)


def read_message(sock: socket.socket, max_fds: int = 3) -> tuple[dict[str, Any], list[int]]:
    """A message and the descriptors sent with it; ValueError when it is not one."""
    head, fds, _flags, _addr = socket.recv_fds(sock, 4, max_fds)
    try:
        while len(head) < 4:
            more = sock.recv(4 - len(head))
            if not more:
                raise ValueError("short message")
            head += more
        (size,) = struct.unpack(">I", head)
        if size > MAX_MESSAGE:
            raise ValueError("message too large")
        body = read_exactly(sock, size)
        if len(body) != size:
            raise ValueError("short message")
        message = json.loads(body.decode("ascii"))
        if not isinstance(message, dict):
            raise ValueError("not a message")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return message, fds


def read_exactly(sock: socket.socket, size: int) -> bytes:
    """Up to size bytes: fewer only when the other end closed."""
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
