"""`finops-lint server`: a check it runs gives the report and exit code of the same
check run without it, whatever changed in the site since the server made its Site."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from finops_lint.engine import RunOptions, run
from finops_lint.server import prepared
from finops_lint.server.address import private_dir, socket_path
from finops_lint.server.watch import TreeWatch
from finops_lint.server.wire import connect, send_message
from tests.test_cache import OP_NAMES, OPS, _age, _apply, _in, _make_site, _outcome, _pages

# ------------------------------------------------------------------ the prepared Site


def _with_prepared(
    root: Path, paths: list[Path], watch: TreeWatch | None = None
) -> tuple[Any, str]:
    """A check run as a child of the server runs it: with the Site the server made
    (`prepared.PREPARED`, made before the last change), then the server's next Site
    made from the files as they are after the check. With a `watch`, as the server
    does with one: the check's tree is the watch's, with the files it saw change."""
    prepared.outcome = prepared.templates_outcome = prepared.cache_outcome = ""
    walked = None
    try:
        if watch is not None:
            walked = watch.snapshot()
            assert prepared.PREPARED is not None
            prepared.PREPARED.dirty = None if watch.dirty is None else set(watch.dirty)
            prepared.PREPARED.dirty_tree = walked.files
        result = run(RunOptions(paths=paths, cache=True, walked=walked))
    finally:
        _prepare(root, watch)
    how = " | ".join((prepared.outcome, prepared.templates_outcome, prepared.cache_outcome))
    return _outcome(result), how


def _prepare(root: Path, watch: TreeWatch | None) -> None:
    """What the server's refresh does."""
    walk = None
    if watch is not None:
        walk = watch.snapshot()
        watch.mark()
    prepared.PREPARED = prepared.make_ready(str(root), walk)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(st.tuples(OPS, st.integers(0, 20)), min_size=1, max_size=6),
    aged=st.booleans(),
    watched=st.booleans(),
)
# a permalink changed (same size): the Site is built again, p2's link to p3 breaks
@example(steps=[("same-size", 4)], aged=True, watched=True)
@example(steps=[("edit", 1), ("add-anchor", 2), ("remove-anchor", 3)], aged=False, watched=False)
@example(steps=[("edit", 1), ("layout", 2), ("liquid", 3)], aged=True, watched=True)
def test_a_check_with_the_server_s_site_gives_the_output_of_one_without(
    steps: list[tuple[str, int]], aged: bool, watched: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edit, delete, rename, add; anchors, links, layouts, Liquid, both configs. After
    each step the pages pre-commit would pass, then the whole site: with the server's
    Site, templates model and result cache (made before the step, as the server makes
    them after each check) and without any cache. aged: every file's mtime an hour
    old, so a stat alone vouches for it. watched: the tree and what changed in it come
    from a watch, as in a server with one (else the check walks)."""
    monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(os.path.realpath(tmp)) / "site"
        root.mkdir()
        _make_site(root)
        base = int(time.time()) - 3600
        with _in(root):
            if aged:
                _age(root, base, base)
            run(RunOptions(paths=[root], cache=True))
            watch = TreeWatch(str(root)) if watched else None
            _prepare(root, watch)
            counter = [0]
            try:
                for op, pick in steps:
                    _apply(root, op, pick, counter)
                    if aged:
                        _age(root, base + 1000, base + counter[0])
                    pages = _pages(root)
                    chosen = [(pick - 1) % len(pages), pick % len(pages)] if pages else []
                    for paths in [[pages[i]] for i in chosen] + [[root]]:
                        served, how = _with_prepared(root, paths, watch)
                        alone = _outcome(run(RunOptions(paths=paths, cache=False)))
                        assert served == alone, (op, pick, paths, how)
            finally:
                prepared.PREPARED = None
                if watch is not None:
                    watch.close()


@contextmanager
def _served_site_in_process(tmp_path: Path) -> Iterator[tuple[Path, TreeWatch, int]]:
    """A small site whose files are an hour old, checked once with the cache, with a
    watch on it and the server's state made as after a check: (root, watch, the time
    its files have), run in the site."""
    root = tmp_path / "site"
    root.mkdir()
    _make_site(root)
    base = int(time.time()) - 3600
    with _in(root):
        _age(root, base, base)
        run(RunOptions(paths=[root], cache=True))
        watch = TreeWatch(str(root))
        try:
            _prepare(root, watch)
            yield root, watch, base
        finally:
            prepared.PREPARED = None
            watch.close()


def test_with_a_watch_a_body_edit_takes_the_site_templates_and_cache(tmp_path: Path) -> None:
    """What the server keeps is used, not only checked: the Site, LK014's model and
    the result cache, for the page edited, with the same output as without them."""
    with _served_site_in_process(tmp_path) as (root, watch, base):
        page = root / "p1.md"
        page.write_text(page.read_text("utf-8") + "\nMore words.\n", "utf-8")
        _age(root, base + 1000, base + 1)
        served, how = _with_prepared(root, [page], watch)
        alone = _outcome(run(RunOptions(paths=[page], cache=False)))
    assert served == alone
    parts = how.split(" | ")
    assert parts[0].startswith("the Site from the server (1 changed"), how
    assert parts[1].startswith("the templates from the server (1 pages"), how
    assert parts[2] == "the result cache from the server (1 files changed)", how


def test_the_server_s_result_cache_is_not_taken_once_another_run_wrote_it(
    tmp_path: Path,
) -> None:
    """A check run without the server between the server's refresh and a served check
    rewrites the cache: the served check reads it again (the record the server read
    is older, and a delta written on it would not fit the main file)."""
    with _served_site_in_process(tmp_path) as (root, watch, base):
        page, other = root / "p1.md", root / "p2.md"
        other.write_text(other.read_text("utf-8") + "\n## Part C\n", "utf-8")
        page.write_text(page.read_text("utf-8") + "\n[c](/p2/#part-c)\n", "utf-8")
        _age(root, base + 1000, base + 1)
        run(RunOptions(paths=[other], cache=True))  # not through the server
        served, how = _with_prepared(root, [page], watch)
        alone = _outcome(run(RunOptions(paths=[page], cache=False)))
        again = _outcome(run(RunOptions(paths=[root], cache=True)))
        whole = _outcome(run(RunOptions(paths=[root], cache=False)))
    assert served == alone
    assert again == whole
    assert how.split(" | ")[2] == "", how


def test_the_site_is_taken_only_when_it_is_the_one_the_check_would_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body edit reads the page again and takes the Site; a new URL, a new file or
    another `_config.yml` build it afresh."""
    monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)
    root = tmp_path / "site"
    root.mkdir()
    _make_site(root)
    page = root / "p1.md"
    with _in(root):
        run(RunOptions(paths=[root], cache=True))
        ways = {
            "a body edit": lambda: page.write_text(
                page.read_text("utf-8") + "\nMore words.\n", "utf-8"
            ),
            "a new URL": lambda: page.write_text(
                page.read_text("utf-8").replace("/p1/", "/q1/"), "utf-8"
            ),
            "a new page": lambda: (root / "p9.md").write_text(
                "---\ntitle: New\n---\n# New\n", "utf-8"
            ),
            "another _config.yml": lambda: (root / "_config.yml").write_text(
                (root / "_config.yml").read_text("utf-8") + "x: 1\n", "utf-8"
            ),
            "a file removed": lambda: (root / "img" / "p1.png").unlink(),
            "front matter without URL keys": lambda: page.write_text(
                page.read_text("utf-8").replace("title: Page 1", "title: Page One"), "utf-8"
            ),
        }
        for what, change in ways.items():
            prepared.PREPARED = prepared.prepare(str(root))
            change()
            _out, how = _with_prepared_as_is(root, [page])
            takes = what in ("a body edit", "front matter without URL keys")
            assert how.startswith("the Site from the server") == takes, (what, how)
            # and LK014's model of the templates with it, the page read again
            assert ("the templates from the server" in how) == takes, (what, how)


