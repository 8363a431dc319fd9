"""How the checker words what came back: status phrases, Retry-After, connection errors."""

from __future__ import annotations

import email.utils
import time
from http import HTTPStatus

import httpx


def phrase(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def seconds(value: float) -> str:
    return f"{value:g} s"


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


def connection_message(exc: httpx.TransportError) -> str:
    text = str(exc)
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered:
        return f"TLS error: {text}"
    if "refused" in lowered or caused_by(exc, ConnectionRefusedError):
        return "connection refused"
    if "reset" in lowered or caused_by(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return f"connection closed before a complete response{': ' + text if text else ''}"
    return f"connection failed: {text or type(exc).__name__}"


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
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
