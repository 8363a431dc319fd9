"""External URLs before any request: excluded, unsupported, invalid, or the URL to
request (fragment removed). No network here."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urldefrag, urlsplit

import httpx

from finops_lint import regex
from finops_lint.links.model import LinkResult


def link_result(
    url: str,
    status: str,
    message: str,
    http_status: int | None = None,
    final_url: str | None = None,
) -> LinkResult:
    return LinkResult(
        url=url, status=status, http_status=http_status, final_url=final_url, message=message
    )


def compile_excludes(patterns: Iterable[str]) -> list[regex.Pattern]:
    """Compile the exclude patterns (RE2 unless shipped); a bad one is the caller's
    config error (ValueError)."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(regex.compile(pattern))
        except re.error as exc:
            raise ValueError(f"invalid exclude pattern {pattern!r}: {exc}") from exc
    return compiled


def prepare(raw: str, exclude: list[regex.Pattern]) -> tuple[LinkResult | None, str | None]:
    """Either an immediate result (excluded, bad scheme, invalid) or the URL to request."""
    for pattern in exclude:
        if pattern.search(raw):
            return link_result(raw, "excluded", f"excluded by pattern {pattern.pattern!r}"), None
    url = raw.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return link_result(raw, "invalid-url", f"invalid URL: {exc}"), None
    scheme = parts.scheme.lower()
    if not scheme:
        return link_result(raw, "invalid-url", "not an absolute URL (no scheme)"), None
    if scheme not in ("http", "https"):
        return link_result(raw, "unsupported-scheme", f"{scheme}: links are not checked"), None
    if not parts.hostname:
        return link_result(raw, "invalid-url", "invalid URL: no host"), None
    try:
        port = parts.port
    except ValueError as exc:  # "Port out of range 0-65535", "Port could not be cast..."
        return link_result(raw, "invalid-url", f"invalid URL: {str(exc).lower()}"), None
    if port == 0:
        return link_result(raw, "invalid-url", "invalid URL: port 0"), None
    request_url, _fragment = urldefrag(url)
    try:
        parsed = httpx.URL(request_url)
    except (httpx.InvalidURL, ValueError) as exc:
        return link_result(raw, "invalid-url", f"invalid URL: {exc}"), None
    if not parsed.host:
        return link_result(raw, "invalid-url", "invalid URL: no host"), None
    return None, str(parsed)