def _with_prepared_as_is(root: Path, paths: list[Path]) -> tuple[Any, str]:
    """Like `_with_prepared`, with the Site already made (before the change)."""
    prepared.outcome = prepared.templates_outcome = ""
    try:
        result = run(RunOptions(paths=paths, cache=True))
    finally:
        prepared.PREPARED = None
    return _outcome(result), prepared.outcome + "; " + prepared.templates_outcome


# ------------------------------------------------------------------ the server process

EXE = [sys.executable, "-m", "finops_lint"]


@pytest.fixture
def served_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A small site with a server running for it (stopped after the test)."""
    root = Path(os.path.realpath(tmp_path)) / "site"
    root.mkdir()
    _make_site(root)
    folder = Path(tempfile.mkdtemp(prefix="fl-", dir="/tmp"))  # short: a socket's path
    monkeypatch.setenv("FINOPS_LINT_SERVER_DIR", str(folder / "servers"))
    for name in ("FINOPS_LINT_CACHE_DIR", "FINOPS_LINT_NO_CACHE", "FINOPS_LINT_SERVER"):
        monkeypatch.delenv(name, raising=False)
    started = _cli(root, "server", "start", "--idle", "5")
    assert started.returncode == 0, started.stderr
    assert "running for" in started.stdout
    try:
        yield root
    finally:
        _cli(root, "server", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def _report(done: subprocess.CompletedProcess[str]) -> tuple[int, str, list[str]]:
    said = [
        line
        for line in done.stderr.splitlines()
        if "timing:" not in line and "result cache" not in line
    ]
    return done.returncode, done.stdout, said


def test_checks_the_server_runs_match_checks_without_it(served_site: Path) -> None:
    """Random edits; after each, the edited page and the whole site through the server
    (the console script hands them over) and without it (no server, no cache)."""
    root = served_site
    rng = random.Random(14)
    ops = OP_NAMES
    counter = [0]
    took = forked_before = took_cache = 0
    for _step in range(10):
        op, pick = rng.choice(ops), rng.randrange(20)
        _apply(root, op, pick, counter)
        pages = _pages(root)
        page = pages[pick % len(pages)].relative_to(root).as_posix()
        for args in ([page], []):
            served = _cli(root, "check", *args, FINOPS_LINT_TIMING="1")
            alone = _cli(root, "check", "--no-cache", *args, FINOPS_LINT_SERVER="0")
            assert _report(served) == _report(alone), (op, pick, args)
            took += "the Site from the server" in served.stderr
            forked_before += "forked before the call" in served.stderr
            took_cache += "the result cache from the server" in served.stderr
    assert took, "no check took the server's Site"
    assert forked_before, "no check ran in the server's standby child"
    assert took_cache, "no check took the result cache the server opened"
    status = _cli(root, "server", "status")
    assert status.returncode == 0
    assert "20 checks run" in status.stdout, status.stdout


def test_the_check_writes_to_the_caller_s_own_stdout_and_exit_code(served_site: Path) -> None:
    """The report goes to the caller's stdout (a pipe here), stderr to its stderr, and
    the exit code is the check's: 1 with errors."""
    done = _cli(served_site, "check", "p1.md", FINOPS_LINT_TIMING="1")
    assert done.returncode == 1
    assert "p1.md:" in done.stdout
    assert "timing:" in done.stderr
    quiet = _cli(served_site, "check", "p0.md", FINOPS_LINT_SERVER="0")
    assert (quiet.returncode, quiet.stdout) == (
        _cli(served_site, "check", "p0.md").returncode,
        _cli(served_site, "check", "p0.md").stdout,
    )


