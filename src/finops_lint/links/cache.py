"""On-disk cache of link results: one JSON file, written atomically, never fatal.

File format (``<cache_dir>/external-links.json``)::

    {"https://example.org/a": {"status": "ok", "http_status": 200, "final_url": null,
                                "message": "200 OK", "checked_at": 1767225600.0}, ...}

Keys are request URLs (fragment removed). A corrupt, half-written or unreadable
file is ignored (and rebuilt on the next write); an unwritable folder turns the
cache off for the run with a single notice.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finops_lint.links.model import GOOD_STATUSES, LOCAL_STATUSES, STATUSES, LinkResult
from finops_lint.safe_io import MAX_CACHE_BYTES, describe, read_text, write_atomic

CACHE_FILE = "external-links.json"


class LinkCache:
    def __init__(
        self,
        directory: Path,
        *,
        max_age: float,
        failure_max_age: float,
        notice: Callable[[str], None],
        now: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory)
        self.path = self.directory / CACHE_FILE
        self.max_age = max_age
        self.failure_max_age = failure_max_age
        self._notify = notice
        self._noticed = False
        self._now = now
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        self.disabled = False
        self._load()

    def _load(self) -> None:
        try:
            raw = read_text(self.path, MAX_CACHE_BYTES)
        except FileNotFoundError:
            return
        except OSError as exc:
            self._notice(f"link cache {self.path} not read ({describe(exc)}); checking without it")
            self._dirty = True  # replaced by a regular file on save
            return
        except UnicodeDecodeError as exc:
            self._notice(f"link cache {self.path} unreadable ({exc}); checking without it")
            return
        try:
            data = json.loads(raw)
        except ValueError:
            # Half-written or corrupt: start afresh; the next save replaces it.
            self._dirty = True
            return
        if not isinstance(data, dict):
            self._dirty = True
            return
        now = self._now()
        for url, entry in data.items():
            if isinstance(url, str) and _valid_entry(entry, now):
                self._entries[url] = entry
            else:
                self._dirty = True

    def _notice(self, message: str) -> None:
        """At most one notice per run: the cache is a convenience, not news."""
        if not self._noticed:
            self._noticed = True
            self._notify(message)

    def _max_age(self, status: str) -> float:
        return self.max_age if status in GOOD_STATUSES else self.failure_max_age

    def get(self, url: str) -> LinkResult | None:
        """The cached result for request URL *url* if it is fresh enough."""
        entry = self._entries.get(url)
        if entry is None:
            return None
        age = self._now() - float(entry["checked_at"])
        if age < 0 or age >= self._max_age(entry["status"]):
            return None
        return LinkResult(
            url=url,
            status=entry["status"],
            http_status=entry["http_status"],
            final_url=entry["final_url"],
            message=entry["message"],
            cached=True,
        )

    def put(self, url: str, result: LinkResult) -> None:
        if result.status in LOCAL_STATUSES or result.cached:
            return
        self._entries[url] = {
            "status": result.status,
            "http_status": result.http_status,
            "final_url": result.final_url,
            "message": result.message,
            "checked_at": self._now(),
        }
        self._dirty = True

    def save(self) -> None:
        """Write the file whole or not at all (`safe_io.write_atomic`)."""
        if self.disabled or not self._dirty:
            return
        now = self._now()
        keep = {
            url: entry
            for url, entry in self._entries.items()
            if 0 <= now - float(entry["checked_at"]) < self._max_age(entry["status"])
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            data = json.dumps(keep, indent=0, sort_keys=True).encode("utf-8")
            # a symlink at the path is replaced, never written through
            write_atomic(self.path, data, follow_symlinks=False)
            self._dirty = False
        except OSError as exc:
            self.disabled = True
            reason = exc.strerror or str(exc)
            self._notice(
                f"link cache not written to {self.directory} ({reason}); continuing without it"
            )


def _valid_entry(entry: object, now: float) -> bool:
    """A well-formed entry: a known status, an HTTP status in range, a finite
    check time that is not in the future (a minute of clock skew allowed)."""
    if not isinstance(entry, dict):
        return False
    status = entry.get("status")
    http_status = entry.get("http_status")
    final_url = entry.get("final_url")
    checked_at = entry.get("checked_at")
    return (
        isinstance(status, str)
        and status in STATUSES
        and status not in LOCAL_STATUSES
        and (
            http_status is None
            or (
                isinstance(http_status, int)
                and not isinstance(http_status, bool)
                and 100 <= http_status <= 599
            )
        )
        and (final_url is None or isinstance(final_url, str))
        and isinstance(entry.get("message"), str)
        and isinstance(checked_at, (int, float))
        and not isinstance(checked_at, bool)
        and math.isfinite(checked_at)
        and 0 < checked_at <= now + 60
    )
