"""The server process: started in the background, one site, one check at a time.

Between checks it holds what every check of the site would make first: the
imported tool, the result cache's main file parsed, and the Site built
(`prepared`). For each check it forks a child, which takes the caller's stdin,
stdout and stderr, working folder, environment and umask, and runs the console
script's own code (`console.main`), so the report and exit code are those of the
same call run without a server. The child's exit status goes back to the
caller. After each check the server makes its state again from the files as
they are now (the check has just saved the cache), before it takes the next.

It stops after `idle` seconds without a call, on `finops-lint server stop`, when
a call comes from another version of the tool (the caller then runs the check
itself), or when its socket is removed or taken by another server.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from finops_lint.server import prepared
from finops_lint.server.address import private_dir, socket_path
from finops_lint.server.client import PROTOCOL, STARTED
from finops_lint.server.watch import TreeWatch, Unwatchable
from finops_lint.server.wire import connect, peer_uid, read_message, send_message

if TYPE_CHECKING:
    from finops_lint.cache.tree import Walk
    from finops_lint.config import Config

DEFAULT_IDLE = 1800.0
#: How long `server start` waits for the new server to answer.
START_TIMEOUT = 60.0
#: How long `status` and `stop` wait for an answer: the server answers between checks,
#: and makes its state again after each (seconds at 100,000 pages).
BUSY_TIMEOUT = 300.0


class ServerError(Exception):
    pass


def status(root: str) -> dict[str, Any] | None:
    """What the server of this site says of itself, or None when there is none."""
    path = socket_path(root)
    if not os.path.exists(path):
        return None
    try:
        with connect(path) as sock:
            send_message(sock, {"op": "status", "protocol": PROTOCOL})
            sock.settimeout(BUSY_TIMEOUT)
            reply, fds = read_message(sock)
    except (OSError, ValueError):
        return None
    for fd in fds:
        os.close(fd)
    return reply


def stop(root: str) -> bool:
    """Ask the server of this site to stop, and wait until it is gone (a `server
    start` right after then starts a new one); False when none answered."""
    path = socket_path(root)
    try:
        with connect(path) as sock:
            send_message(sock, {"op": "stop", "protocol": PROTOCOL})
            sock.settimeout(BUSY_TIMEOUT)
            sock.recv(1)
    except OSError:
        return False
    _wait_unlocked(path, START_TIMEOUT)
    return True


def _wait_unlocked(path: str, timeout: float) -> None:
    """Until no process holds the site's server lock (`_lock`), or `timeout`: a server
    with a big Site takes a moment to exit after its answer."""
    import fcntl

    try:
        fd = os.open(path + ".lock", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except OSError:
                time.sleep(0.05)
    finally:
        os.close(fd)


def start(root: str, idle: float) -> dict[str, Any]:
    """Start a server for this site in the background (or find the one running) and
    return its status once it answers."""
    running = status(root)
    if running is not None:
        return running
    read_end, write_end = os.pipe()
    _fork_server(root, idle, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as ready:
        said = ready.read().decode("utf-8", "replace")  # until the server is listening
    if said != "ok":
        raise ServerError(said or "the server did not start")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = status(root)
        if found is not None:
            return found
        time.sleep(0.05)
    raise ServerError("the server does not answer")


def spawn(root: str, idle: float = DEFAULT_IDLE) -> None:
    """Start a server for this site in the background and return at once (the server
    makes itself ready meanwhile; a second one started at the same time stops, see
    `_Server`). Errors are the server's log's."""
    _fork_server(root, idle, None)


def _fork_server(root: str, idle: float, ready_fd: int | None) -> None:
    """A server process for root, in a session of its own (the first child leaves at
    once, so the server is nobody's child)."""
    folder = os.path.dirname(socket_path(root))
    if not private_dir(folder, create=True):
        raise ServerError(f"{folder} is not a folder only this user can use")
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                _serve_forever(root, idle, ready_fd)
            os._exit(0)
        except BaseException:
            os._exit(1)
    os.waitpid(pid, 0)


def _serve_forever(root: str, idle: float, ready_fd: int | None) -> None:
    """The server's process (never returns). It keeps none of its caller's files open
    (a hook's output pipe held open would keep pre-commit waiting)."""
    code = 0
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        most = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024
        if ready_fd is None:
            os.closerange(3, most)
        else:
            os.closerange(3, ready_fd)
            os.closerange(ready_fd + 1, most)
        os.chdir("/")
        server = _Server(root, idle)
        if ready_fd is not None:
            os.write(ready_fd, b"ok")
            os.close(ready_fd)
            ready_fd = None
        server.loop()
    except BaseException as exc:  # said to `server start`, if it is still waiting
        if ready_fd is not None:
            with contextlib.suppress(OSError):
                os.write(ready_fd, f"{type(exc).__name__}: {exc}".encode())
        import traceback

        _log(socket_path(root), "stopped on an error:\n" + traceback.format_exc())
        code = 1
    os._exit(code)


def _log(path: str, message: str) -> None:
    """Append to the server's log beside its socket (its stderr is /dev/null)."""
    with contextlib.suppress(OSError), open(path + ".log", "a", encoding="utf-8") as log:
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}: {message}\n")