def test_a_call_from_another_version_is_declined_and_the_server_stops(
    served_site: Path,
) -> None:
    path = socket_path(str(served_site))
    with connect(path) as sock:
        send_message(
            sock,
            {"op": "check", "protocol": 1, "version": "0.0.0", "argv": ["check"]},
            fds=[0, 1, 2],
        )
        sock.settimeout(10)
        assert sock.recv(1) == b""  # no start: the caller runs the check itself
    deadline = time.monotonic() + 10
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(path)
    status = _cli(served_site, "server", "status")
    assert status.returncode == 1
    # and the check runs here, as without a server
    assert _cli(served_site, "check", "p0.md").returncode in (0, 1)


def test_a_socket_folder_others_can_use_is_not_trusted(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert not private_dir(str(shared), create=False)
    mine = tmp_path / "mine"
    assert private_dir(str(mine), create=True)
    assert (mine.stat().st_mode & 0o777) == 0o700


def test_no_server_means_no_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from finops_lint.server.client import delegate

    monkeypatch.setenv("FINOPS_LINT_SERVER_DIR", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "_config.yml").write_text("title: x\n", "utf-8")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("connected")

    monkeypatch.setattr(socket, "socket", refuse)
    assert delegate(["check", "x.md"]) is None
    assert delegate(["rules"]) is None


# ------------------------------------------------------------------ the watched tree


def _same_as_a_walk(watch: Any, root: Path) -> None:
    from finops_lint.cache.tree import walk_tree

    folders: dict[str, Any] = {}
    walked = walk_tree(root, folders)
    snap = watch.snapshot()
    assert dict(snap.files) == walked
    assert snap.folders == folders
    assert not snap.moved_since()


WATCH_STEPS = [
    "edit",
    "same-size",
    "delete",
    "rename",
    "add",
    "touch",
    "mkdir",
    "rmdir",
    "mvdir",
    "chmod",
    "replace",
    "cache",
]


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(WATCH_STEPS), st.integers(0, 20)), max_size=8))
@example(steps=[("mkdir", 0), ("edit", 5), ("rmdir", 0), ("add", 1)])
def test_the_watched_tree_is_the_tree_a_walk_finds(steps: list[tuple[str, int]]) -> None:
    """After any edits (files and folders), the server's tree is what walking it finds:
    every file's size, mtime and inode, every folder's stat. And what it did since its
    `mark`, done to a copy made then (as the standby child does), gives the same
    entries in the same order (the replay's digest of the tree reads the order); the
    files it saw change (`dirty`) are those whose entry differs from the copy's."""
    from finops_lint.server.watch import TreeWatch, replay_ops

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(os.path.realpath(tmp)) / "site"
        root.mkdir()
        _make_site(root)
        (root / ".finops-lint-cache").mkdir()
        watch = TreeWatch(str(root))
        try:
            _same_as_a_walk(watch, root)
            watch.mark()
            at_mark = dict(watch.files)
            counter = [0]
            for op, pick in steps:
                rescans = watch.rescans
                _watch_step(root, op, pick, counter)
                _same_as_a_walk(watch, root)
                if op not in ("mkdir", "rmdir", "mvdir"):  # a file's change: that file only
                    assert watch.rescans == rescans, op
                if watch.ops is None:  # walked again: nothing to follow until the next mark
                    assert watch.dirty is None
                    continue
                copy = dict(at_mark)
                replay_ops(copy, watch.ops)
                assert list(copy.items()) == list(watch.files.items())
                assert watch.dirty is not None
                differ = {r for r in at_mark.keys() | copy.keys() if at_mark.get(r) != copy.get(r)}
                assert differ <= watch.dirty
        finally:
            watch.close()


