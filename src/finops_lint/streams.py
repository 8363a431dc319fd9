"""Writing a report to stdout or stderr the same way every time (a replayed report
too, `cache.replay`). Standard library only."""

from __future__ import annotations

# typing is not imported at run time: a replayed run loads as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

#: A long report is written a slice at a time (its encoded copy is never whole:
#: a report of 100,000 pages is tens of MB).
SLICE = 1 << 20


def write(stream: Any, text: str) -> None:
    """Write text even where the terminal's encoding cannot show every character."""
    for start in range(0, len(text), SLICE):
        part = text[start : start + SLICE]
        try:
            stream.write(part)
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(part.encode(encoding, "replace").decode(encoding))


def encoded(pieces: Iterable[str], errors: str = "strict") -> Iterator[bytes]:
    """The pieces of a report as UTF-8, a slice at a time (never a whole copy)."""
    for piece in pieces:
        for start in range(0, len(piece), SLICE):
            yield piece[start : start + SLICE].encode("utf-8", errors)
