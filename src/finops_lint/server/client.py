"""The console script's side of `finops-lint server`: hand a plain `check` to the server.

Standard library only, and nothing is imported unless a server's socket is there:
a call with no server costs one `stat`. The call goes to the server whole (its
arguments, working folder, environment, umask, CPUs, and its own stdin, stdout
and stderr, passed as file descriptors), so the check writes to the caller's
terminal or pipe as it would have itself, and the exit code comes back.

Anything unexpected before the server starts the check (no server, another
user's socket, another version of the tool, a server that does not answer) and
the caller runs the check itself, as without a server.
"""

from __future__ import annotations

import os
import sys

from finops_lint.server.address import private_dir, socket_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from finops_lint.cache.tree import Walk

#: Set in a check the server runs: it must not hand itself to the server again.
SERVED = False
#: ... and the tree as the server knows it (`watch`), if it does.
WALKED: Walk | None = None
#: ... and whether the watch saw a file change since the server's last check ended
#: (the last report recorded for a replay is then very likely not this tree's).
TREE_CHANGED = False
#: ... or if it did not, the replay's digest of the tree (`replay.digest_tree` of WALKED)
TREE_DIGEST: str | None = None
#: ... and where it gives the server the exit code once the report is out (`answer`).
ANSWER_FD: int | None = None
#: The reply that says the server runs the check, then the exit code (4 bytes).
STARTED = b"S"
PROTOCOL = 1


def answer(code: int) -> None:
    """In a check the server runs, once everything it prints is out: the caller gets
    the exit code now, and the check lets go of the caller's stdin, stdout and stderr
    (a hook's output pipe held open would keep it waiting). What the check does next
    (recording the report for a replay) prints nothing, and is the server's time."""
    global ANSWER_FD
    fd = ANSWER_FD
    if fd is None:
        return
    ANSWER_FD = None
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.close(null)
    try:
        os.write(fd, bytes([code & 0xFF]))
    finally:
        os.close(fd)


def delegate(argv: list[str]) -> int | None:
    """The exit code of `argv` as the site's server ran it, or None: run it here."""
    if SERVED or os.environ.get("FINOPS_LINT_SERVER") == "0":
        return None
    from finops_lint.cache.replay import plain_form
    from finops_lint.roots import site_root

    form = plain_form(argv)
    if form is None:
        return None
    paths = form[0]
    try:
        cwd = os.getcwd()
        path = socket_path(site_root(paths[0] if paths else ".", cwd, None))
        if not os.path.exists(path) or not private_dir(os.path.dirname(path), create=False):
            return None
    except (OSError, ValueError):
        return None
    return _ask(path, argv, cwd)


def start_if_asked(argv: list[str]) -> None:
    """With FINOPS_LINT_SERVER=auto, a plain `check` in a Jekyll site that has no server
    starts one in the background (with this finops-lint: the way a pre-commit hook's
    own install gets a server), then runs as usual; the next calls are served."""
    if SERVED or os.environ.get("FINOPS_LINT_SERVER") != "auto":
        return
    from finops_lint.cache.replay import plain_form
    from finops_lint.roots import is_jekyll_site, site_root

    form = plain_form(argv)
    if form is None:
        return
    paths = form[0]
    import contextlib

    with contextlib.suppress(Exception):  # a server is a speed-up: the check runs anyway
        root = site_root(paths[0] if paths else ".", os.getcwd(), None)
        if not is_jekyll_site(root) or os.path.exists(socket_path(root)):
            return
        from finops_lint.server.daemon import spawn

        spawn(root)


def request(argv: list[str], cwd: str) -> dict[str, object]:
    from finops_lint import __version__
    from finops_lint.cache.tree import tool_state

    streams = []
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        streams.append(
            [
                getattr(stream, "encoding", None) or "utf-8",
                getattr(stream, "errors", None) or "strict",
                bool(getattr(stream, "line_buffering", False)),
            ]
        )
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    umask = os.umask(0o022)
    os.umask(umask)
    return {
        "op": "check",
        "protocol": PROTOCOL,
        "version": __version__,
        "python": sys.version,
        "tool": tool_state().hex(),
        "argv0": sys.argv[0] if sys.argv else "finops-lint",
        "argv": argv,
        "cwd": cwd,
        "env": dict(os.environ),
        "umask": umask,
        "cpus": cpus,
        "streams": streams,
    }


def _ask(path: str, argv: list[str], cwd: str) -> int | None:
    from finops_lint.server.wire import connect, read_exactly, send_message

    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            return None  # a closed stdin or stdout cannot be handed over
    try:
        sock = connect(path)
    except OSError:
        return None
    with sock:
        try:
            send_message(sock, request(argv, cwd), fds=[0, 1, 2])
            sock.settimeout(None)
            started = read_exactly(sock, 1)
        except (OSError, ValueError):  # a timeout is an OSError
            return None
        if started != STARTED:
            return None  # declined (another version of the tool): run it here
        try:
            code = read_exactly(sock, 4)
        except KeyboardInterrupt:
            raise  # the socket closes: the server stops the check (console says why)
        except OSError:
            code = b""
        if len(code) != 4:
            sys.stderr.write("finops-lint: the server stopped during the check\n")
            return 2
        return int.from_bytes(code, "big")