def _watch_step(root: Path, op: str, pick: int, counter: list[int]) -> None:
    counter[0] += 1
    n = counter[0]
    folders = sorted(
        p for p in root.rglob("*") if p.is_dir() and ".finops-lint-cache" not in p.parts
    )
    folder = folders[pick % len(folders)] if folders else root
    if op == "mkdir":
        made = folder / f"d{n}"
        made.mkdir()
        (made / "inside.md").write_text("---\ntitle: In\n---\n# In\n", "utf-8")
    elif op == "rmdir":
        if folder != root:
            shutil.rmtree(folder)
    elif op == "mvdir":
        if folder != root:
            folder.rename(folder.with_name(f"moved{n}"))
    elif op == "chmod":
        pages = _pages(root)
        if pages:
            pages[pick % len(pages)].chmod(0o600)
    elif op == "replace":  # an editor's save: a new file renamed over the old one
        pages = _pages(root)
        if pages:
            target = pages[pick % len(pages)]
            fresh = target.with_name(target.name + ".tmp")
            fresh.write_text(target.read_text("utf-8") + "\nSaved.\n", "utf-8")
            os.replace(fresh, target)
    elif op == "cache":  # the check's own cache writes: not the tree
        (root / ".finops-lint-cache" / f"c{n}.json").write_text("{}", "utf-8")
    else:
        _apply(root, op, pick, counter)


def test_a_symlink_in_the_tree_means_no_watch(tmp_path: Path) -> None:
    from finops_lint.server.watch import TreeWatch, Unwatchable

    root = tmp_path / "site"
    root.mkdir()
    _make_site(root)
    (root / "link.md").symlink_to(root / "p0.md")
    with pytest.raises(Unwatchable):
        TreeWatch(str(root))
    (root / "link.md").unlink()
    watch = TreeWatch(str(root))
    try:
        (root / "later.md").symlink_to(root / "p1.md")
        with pytest.raises(Unwatchable):
            watch.snapshot()
    finally:
        watch.close()


