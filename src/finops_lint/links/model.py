"""Options and results of the external link checker (no network imports here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from finops_lint import __version__

#: Every value ``LinkResult.status`` can take.
STATUSES: tuple[str, ...] = (
    "ok",
    "not-found",
    "server-error",
    "client-error",
    "rate-limited",
    "timeout",
    "connection",
    "dns",
    "too-many-redirects",
    "redirect-loop",
    "permanent-redirect",
    "unsafe",
    "unsupported-scheme",
    "excluded",
    "invalid-url",
    "unchecked",
)

#: Statuses that mean the link works (a permanent redirect works but should be updated).
GOOD_STATUSES: frozenset[str] = frozenset({"ok", "permanent-redirect"})

#: Statuses that are not about the remote site at all; they are never cached.
LOCAL_STATUSES: frozenset[str] = frozenset(
    {"unsafe", "unsupported-scheme", "excluded", "invalid-url", "unchecked"}
)

DEFAULT_USER_AGENT = f"finops-lint/{__version__} (+link checker)"


def _default_headers() -> dict[str, str]:
    return {"User-Agent": DEFAULT_USER_AGENT}


@dataclass
class LinkCheckOptions:
    """How to check external links. Defaults follow lychee's spirit."""

    max_concurrency: int = 128
    max_per_host: int = 10
    connect_timeout: float = 10.0
    timeout: float = 20.0
    """Total time for one HTTP request (one attempt at one redirect hop)."""
    retries: int = 2
    """Extra attempts on timeouts, connection errors and 5xx, with exponential backoff."""
    retry_backoff: float = 0.5
    max_retry_after: float = 30.0
    """A 429's Retry-After is honoured up to this many seconds, then one more try; a
    longer one is not waited for (the URL is reported as ``rate-limited`` at once)."""
    budget: float = 300.0
    """Time for the whole check, in seconds. URLs not finished by then are
    ``unchecked`` (never cached), so no server can hold the run."""
    max_redirects: int = 10
    accepted_status: frozenset[int] = frozenset(range(200, 300))
    """HTTP statuses treated as alive. 429 is deliberately absent: after waiting and
    retrying once it is reported as ``rate-limited`` so the caller can treat it as
    "not verified" rather than "broken"."""
    exclude: tuple[str, ...] = ()
    """Regular expressions (``re.search``); matching URLs are reported as ``excluded``."""
    headers: dict[str, str] = field(default_factory=_default_headers)
    allow_hosts: frozenset[str] = frozenset()
    """Host names (or literal IPs) that may resolve to private or loopback addresses."""
    allow_private: bool = False
    cache_dir: Path | None = None
    cache_max_age: float = 86400.0
    cache_failure_max_age: float = 3600.0
    progress: bool = False
    """Draw a progress bar on stderr. The caller decides (only when stderr is a TTY)."""
    notice: Callable[[str], None] | None = None
    """Receives one-line notices (e.g. "cache skipped: read-only"); default: logging."""
    max_body_bytes: int = 65536
    """GET bodies are read at most this far, then the response is closed."""


@dataclass
class LinkResult:
    """The verdict on one URL, as given to ``check_urls``."""

    url: str
    status: str
    """One of ``STATUSES``."""
    http_status: int | None
    final_url: str | None
    """For ``permanent-redirect``: the URL to use instead (end of the leading run of
    301/308 hops). For other redirected results: where the chain ended."""
    message: str
    cached: bool = False

    @property
    def ok(self) -> bool:
        """True when the link works (including a permanent redirect, or an excluded URL)."""
        return self.status in GOOD_STATUSES or self.status == "excluded"