class _Server:
    def __init__(self, root: str, idle: float) -> None:
        self.root = root
        self.idle = idle
        self.started = time.time()
        self.checks = 0
        self.path = socket_path(root)
        # everything a check imports, before the first fork
        from finops_lint import console
        from finops_lint.cache.tree import tool_state
        from finops_lint.rules.base import all_rules

        console._load_check(whole=True)
        all_rules()
        # As in a check (check_command): the collector's passes over a big site's
        # objects cost seconds per refresh at 100,000 pages; it runs when asked.
        gc.disable()
        self.tool = tool_state().hex()
        self._lock = _lock(self.path)  # one server per site: a second one stops here
        self.watch = _watch(root)
        #: the replay's digest of the tree the last refresh was made from
        self.tree_digest: str | None = None
        #: a child forked after the last refresh, waiting for the next check (pid, and
        #: the socket that hands it over), so that a check does not wait for a fork
        self.standby: tuple[int, socket.socket] | None = None
        self.listener = self._listen()
        self._warm_up()
        self.refresh()

    def _config(self) -> Config:
        from pathlib import Path

        from finops_lint.config import load_config

        return load_config(Path(self.root), None, search_from=Path(self.root))

    def _warm_up(self) -> None:
        """What a run's workers are given before they fork: the Markdown parser, the
        rules' compiled patterns (pure functions of the config)."""
        from finops_lint.config import ConfigError
        from finops_lint.parsing.markdown import warm_up
        from finops_lint.rules.base import warm_up_rules

        warm_up()
        with contextlib.suppress(ConfigError, OSError):
            warm_up_rules(self._config())

    def _listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # a server that died left it; a live one answered status
        old_umask = os.umask(0o077)
        try:
            listener.bind(self.path)
        finally:
            os.umask(old_umask)
        listener.listen(16)
        self.inode = os.stat(self.path).st_ino
        return listener

    def refresh(self) -> None:
        """Make the state the next check forks from, from the files as they are now."""
        from finops_lint.cache.store import preload
        from finops_lint.cache.tree import CACHE_FOLDER, MAIN_FILE

        self._drop_standby()  # forked from the old state
        gc.unfreeze()  # what the last refresh froze, so the old state can be collected
        prepared.PREPARED = None  # the old one's memory first
        gc.collect()
        started = time.time_ns()
        self.tree_digest = None
        try:
            walk = self.tree()
            if walk is not None and self.watch is not None:
                self.watch.mark()  # what changes from now on is relative to this tree
                from finops_lint.cache.replay import digest_tree

                self.tree_digest = digest_tree(walk.files)  # a check's, while it stays
            prepared.PREPARED = prepared.make_ready(self.root, walk)
        except Exception:  # the check builds its own Site and says what is wrong
            import traceback

            prepared.PREPARED = None
            _log(self.path, "no Site made ready:\n" + traceback.format_exc())
        ready = prepared.PREPARED
        if ready is None or ready.cache is None:
            # (a check takes the cache the server opened: a second parse would only
            # double the record's memory, 400 MB at 100,000 pages)
            preload(os.path.join(self.root, CACHE_FOLDER, MAIN_FILE), started)
        gc.collect()
        gc.freeze()  # the children share these pages; the collector would copy them

    def _fork_standby(self) -> None:
        """Fork the child the next check runs in, now (a fork of the server took 25-40
        ms at 100,000 pages). It gets the tree as the watch had it when this state was
        made, and is told at the check what the watch did since (`watch.replay_ops`);
        without a watch there is none (the check is forked then). Only between calls:
        a child forked during one would hold its caller's files open."""
        watch = self.watch
        if self.standby is not None or watch is None or watch.ops is None or watch.ops:
            return
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _standby(theirs, (self.listener,), self.root, watch.files)
        theirs.close()
        self.standby = (pid, ours)

    def _drop_standby(self) -> None:
        """The standby child goes (it ends when its socket closes) and is waited for."""
        standby, self.standby = self.standby, None
        if standby is not None:
            pid, sock = standby
            sock.close()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def _hand_over(self, message: dict[str, Any], fds: list[int], hints: Hints) -> int | None:
        """Give the check to the standby child; its pid, or None: fork one."""
        standby, self.standby = self.standby, None
        watch = self.watch
        walked = hints.walked
        if standby is None or watch is None or watch.ops is None or walked is None:
            if standby is not None:
                self.standby = standby
                self._drop_standby()
            return None
        pid, sock = standby
        job = {
            "message": message,
            "ops": watch.ops,
            "folders": walked.folders,
            "started_ns": walked.started_ns,
            "dirty": None if hints.dirty is None else sorted(hints.dirty),
            "changed": hints.changed,
            "digest": hints.digest,
        }
        try:
            send_message(sock, job, [*fds, hints.answer])
        except (OSError, ValueError):
            self.standby = standby
            self._drop_standby()
            return None
        sock.close()
        return pid

    def tree(self) -> Walk | None:
        """The site tree now, from the watch (None: the caller walks it)."""
        if self.watch is None:
            return None
        try:
            return self.watch.snapshot()
        except (Unwatchable, OSError):
            self.watch.close()
            self.watch = None
            return None

    def loop(self) -> None:
        while True:
            self._fork_standby()
            ready, _w, _x = select.select([self.listener], [], [], self.idle)
            if not ready or not self._still_ours():
                break
            conn, _addr = self.listener.accept()
            with conn:
                try:
                    if not self._handle(conn):
                        break
                except OSError as exc:  # a caller gone before its answer: the next one
                    _log(self.path, f"a call ended early: {exc!r}")
        self._drop_standby()
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)

    def _still_ours(self) -> bool:
        try:
            return os.stat(self.path).st_ino == self.inode and os.path.isdir(self.root)
        except OSError:
            return False

    def _handle(self, conn: socket.socket) -> bool:
        """Serve one call; False: the server stops."""
        if peer_uid(conn) != os.getuid():
            return True
        conn.settimeout(10.0)
        try:
            message, fds = read_message(conn)
        except (OSError, ValueError):
            return True
        op = message.get("op")
        try:
            if message.get("protocol") != PROTOCOL:
                return True
            if op == "status":
                send_message(conn, self._status())
                return True
            if op == "stop":
                conn.sendall(b"x")
                return False
            if op != "check" or len(fds) != 3:
                return True
            from finops_lint import __version__

            same = (message.get("version"), message.get("python"), message.get("tool")) == (
                __version__,
                sys.version,
                self.tool,
            )
            if not same:
                return False  # another finops-lint: it runs the check itself; this one stops
            self._check(conn, message, fds)
            return True
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _status(self) -> dict[str, Any]:
        ready = prepared.PREPARED
        return {
            "pid": os.getpid(),
            "root": self.root,
            "started": self.started,
            "checks": self.checks,
            "idle_timeout": self.idle,
            "site_ready": ready is not None,
            "pages": len(ready.site.pages) if ready is not None else 0,
            "watching": self.watch is not None,
        }

    def _check(self, conn: socket.socket, message: dict[str, Any], fds: list[int]) -> None:
        walked = self.tree()
        dirty = None
        digest = None
        if walked is not None and self.watch is not None and self.watch.dirty is not None:
            dirty = set(self.watch.dirty)  # since the last refresh's tree
            if not dirty:
                digest = self.tree_digest  # the same tree: the replay need not digest it
        answer_r, answer_w = os.pipe()
        hints = Hints(answer_w, bool(dirty), digest, walked, dirty)
        pid = self._hand_over(message, fds, hints)
        if pid is None:
            pid = os.fork()
            if pid == 0:
                os.close(answer_r)
                _run_check(message, fds, (conn, self.listener), walked, hints)
        os.close(answer_w)
        self.checks += 1
        conn.settimeout(None)
        with contextlib.suppress(OSError):
            conn.sendall(STARTED)
        try:
            _wait(pid, conn, answer_r)
        finally:
            os.close(answer_r)
        self.refresh()


