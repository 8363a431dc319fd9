"""The one way finops-lint reads a file: regular files only, never more than a bound.

Everything under review is untrusted: a page, `_config.yml`, a template, a schema
or the link cache may be a FIFO (reading it would wait forever), a device
(`/dev/zero` never ends) or a symlink to one. The file is opened without
blocking and checked with `fstat` on the open descriptor (no window between the
check and the read), so what is read is always a regular file, and at most
`limit` bytes of it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterable

try:  # hashlib would load OpenSSL as well, for hashes never used here
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

#: Bounds for the kinds of files finops-lint reads (bytes). Larger pages have only
#: their front matter checked; other files larger than their bound are not read.
MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_CONFIG_BYTES = 1024 * 1024
MAX_SCHEMA_BYTES = 1024 * 1024
MAX_CACHE_BYTES = 32 * 1024 * 1024

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegularFileError(OSError):
    """The path is a FIFO, a device, a socket or a folder: it is not read."""


class FileTooLargeError(OSError):
    """The file is larger than the bound for its kind."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: str | os.PathLike[str], limit: int, *, truncate: bool = False) -> bytes:
    """The bytes of a regular file, at most `limit` of them.

    Raises `NotRegularFileError` for anything but a regular file (after following
    symlinks), `FileTooLargeError` when the file is larger than `limit` (unless
    `truncate`, which returns `limit + 1` bytes so the caller can tell), and
    `OSError` for everything else (missing, no permission...).
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        _check_regular(info.st_mode, path)
        data = _read_fd(fd, limit + 1, info.st_size)
    finally:
        os.close(fd)
    if len(data) > limit and not truncate:
        raise FileTooLargeError(
            errno.EFBIG, f"larger than {_size(limit)}; not read", os.fspath(path)
        )
    return data


#: `read_bytes_if` reads a file of up to this many bytes in one go before it looks.
_WHOLE_BELOW = 256 * 1024


def read_bytes_if(
    path: str | os.PathLike[str], limit: int, head: int, accept: Callable[[bytes], bool]
) -> bytes | None:
    """`read_bytes(path, limit, truncate=True)` of a file whose first `head` bytes
    `accept` takes; None when it does not, or when the file is not regular or its
    first bytes cannot be read (`OSError` only for the rest). One open for the look
    and the read: the Site's build reads every file's first bytes for a front matter
    fence, then each page whole. A file above `_WHOLE_BELOW` bytes is read past its
    first `head` only once they are taken."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None
            whole = info.st_size <= _WHOLE_BELOW
            first = _read_fd(fd, limit + 1 if whole else head, info.st_size)
        except OSError:
            return None
        if not accept(first[:head]):
            return None
        if whole or len(first) < head:
            return first
        return first + _read_fd(fd, limit + 1 - len(first), info.st_size - len(first))
    finally:
        os.close(fd)


def _check_regular(mode: int, path: str | os.PathLike[str]) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(
            errno.EINVAL, f"{_kind(mode)}, not a regular file; not read", os.fspath(path)
        )


def _read_fd(fd: int, wanted: int, size: int) -> bytes:
    """At most `wanted` bytes from an open file, `size` its size as fstat gave it.

    The first read asks for that size (and one byte more, to see the end): a read of
    a bigger buffer costs an allocation of that size per file. A file that grew, or
    one whose size fstat does not know, is read on."""
    chunks: list[bytes] = []
    ask = min(wanted, size + 1) if size > 0 else 0
    while wanted > 0:
        chunk = os.read(fd, ask or min(wanted, 64 * 1024))
        ask = 0
        if not chunk:
            break
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def read_text(path: str | os.PathLike[str], limit: int) -> str:
    """A regular file's text (UTF-8, a BOM dropped); `UnicodeDecodeError` if it is not."""
    return read_bytes(path, limit).decode("utf-8-sig")


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes | Iterable[bytes],
    *,
    follow_symlinks: bool = True,
    sync: bool = True,
) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, synced
    (unless `sync` is false: a cache file a crash may lose),
    then renamed over the target. On any error (a full disk, an interrupt, an
    exception from an iterable of chunks) the temporary file is removed and the
    target is left as it was. With
    ``follow_symlinks=False`` a symlink at path is replaced, never written through."""
    target = os.path.realpath(path) if follow_symlinks else os.path.abspath(path)
    folder = os.path.dirname(target) or "."
    try:
        mode = stat.S_IMODE(os.stat(target, follow_symlinks=follow_symlinks).st_mode)
        if not follow_symlinks and stat.S_ISLNK(os.lstat(target).st_mode):
            mode = 0o644
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = _new_file(folder, f".{os.path.basename(target)}.")
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(data, bytes):
                out.write(data)
            else:
                for chunk in data:
                    out.write(chunk)
            out.flush()
            if sync:
                os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


#: How `_new_file` opens: created here and now, never through a symlink, not inherited.
_NEW_FILE_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


def _new_file(folder: str, prefix: str) -> tuple[int, str]:
    """`tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)`, as secure (a new
    file of mode 0600 with a random name, created exclusively), without importing
    tempfile: it loads shutil, bz2, lzma and random, 5 ms of every run that saves
    its cache."""
    for _attempt in range(100):
        path = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}.tmp")
        try:
            return os.open(path, _NEW_FILE_FLAGS, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", folder)


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether path (symlinks followed) is a regular file; never opens it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def describe(exc: OSError) -> str:
    """An OSError in a few words, without the path (the caller shows it)."""
    if isinstance(exc, (NotRegularFileError, FileTooLargeError)):
        return str(exc.strerror)
    return str(exc.strerror or exc)


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit:,} bytes"


def content_hash(data: bytes) -> str:
    """The hash by which the result cache knows a file's content."""
    return blake2b(data, digest_size=16).hexdigest()


__all__ = [
    "MAX_CACHE_BYTES",
    "MAX_CONFIG_BYTES",
    "MAX_PAGE_BYTES",
    "MAX_SCHEMA_BYTES",
    "FileTooLargeError",
    "NotRegularFileError",
    "blake2b",
    "content_hash",
    "describe",
    "is_regular_file",
    "read_bytes",
    "read_text",
    "write_atomic",
]
