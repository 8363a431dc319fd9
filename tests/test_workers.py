"""Forked workers: each batch's findings come back as it is checked, and the outcome is
the one a single process gives, in the same order."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from finops_lint import workers
from finops_lint.engine import RunOptions, run

from .conftest import Site, page
from .corpus import framework_site


def _grow(site: Site, pages: int) -> None:
    for n in range(pages):
        body = f"# Page {n}\n\nSee [the next page](/p{n + 1}/) and [a gap](/missing-{n % 3}/).\n"
        if n % 4 == 0:
            body += "\n| a | b |\n| --- | --- |\n| x |\n"
        if n % 5 == 0:
            body += "\nTODO: write this section.\n"
        site.write(f"p{n}.md", page(body, f"---\ntitle: Page {n}\npermalink: /p{n}/\n---\n"))


def _outcome(site: Site, monkeypatch: pytest.MonkeyPatch, jobs: int) -> list[tuple]:
    monkeypatch.setenv("FINOPS_LINT_JOBS", str(jobs))
    result = run(RunOptions(paths=[site.root], cache=False))
    return [
        (f.path, f.line, f.column, f.code, f.message, [r.path for r in f.related])
        for f in result.findings
    ] + [("checked", *sorted(result.checked))]


@pytest.mark.parametrize("shares", ["tickets", "fixed"])
def test_workers_stream_every_batch_and_match_one_process(
    site: Site, monkeypatch: pytest.MonkeyPatch, shares: str
) -> None:
    _grow(site, 40)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 2)
    alone = _outcome(site, monkeypatch, 1)
    monkeypatch.setattr(workers, "BATCH", 3)  # many frames per worker
    if shares == "fixed":  # a pipe too small for the tickets
        monkeypatch.setattr(workers, "_ticket_pipe", lambda count: None)
    forked = _outcome(site, monkeypatch, 3)
    assert forked == alone
    codes = {row[3] for row in alone[:-1]}
    assert {"LK001", "PH003", "TB001"} <= codes, codes


def test_a_failed_worker_fails_the_run(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _grow(site, 12)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setenv("FINOPS_LINT_JOBS", "2")

    real = workers._load_batch

    def broken(files, *args):  # type: ignore[no-untyped-def]
        if any(t.rel == "p3.md" for t in files):
            raise MemoryError("no room")
        return real(files, *args)

    monkeypatch.setattr(workers, "_load_batch", broken)
    with pytest.raises(RuntimeError, match="a worker process failed: MemoryError: no room"):
        run(RunOptions(paths=[site.root], cache=False))


def test_frames_split_anywhere_are_read_whole() -> None:
    import pickle

    frames = [("part", workers.Outcome(checked=[f"p{n}.md"])) for n in range(5)]
    frames.append(("done", None))
    data = b""
    for frame in frames:
        raw = pickle.dumps(frame)
        data += len(raw).to_bytes(8, "big") + raw
    for step in (1, 7, 64, len(data)):
        child = workers._Child(0, None)  # type: ignore[arg-type]
        got = []
        for start in range(0, len(data), step):
            child.buffer += data[start : start + step]
            got.extend(child.frames())
        assert [k for k, _v in got] == ["part"] * 5 + ["done"]
        assert [v.checked for k, v in got if k == "part"] == [[f"p{n}.md"] for n in range(5)]
        assert not child.buffer


def test_the_parent_checks_no_share(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page is checked in a child: the parent only merges (its memory holds the
    Site and the results, not a share's parse leftovers)."""
    _grow(site, 10)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setenv("FINOPS_LINT_JOBS", "2")
    in_parent: list[str] = []
    real = workers.check_documents

    def noting(docs, *args, **kwargs):  # type: ignore[no-untyped-def]
        in_parent.extend(d.rel_path for d in docs)  # a child's list is its own copy
        return real(docs, *args, **kwargs)

    monkeypatch.setattr(workers, "check_documents", noting)
    result = run(RunOptions(paths=[site.root], cache=False))
    assert len(result.checked) >= 10
    assert in_parent == []


