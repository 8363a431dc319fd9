"""Where the server of a site listens: a Unix socket in a folder only this user can use.

Standard library only: the console script asks before it imports anything else.
The folder is ``$FINOPS_LINT_SERVER_DIR``, else ``finops-lint-UID`` in ``$TMPDIR``
(or ``/tmp``); the socket's name is a digest of the site root's real path, so
the path stays under the 107 bytes a socket address allows.
"""

from __future__ import annotations

import os
import stat

from finops_lint.safe_io import blake2b


def server_dir() -> str:
    given = os.environ.get("FINOPS_LINT_SERVER_DIR")
    if given:
        return os.path.abspath(given)
    base = os.environ.get("TMPDIR") or "/tmp"
    return os.path.join(os.path.abspath(base), f"finops-lint-{os.getuid()}")


#: The longest socket path every Unix takes (Linux: 107 bytes, macOS: 103).
MAX_SOCKET_PATH = 100


def socket_path(root: str) -> str:
    """The socket of the server of `root`; in ``/tmp/finops-lint-UID`` when the folder
    chosen would make the path too long for a socket address."""
    name = blake2b(os.fsencode(root), digest_size=10).hexdigest() + ".sock"
    path = os.path.join(server_dir(), name)
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        path = os.path.join("/tmp", f"finops-lint-{os.getuid()}", name)
    return path


def private_dir(path: str, *, create: bool) -> bool:
    """The folder is this user's alone (created so when `create`); False otherwise:
    a folder another user could write could hold a socket that is not ours."""
    if create:
        try:
            os.makedirs(path, 0o700, exist_ok=True)
        except OSError:
            return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077 == 0
