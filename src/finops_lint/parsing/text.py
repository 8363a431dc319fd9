"""Turn a file's bytes into text the way Jekyll reads it, or say why that is impossible."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DecodeError:
    """Why a file's bytes are not a text page, with the byte offset of the problem."""

    message: str
    offset: int
    line: int
    column: int


def decode_page(data: bytes) -> tuple[str | None, DecodeError | None]:
    """Decode a page as UTF-8 (with or without BOM). CRLF and CR become LF.

    Returns (text, None) or (None, error). NUL bytes and UTF-16/32 byte-order
    marks are refused: Jekyll would not read such a file as a page either.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, DecodeError(
            "file is UTF-16 (byte-order mark found); save it as UTF-8", 0, 1, 1
        )
    nul = data.find(b"\x00")
    if nul != -1:
        line, col = _line_col(data, nul)
        return None, DecodeError(
            f"file contains a NUL byte at byte offset {nul}; it looks binary, not a text page",
            nul,
            line,
            col,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        return None, DecodeError(
            f"file is not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}",
            exc.start,
            line,
            col,
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1