def test_one_process_below_the_threshold(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _grow(site, 3)
    monkeypatch.delenv("FINOPS_LINT_JOBS", raising=False)

    def no_fork() -> int:  # a fake that returned 0 would turn this test into a "child"
        raise AssertionError("forked below the threshold")

    monkeypatch.setattr(workers.os, "fork", no_fork)
    result = run(RunOptions(paths=[site.root], cache=False))
    assert len(result.checked) >= 3


def test_checking_collects_the_cycles_pages_leave_and_restores_the_collector(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check command turns the collector off; checking pages turns the young
    generation back on (what a page leaves in cycles is freed as the run goes) and
    leaves the collector as it found it."""
    import gc
    import weakref

    _grow(site, 30)
    monkeypatch.setenv("FINOPS_LINT_JOBS", "1")
    left: list[weakref.ref] = []
    real = workers.check_documents

    class Cycle:
        pass

    def leaving_cycles(docs, *args, **kwargs):  # type: ignore[no-untyped-def]
        for _doc in docs:
            node = Cycle()
            node.me = node  # type: ignore[attr-defined]
            # what a real page allocates while it is checked (the young generation
            # fills about 1,000 times for each collection of the older one)
            node.held = [[n] for n in range(60_000)]  # type: ignore[attr-defined]
            left.append(weakref.ref(node))
        return real(docs, *args, **kwargs)

    monkeypatch.setattr(workers, "check_documents", leaving_cycles)
    monkeypatch.setattr(workers, "BATCH", 1)
    threshold = gc.get_threshold()
    gc.disable()
    try:
        run(RunOptions(paths=[site.root], cache=False))
        assert not gc.isenabled()
        assert gc.get_threshold() == threshold
        assert gc.get_freeze_count() == 0
        alive = sum(ref() is not None for ref in left)  # before the collector is back on
    finally:
        gc.enable()
    assert len(left) >= 30
    assert alive <= len(left) // 2, f"{alive} of {len(left)} cycles left"


def test_the_parent_keeps_one_object_per_distinct_question() -> None:
    seen: dict = {}
    first = workers.Outcome(asked={"a.md": ["d1", [("resolve", "/x/", "a.md", True)]]})
    second = workers.Outcome(
        asked={"b.md": ["d2", [("resolve", "/x/", "a.md", True), ("url", "b.md")]], "c.md": None}
    )
    workers._share_questions(first, seen)
    workers._share_questions(second, seen)
    a, b = first.asked["a.md"], second.asked["b.md"]
    assert a is not None and b is not None
    assert a[1][0] is b[1][0]
    assert b == ["d2", [("resolve", "/x/", "a.md", True), ("url", "b.md")]]
    assert second.asked["c.md"] is None


def test_batches_hold_every_file_once_the_biggest_first(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches go to whichever worker asks next: the biggest files come first, in
    batches small enough (by bytes) to spread over the workers."""
    from finops_lint.discover import Target

    sizes = [9000, 8000, 50, 40, 30, 20, 10, 5, 5, 5, 5, 5]
    files = []
    for n, size in enumerate(sizes):
        path = site.root / f"f{n}.md"
        path.write_text("x" * size)
        files.append(Target(path, f"f{n}.md"))
    monkeypatch.setattr(workers, "BATCH", 4)
    batches = workers._batches(files, 2)
    flat = [t.rel for batch in batches for t in batch]
    assert sorted(flat) == sorted(t.rel for t in files)
    assert flat[:2] == ["f0.md", "f1.md"]
    assert [len(b) for b in batches][:2] == [1, 1]  # each big file alone
    assert all(len(b) <= 4 for b in batches)
    # sizes from the result cache's walk of the tree, where it has them: the same order
    tree = {t.rel: (size, 0, 0) for t, size in zip(files, sizes, strict=True)}
    for t in files:
        t.path.write_text("x")
    assert workers._batches(files, 2, tree) == batches
    assert workers._batches(files, 2, {}) != batches  # not in the tree: the stat's size


def test_workers_take_each_ticket_once() -> None:
    """Two processes reading the ticket pipe at once take every batch number once."""
    import os

    count = 3000
    tickets = workers._ticket_pipe(count)
    assert tickets is not None
    got: list[int] = []
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the other reader: its numbers go back through a pipe
        try:
            os.close(reader)
            mine = []
            while (n := workers._next_ticket(tickets)) is not None:
                mine.append(n)
            os.write(writer, b"".join(n.to_bytes(4, "big") for n in mine))
        finally:
            os._exit(0)
    os.close(writer)
    while (n := workers._next_ticket(tickets)) is not None:
        got.append(n)
    data = b""
    while chunk := os.read(reader, 65536):
        data += chunk
    os.close(reader)
    os.close(tickets)
    os.waitpid(pid, 0)
    theirs = [int.from_bytes(data[i : i + 4], "big") for i in range(0, len(data), 4)]
    assert sorted(got + theirs) == list(range(count))


def test_too_many_tickets_for_a_pipe_means_fixed_shares() -> None:
    assert workers._ticket_pipe(1_000_000) is None


def test_values_that_come_late_reach_every_worker_and_the_first_parses_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper's values reach each forked worker through its pipe: with a helper
    slowed down, the first worker parses batches ahead (at most `memo.ahead` files)
    while the other waits, and the findings are those of one process."""
    site = tmp_path / "fw"
    shutil.copytree(framework_site(), site, ignore=shutil.ignore_patterns("_site", ".git"))
    monkeypatch.chdir(site)
    monkeypatch.setattr(workers, "_cpus", lambda: 2)

    def findings(jobs: str) -> list[tuple[str, int, int, str, str]]:
        monkeypatch.setenv("FINOPS_LINT_JOBS", jobs)
        result = run(RunOptions(paths=[site], cache_dir=tmp_path / f"cache-{jobs}"))
        return [(f.path, f.line, f.column, f.code, f.message) for f in result.findings]

    alone = findings("1")
    log = tmp_path / "log"

    def note(line: str) -> None:
        with open(log, "a") as out:  # (one write of a short line: not interleaved)
            out.write(f"{os.getpid()} {line}\n")

    def slow(fresh: Any, site_: Any, ws: Any) -> None:
        time.sleep(1.0)

    real_load, real_memo = workers._load_batch, workers._MemoPipe.memo

    def load(files: list[Any], *args: Any) -> Any:
        note(f"load {len(files)}")
        return real_load(files, *args)

    def memo(self: workers._MemoPipe) -> dict[Any, Any]:
        values = real_memo(self)
        note(f"memo {self.index} {len(values)}")
        return values

    monkeypatch.setattr(workers, "SITE_MEMOS", [*workers.SITE_MEMOS, ("PH004", slow)])
    monkeypatch.setattr(workers, "_load_batch", load)
    monkeypatch.setattr(workers._MemoPipe, "memo", memo)
    monkeypatch.setattr(workers, "PARSE_AHEAD", 20)
    monkeypatch.setattr(workers, "BATCH", 4)
    assert findings("2") == alone
    by_process: dict[str, list[str]] = {}
    for row in log.read_text().splitlines():
        pid, line = row.split(" ", 1)
        by_process.setdefault(pid, []).append(line)
    firsts = {lines[0] for lines in by_process.values()}
    assert len(by_process) == 2, by_process
    ahead = next(lines for lines in by_process.values() if lines[0].startswith("load"))
    other = next(lines for lines in by_process.values() if lines[0].startswith("memo"))
    assert other[0].startswith("memo 1 ") and int(other[0].split()[2]) > 0, firsts
    waited = ahead.index(next(line for line in ahead if line.startswith("memo 0 ")))
    assert 20 <= sum(int(line.split()[1]) for line in ahead[:waited]) <= 23, ahead[: waited + 1]


def test_a_finding_crosses_to_the_parent_whole() -> None:
    """Findings are pickled by their fields (`Finding.__reduce__`): every field, one
    added later included, comes back as it was sent."""
    import dataclasses
    import pickle

    from finops_lint.findings import Finding, Fix, Related, Severity

    values: dict[str, Any] = {
        "related": [Related("a.md", 2, 3, "here")],
        "fix": Fix("do", 1, 2, 1, 3, "x"),
        "severity": Severity.WARNING,
    }
    for number, field in enumerate(dataclasses.fields(Finding)):
        values.setdefault(field.name, f"v{number}" if field.type == "str" else number + 7)
    finding = Finding(**values)
    back = pickle.loads(pickle.dumps(finding, pickle.HIGHEST_PROTOCOL))
    assert [getattr(back, f.name) for f in dataclasses.fields(Finding)] == [
        getattr(finding, f.name) for f in dataclasses.fields(Finding)
    ]
    related = Related("b.md", 4, 5, "there")
    assert pickle.loads(pickle.dumps(related)) == related


@pytest.mark.skipif(not workers._may_fork(), reason="no fork here")
def test_work_beside_this_process_gives_its_result_and_notices_here(tmp_path: Path) -> None:
    """`workers.beside`: the work runs in another process (what it writes there is not
    this process's), its notices reach this one, and a failure is a False."""
    heard: list[str] = []
    mark = tmp_path / "pid"

    def work(notice: Any) -> bool:
        mark.write_text(str(os.getpid()), "utf-8")
        notice("from the other side")
        return True

    join = workers.beside(work, heard.append)
    assert join is not None and join() is True
    assert heard == ["from the other side"]
    assert mark.read_text("utf-8") != str(os.getpid())

    def fails(notice: Any) -> bool:
        raise OSError("disk full")

    join = workers.beside(fails, heard.append)
    assert join is not None and join() is False
    join = workers.beside(lambda notice: False, heard.append)
    assert join is not None and join() is False
    assert heard == ["from the other side"]