def test_a_staged_check_the_server_runs_reads_the_caller_s_git_index(served_site: Path) -> None:
    """`check --staged` (the pre-commit hook) asks git in the caller's folder, with the
    caller's environment: the same findings about a deleted page as without a server."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = served_site
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    git_env = {**os.environ, **env}
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["commit", "-q", "-m", "site"],
        ["rm", "-q", "p2.md"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, env=git_env, capture_output=True)
    served = _cli(root, "check", "--staged", "--offline", FINOPS_LINT_TIMING="1", **env)
    alone = _cli(root, "check", "--staged", "--offline", FINOPS_LINT_SERVER="0", **env)
    assert _report(served) == _report(alone)
    assert "p2" in served.stdout  # p0 and p1 link to the deleted page
    assert "; 1 checks run;" in _cli(root, "server", "status").stdout  # the served one


def test_the_server_s_parsed_front_matter_is_used_only_for_unchanged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server parses the front matter of the pages cross-references read by type
    (domains, capabilities...). A domain page that stops listing a capability makes it
    an orphan (XR): the check of that capability reads the domain page again."""
    from finops_lint.site import url_keys
    from tests.corpus import framework_site

    site = Path(os.path.realpath(tmp_path)) / "fw"
    shutil.copytree(framework_site(), site, ignore=shutil.ignore_patterns("_site", ".git"))
    site.chmod(0o755)
    old = time.time() - 3600  # a repository's files: their stat vouches for them
    for path in site.rglob("*"):
        os.utime(path, (old, old))
    for name in ("FINOPS_LINT_CACHE_DIR", "FINOPS_LINT_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FINOPS_LINT_JOBS", "1")
    monkeypatch.chdir(site)
    capability = site / "_capabilities" / "manage-commitment-based-discounts.md"
    domains = [
        site / "_domains" / n
        for n in ("cloud-rate-optimization.md", "tracking-and-benchmarking.md")
    ]
    run(RunOptions(paths=[site], cache=True))
    used: list[str] = []
    real_get = prepared._ParsedBefore.get

    def counting(self: Any, rel: str) -> Any:
        found = real_get(self, rel)
        if found is not None:
            used.append(rel)
        return found

    monkeypatch.setattr(prepared._ParsedBefore, "get", counting)
    try:
        for step, domain in enumerate(domains):
            prepared.PREPARED = prepared.make_ready(str(site))
            assert prepared.PREPARED is not None
            assert len(prepared.FRONT_MATTER) > 40
            # the pages of each type cross-references read, listed once by the server
            assert sum(map(len, prepared.PREPARED.type_pages.values())) > 40
            text = domain.read_text("utf-8")
            domain.write_text(text.replace("- capability_commitment-discounts\n", ""), "utf-8")
            used.clear()
            served = _outcome(run(RunOptions(paths=[capability], cache=True)))
            assert used, "the server's front matter was not used"
            changed = {d.relative_to(site).as_posix() for d in domains[: step + 1]}
            assert not changed & set(used)
            prepared.PREPARED, url_keys.parsed_before = None, None
            alone = _outcome(run(RunOptions(paths=[capability], cache=False)))
            assert served == alone, step
        # no domain lists the capability now: an orphan
        assert any(f["code"].startswith("XR") for f in served[0])
        # the whole site, every cross-reference and orphan, with what the server kept
        prepared.PREPARED = prepared.make_ready(str(site))
        whole = _outcome(run(RunOptions(paths=[site], cache=True)))
        prepared.PREPARED, url_keys.parsed_before = None, None
        assert whole == _outcome(run(RunOptions(paths=[site], cache=False)))
    finally:
        prepared.PREPARED = None
        prepared.FRONT_MATTER = {}
        url_keys.parsed_before = None


def test_a_socket_folder_too_deep_gives_way_to_tmp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_LINT_SERVER_DIR", "/tmp/" + "d" * 120)
    path = socket_path("/some/site")
    assert path.startswith(f"/tmp/finops-lint-{os.getuid()}/")
    assert len(path) <= 100
    monkeypatch.setenv("FINOPS_LINT_SERVER_DIR", "/tmp/short")
    assert socket_path("/some/site").startswith("/tmp/short/")


