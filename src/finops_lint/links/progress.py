"""A one-line progress bar on stderr, redrawn at most ten times a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, total: int, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.broken = 0
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._last_draw = 0.0
        self._drawn = False

    def advance(self, *, broken: bool = False) -> None:
        self.done += 1
        self.broken += int(broken)
        now = time.monotonic()
        if self.done == self.total or now - self._last_draw >= 0.1:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        filled = self.width * self.done // self.total if self.total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"\rexternal links [{bar}] {self.done}/{self.total}"
        if self.broken:
            line += f", {self.broken} failing"
        self.stream.write(line)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the bar so that the report starts on a clean line."""
        if self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