def _lock(path: str) -> int:
    """Hold the site's server lock for this process's life; ServerError when another
    server holds it (two started at once: the socket is the holder's to replace)."""
    import fcntl

    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise ServerError("a server for this site is running or starting") from None
    return fd


def _watch(root: str) -> TreeWatch | None:
    """A watch on the site tree, or None: each check walks it (see `watch`)."""
    if os.environ.get("FINOPS_LINT_SERVER_WATCH") == "0":
        return None
    try:
        return TreeWatch(root)
    except (Unwatchable, OSError):
        return None


def _wait(pid: int, conn: socket.socket, answer: int) -> None:
    """Give the caller the check's exit code: as soon as the child says it (`answer`:
    its report is out), else when it exits. Until the caller has it, a caller gone
    (Ctrl-C) interrupts the child as the caller's own run would have been. The child
    is waited for in either case."""
    answered = False
    pidfd = None
    with contextlib.suppress(OSError, AttributeError):
        pidfd = os.pidfd_open(pid)
    if pidfd is not None:
        try:
            watched = [pidfd, conn.fileno(), answer]
            while True:
                ready, _w, _x = select.select(watched, [], [])
                if pidfd in ready:
                    break
                if answer in ready:
                    said = os.read(answer, 1)
                    if said:
                        _send_code(conn, said[0])
                        answered = True
                        watched = [pidfd]  # the caller may go now: nothing to interrupt
                    else:
                        watched = [pidfd, conn.fileno()]  # it will not say: its exit tells
                    continue
                if conn.fileno() in ready and not conn.recv(1, socket.MSG_PEEK):
                    raise ConnectionResetError("the caller is gone")
        except OSError:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGINT)
        finally:
            os.close(pidfd)
    _pid, status = os.waitpid(pid, 0)
    if not answered:
        code = os.waitstatus_to_exitcode(status)
        _send_code(conn, code if 0 <= code <= 255 else 2)