def test_a_caller_gone_before_its_answer_does_not_stop_the_server(served_site: Path) -> None:
    """A check whose caller is interrupted (the socket closes at once) is stopped; the
    server answers the next call."""
    from finops_lint.server.client import request

    path = socket_path(str(served_site))
    for _ in range(3):
        with connect(path) as sock:
            send_message(sock, request(["check", "p0.md"], str(served_site)), fds=[0, 1, 2])
    status = _cli(served_site, "server", "status")
    assert status.returncode == 0, status.stdout
    served = _cli(served_site, "check", "p0.md")
    assert _report(served) == _report(_cli(served_site, "check", "p0.md", FINOPS_LINT_SERVER="0"))
    assert "; 4 checks run;" in _cli(served_site, "server", "status").stdout


def test_auto_starts_a_server_for_the_next_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FINOPS_LINT_SERVER=auto: a check that finds no server starts one (with its own
    finops-lint, as a pre-commit hook's install would) and runs as usual; the next
    check is served. Two checks at once start one server, not two."""
    root = Path(os.path.realpath(tmp_path)) / "site"
    root.mkdir()
    _make_site(root)
    folder = Path(tempfile.mkdtemp(prefix="fl-", dir="/tmp"))
    monkeypatch.setenv("FINOPS_LINT_SERVER_DIR", str(folder / "servers"))
    for name in ("FINOPS_LINT_CACHE_DIR", "FINOPS_LINT_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    try:
        alone = _cli(root, "check", "p1.md", FINOPS_LINT_SERVER="0")
        first = [
            subprocess.Popen(
                [*EXE, "check", "p1.md"],
                cwd=root,
                env={**os.environ, "FINOPS_LINT_SERVER": "auto"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for proc in first:  # a hook's pipes: the server must not hold them open
            out, _err = proc.communicate(timeout=60)
            assert (proc.returncode, out) == (alone.returncode, alone.stdout)
        deadline = time.monotonic() + 60
        while _cli(root, "server", "status").returncode != 0:
            assert time.monotonic() < deadline, "no server started"
            time.sleep(0.2)
        found = {}  # pid: (parent pid, args) of the processes the checks left
        for line in subprocess.run(
            ["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True
        ).stdout.splitlines():
            pid, ppid, args = line.split(None, 2)
            if "finops_lint" in args and "check p1.md" in args:
                found[pid] = (ppid, args)
        # a server (its standby child, forked from it, has the same arguments)
        servers = [args for pid, (ppid, args) in found.items() if ppid not in found]
        assert len(servers) <= 1, found  # the second one found the lock held
        served = _cli(root, "check", "p1.md", FINOPS_LINT_SERVER="auto")
        assert _report(served) == _report(alone)
        assert "; 1 checks run;" in _cli(root, "server", "status").stdout
    finally:
        _cli(root, "server", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_a_server_can_start_again_right_after_stop(served_site: Path) -> None:
    """`server stop` returns once the server is gone (its lock released), so a `server
    start` right after starts a new one instead of finding the old one exiting."""
    for _ in range(3):
        stopped = _cli(served_site, "server", "stop")
        assert "stopped for" in stopped.stdout, stopped.stdout + stopped.stderr
        started = _cli(served_site, "server", "start", "--idle", "5")
        assert started.returncode == 0, started.stderr
        assert "running for" in started.stdout


def test_stop_waits_for_the_lock_the_exiting_server_holds(tmp_path: Path) -> None:
    """What `server stop` waits for: the lock, released only when the server's
    process is gone (here held by the test, released after a moment)."""
    import fcntl
    import threading

    from finops_lint.server.daemon import _wait_unlocked

    path = str(tmp_path / "s.sock")
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    released = threading.Event()

    def release() -> None:
        time.sleep(0.3)
        released.set()
        os.close(fd)  # the lock goes with the last descriptor, as at a process's exit

    threading.Thread(target=release).start()
    _wait_unlocked(path, 30)
    assert released.is_set()


def test_the_caller_gets_the_code_once_the_report_is_out_not_when_the_check_ends() -> None:
    """`_wait`: the child says its exit code when its report is out (`client.answer`)
    and goes on (recording the report for a replay): the caller has the code while
    the child still runs. A child that never says gives its exit status."""
    import threading

    from finops_lint.server.daemon import _wait
    from finops_lint.server.wire import read_exactly

    for says, exits in ((1, 0), (None, 3)):
        ours, caller = socket.socketpair()
        caller.settimeout(30)
        answer_r, answer_w = os.pipe()
        hold_r, hold_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the check: says its code, then waits until the test lets it end
            if says is not None:
                os.write(answer_w, bytes([says]))
            os.close(answer_w)
            os.read(hold_r, 1)
            os._exit(exits)
        os.close(answer_w)
        waiter = threading.Thread(target=_wait, args=(pid, ours, answer_r))
        waiter.start()
        try:
            if says is not None:  # before the child may end
                assert read_exactly(caller, 4) == says.to_bytes(4, "big")
            os.write(hold_w, b"x")
            waiter.join(30)
            if says is None:
                assert read_exactly(caller, 4) == exits.to_bytes(4, "big")
        finally:
            for fd in (answer_r, hold_r, hold_w):
                os.close(fd)
            ours.close()
            caller.close()


def test_a_check_of_an_unchanged_tree_the_server_runs_is_replayed(served_site: Path) -> None:
    """The report is recorded after the caller has its answer; the server's next check
    of the same tree replays it, and a check after an edit does not."""
    page = "p1.md"
    _cli(served_site, "check", page)  # makes the cache folder: a change of the tree
    first = _cli(served_site, "check", page, FINOPS_LINT_TIMING="1")
    again = _cli(served_site, "check", page, FINOPS_LINT_TIMING="1")
    assert "replayed the last report" in again.stderr, again.stderr
    assert _report(again) == _report(first)
    path = served_site / page
    path.write_text(path.read_text("utf-8") + "\nMore.\n", "utf-8")
    cache = served_site / ".finops-lint-cache"
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("check-v*.json")}
    edited = _cli(served_site, "check", page, FINOPS_LINT_TIMING="1")
    assert "replayed" not in edited.stderr
    # the result cache is written too, after the answer (`RunResult.finish`): the
    # server answers `status` once that check is over
    _cli(served_site, "server", "status")
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("check-v*.json")}
    assert after != before
    assert _report(edited) == _report(_cli(served_site, "check", "--no-cache", page))


def test_the_server_s_front_matter_is_given_as_a_copy_equal_to_a_deep_copy() -> None:
    """What a check gets of the server's parsed front matter (`_copied`): equal to a
    deep copy, sharing nothing that can change; a YAML alias that makes a cycle, or a
    type it does not know, is left to `copy.deepcopy`."""
    import copy
    import datetime

    import yaml

    from finops_lint.server.prepared import _copied

    text = (
        "title: T\nn: 3\nf: 1.5\nok: true\nnone: null\nwhen: 2024-01-02\n"
        "at: 2024-01-02 03:04:05\nlist: [a, {b: [c, d]}]\nnested: {x: {y: [1, 2]}}\n"
        "shared: &s [1, 2]\nagain: *s\nset: !!set {a, b}\n"
    )
    data = yaml.safe_load(text)
    got = _copied(data)
    assert got == copy.deepcopy(data)
    assert isinstance(got["when"], datetime.date)
    for key in ("list", "nested", "shared", "set"):
        assert got[key] is not data[key]
    got["list"][1]["b"].append("e")
    assert data["list"][1]["b"] == ["c", "d"]
    cycle = yaml.safe_load("a: &a [1, *a]\n")
    again = _copied(cycle)
    assert again["a"][1] is again["a"]  # deepcopy's copy, cycle kept
    assert again["a"] is not cycle["a"]


def test_the_kept_templates_model_is_built_afresh_when_a_layout_reads_differently(
    tmp_path: Path,
) -> None:
    """`TemplateLinks.refreshed`: a layout among the changed files, or given as the text
    the check read (a staged version), that parses differently from what the server
    read means the model is built afresh; the same text keeps it."""
    from finops_lint.site import Site
    from finops_lint.site.templates import TemplateLinks

    root = tmp_path / "site"
    root.mkdir()
    _make_site(root)
    layout = "_layouts/page.html"
    text = (root / layout).read_text("utf-8")

    def model() -> TemplateLinks:
        site = Site.build(root)
        links = TemplateLinks(root, site, lambda rel: {}, {})
        links.warm()
        return links

    assert model().refreshed({layout}, {}, lambda rel: {}, None) is not None
    staged = text.replace("/img/{{ page.icon }}.png", "/pics/{{ page.icon }}.png")
    assert model().refreshed(set(), {layout: staged}, lambda rel: {}, None) is None
    assert model().refreshed(set(), {layout: text}, lambda rel: {}, None) is not None
    (root / layout).write_text(staged, "utf-8")
    kept = model()
    (root / layout).write_text(text, "utf-8")
    assert kept.refreshed({layout}, {}, lambda rel: {}, None) is None