def _send_code(conn: socket.socket, code: int) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(code.to_bytes(4, "big"))


@dataclass
class Hints:
    """What a check's child is told besides the call."""

    #: where it says its exit code once its report is out (`client.answer`)
    answer: int
    #: the watch saw a file change since the server's last refresh (`dirty` not empty)
    changed: bool
    #: if not, the replay's digest of the tree
    digest: str | None
    #: the tree (the watch's), if the server has one
    walked: Walk | None
    #: the files whose stat may differ from the prepared state's tree (None: unknown)
    dirty: set[str] | None
    #: the child was forked before the call (`_fork_standby`)
    standby: bool = False


def _standby(sock: socket.socket, close: tuple[socket.socket, ...], root: str, files: Any) -> None:
    """In a child forked after a refresh: wait for a check and run it (never returns);
    end when the server closes the socket instead. `files`: this process's copy of the
    watch's tree when the state was made."""
    from finops_lint.cache.tree import Walk
    from finops_lint.server.watch import replay_ops

    try:
        for other in close:
            other.close()
        try:
            job, fds = read_message(sock, max_fds=4)
        except (OSError, ValueError):
            # dropped (the socket closed), or a call it could not read: never a pass
            os._exit(2)
        sock.close()
        if len(fds) != 4:
            os._exit(2)
        replay_ops(files, [(rel, None if sig is None else tuple(sig)) for rel, sig in job["ops"]])
        folders = {p: None if sig is None else tuple(sig) for p, sig in job["folders"].items()}
        walked = Walk.given(root, files, folders, job["started_ns"])
        dirty = None if job["dirty"] is None else set(job["dirty"])
        hints = Hints(fds[3], job["changed"], job["digest"], walked, dirty, standby=True)
        _run_check(job["message"], fds[:3], (), walked, hints)
    except BaseException:
        os._exit(2)


def _run_check(
    message: dict[str, Any],
    fds: list[int],
    close: tuple[socket.socket, ...],
    walked: Walk | None,
    hints: Hints,
) -> None:
    """In the forked child: become the caller's run of the console script (never
    returns). `hints`: see `Hints`."""
    code = 2
    try:
        for sock in close:
            sock.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(message["cwd"])
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in message["env"].items()})
        time.tzset()
        os.umask(int(message["umask"]))
        cpus = message.get("cpus")
        if cpus and hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, cpus)
        _streams(message["streams"])
        if hints.standby and os.environ.get("FINOPS_LINT_TIMING"):
            sys.stderr.write("finops-lint timing: run in a child forked before the call\n")
        sys.argv = [str(message["argv0"]), *map(str, message["argv"])]
        from finops_lint import console
        from finops_lint.server import client

        ready = prepared.PREPARED
        if ready is not None and walked is not None:  # what changed since it was made
            ready.dirty, ready.dirty_tree = hints.dirty, walked.files
        client.SERVED = True
        client.ANSWER_FD, client.TREE_CHANGED, client.TREE_DIGEST = (
            hints.answer,
            hints.changed,
            hints.digest,
        )
        client.WALKED = walked
        try:
            console.main()
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc)
    except BaseException:
        with contextlib.suppress(Exception):
            import traceback

            sys.stderr.write("finops-lint: internal error in the server\n")
            traceback.print_exc()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _streams(specs: list[list[Any]]) -> None:
    """sys.stdin, stdout and stderr as the caller's Python made them."""
    made = []
    for fd, (encoding, errors, line_buffering) in enumerate(specs):
        raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
        buffered: Any = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
        made.append(
            io.TextIOWrapper(
                buffered, encoding=encoding, errors=errors, line_buffering=bool(line_buffering)
            )
        )
    sys.stdin, sys.stdout, sys.stderr = made


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    with contextlib.suppress(Exception):
        sys.stderr.write(f"{exc.code}\n")
    return 1
