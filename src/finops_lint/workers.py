"""Checking parsed pages: the rules over each page, in this process or in forked workers."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from finops_lint import startup_cache
from finops_lint.cache.deps import (
    Asked,
    Oracle,
    Record,
    Recorder,
    RecordingSite,
    RecordingWorkspace,
)
from finops_lint.discover import UNREADABLE, Target
from finops_lint.document import Document
from finops_lint.findings import INTERNAL_ERROR, Finding
from finops_lint.rules.base import (
    REGISTRY,
    SITE_MEMOS,
    Rule,
    RuleContext,
    all_rules,
    needs_bits,
    page_parts,
    source_facts_reader,
)
from finops_lint.site.build import reads_ahead
from finops_lint.site.prefetch import Split
from finops_lint.suppress import parse_suppressions
from finops_lint.workspace import Workspace, load_documents

if TYPE_CHECKING:
    from finops_lint.cache.tree import Sig
    from finops_lint.engine import RunOptions


#: Below this many files, one process is faster than starting workers.
PARALLEL_MIN_FILES = 48

# State handed to forked workers (set in the parent just before the fork).
_WORKER_STATE: tuple[Workspace, list[Rule], RunOptions, Job] | None = None


@dataclass
class Job:
    """What the result cache asks of a check (nothing, without it)."""

    #: rel -> the only rules to run on that page (the others' findings are reused)
    only: dict[str, list[str]] = field(default_factory=dict)
    #: note which rules read beyond each page, and hash what is read
    trace: bool = False
    #: what the rules' run memo starts with in each process (`MemoHelper`)
    memo: dict[Any, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What checking some pages gave: findings, the pages checked, what the cache needs."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    internal: int = 0
    #: rel -> the rules that read the Site or the Workspace for that page (traced runs)
    beyond: dict[str, list[str]] = field(default_factory=dict)
    #: pages on which a rule failed (never cached)
    failed: set[str] = field(default_factory=set)
    #: rel -> hash of the bytes parsed (traced runs)
    hashes: dict[str, str] = field(default_factory=dict)
    #: rel -> what its rules asked beyond it (traced runs; None: a read no question covers)
    asked: dict[str, Record | None] = field(default_factory=dict)

    def add(self, other: Outcome) -> None:
        self.findings.extend(other.findings)
        self.checked.extend(other.checked)
        self.internal += other.internal
        self.beyond.update(other.beyond)
        self.failed |= other.failed
        self.hashes.update(other.hashes)
        self.asked.update(other.asked)


class TracedContext(RuleContext):
    """A RuleContext that notes whether the rule looked beyond its page (the Site,
    other pages, templates through the Workspace) and what it asked there
    (`cache.deps`): the cache then reuses that rule's findings on the page while
    every answer is the same, or, for a read no question covers, while the whole
    site is unchanged.

    Its `site` and `workspace` are recording views of the real ones, made once: the
    traced contexts of a process share one `Recorder` (in the run memo), which
    `start_page` gives a fresh page's questions. A rule looked beyond the page when
    it read anything through them (`Recorder.reads` moved while it ran), or used a
    memo whose computation did. (Views made for each page, behind properties that
    noted every `ctx.site`, made tracing cost 125-140 us a page at 2,000 pages, a
    quarter of the rules' time; now 100-110.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorder = recorder = shared_recorder(self.run_values, self.workspace)
        if self.site is not None:
            self.site = RecordingSite(self.site, recorder)  # type: ignore[assignment]
        if self.workspace is not None:
            self.workspace = RecordingWorkspace(self.workspace, recorder)  # type: ignore[assignment]

    def memo(self, key: Any, compute: Any) -> Any:
        """The page memo: a value whose computation read beyond the page is such a read
        for every rule that uses it."""
        page_values, recorder = self.page_values, self.recorder
        if key in page_values:
            if (_READ_BEYOND, key) in page_values:
                recorder.reads += 1
            return page_values[key]
        before = recorder.reads
        value = page_values[key] = compute()
        if recorder.reads != before:
            page_values[(_READ_BEYOND, key)] = True
        return value

    def run_memo(self, key: Any, compute: Any) -> Any:
        """What another page computed: its questions count as this page's too."""
        recorder = self.recorder
        recorder.reads += 1
        if key in self.run_values:
            recorder.frames[-1].merge(self.run_values.get((_ASKED_BY, key)))
            return self.run_values[key]
        inner = Asked()
        recorder.frames.append(inner)
        try:
            value = self.run_values[key] = compute()
        finally:
            recorder.frames.pop()
        self.run_values[(_ASKED_BY, key)] = inner
        recorder.frames[-1].merge(inner)
        return value


#: Private keys of the engine's memos (no rule's key is a bare object).
_RECORDER, _ASKED_BY, _READ_BEYOND = object(), object(), object()


def shared_recorder(run_values: dict[Any, Any], ws: Workspace | None) -> Recorder:
    """The `Recorder` of a process's traced contexts, kept in their run memo."""
    recorder: Recorder | None = run_values.get(_RECORDER)
    if recorder is None:
        # (a context without a Workspace has no Site either: it asks nothing)
        recorder = run_values[_RECORDER] = Recorder(Oracle(ws), [Asked()])  # type: ignore[arg-type]
    return recorder


def page_questions(recorder: Recorder) -> Record | None:
    """What a traced page's rules asked beyond it, in the cache's form ([] nothing)."""
    asked: Asked = recorder.frames[0]
    return asked.record()


_PHASE_START: list[float] = []


def phase(name: str) -> None:
    """With FINOPS_LINT_TIMING=1, print how long each phase of the run took."""
    if not os.environ.get("FINOPS_LINT_TIMING"):
        return
    import time

    now = time.perf_counter()
    if _PHASE_START:
        print(f"finops-lint timing: {name} {now - _PHASE_START[0]:.3f}s", file=sys.stderr)
    _PHASE_START[:] = [now]


def internal_rule() -> Rule:
    all_rules()
    return REGISTRY[INTERNAL_ERROR]


def worker_count(files: int, options: RunOptions) -> int:
    if files < PARALLEL_MIN_FILES or os.environ.get("FINOPS_LINT_JOBS") == "1":
        return 1
    if not hasattr(os, "fork"):
        return 1
    wanted = os.environ.get("FINOPS_LINT_JOBS")
    count = int(wanted) if wanted and wanted.isdigit() else _cpus()
    return max(1, min(count, 8, files // (PARALLEL_MIN_FILES // 2)))


def check_in_workers(
    files: list[Target],
    ws: Workspace,
    rules: list[Rule],
    options: RunOptions,
    workers: int,
    job: Job | None = None,
    helper: MemoHelper | None = None,
) -> Outcome:
    """Parse and check files in forked children that share the parent's Site
    (`helper`: the site memo helper, if one was started before the Site was built).

    Each child sends the findings of every batch back as soon as it is checked
    (pickled, length-prefixed, through a pipe) and keeps nothing of it: what a child
    holds is the Site it was forked with and the rules' run memo, not a share of the
    run's results. The parent only reads and merges (in the children's order, so the
    outcome is that of one process): a share checked in the parent would grow it by
    every page of that share, and the parent already holds the Site.
    """
    import selectors

    global _WORKER_STATE
    job = job or Job()
    # Everything the workers read from the Site is computed once, before the fork; the
    # helper's values (`pending`) reach them through a pipe each, when it is done.
    pending = _prepare(ws, rules, job, len(files), helper)
    _WORKER_STATE = (ws, rules, options, job)
    # Batches, the biggest files first; each worker takes the next batch when it is
    # done with one, so a worker slowed by its pages (or by the machine) takes fewer.
    batches = _batches(files, workers, ws.tree)
    tickets = _ticket_pipe(len(batches))
    children: dict[int, _Child] = {}
    memo_pipes = [os.pipe() for _ in range(workers)] if pending is not None else []
    unclosed = {fd for pipe in memo_pipes for fd in pipe}  # this process's ends, still open
    sel = selectors.DefaultSelector()
    try:
        for index in range(workers):
            if tickets is not None:
                next_batch: Callable[[], int | None] = partial(_next_ticket, tickets)
            else:  # fixed shares, interleaved by size
                next_batch = partial(next, iter(range(index, len(batches), workers)), None)
            memo = _MemoPipe(memo_pipes, index) if memo_pipes else None
            work = _share(batches, next_batch, memo)
            child = children[index] = _fork_child(work, list(children.values()))
            sel.register(child.stream, selectors.EVENT_READ, index)
        if tickets is not None:
            os.close(tickets)
            tickets = None
        for read_end, _write_end in memo_pipes:
            unclosed.discard(read_end)
            os.close(read_end)
        if pending is not None:
            _send_memo(pending, [write_end for _read_end, write_end in memo_pipes], unclosed)
        parts: dict[int, Outcome] = {}
        questions: dict[Any, Any] = {}
        running = len(children)
        while running:
            for key, _events in sel.select():
                index = key.data
                child = children[index]
                data = child.stream.read(1 << 20)
                if data:
                    child.buffer += data
                    for kind, value in child.frames():
                        if kind == "part":
                            number, part = value
                            _share_questions(part, questions)
                            parts[number] = part
                        elif kind == "done":
                            child.done = True
                        else:
                            raise RuntimeError(f"a worker process failed: {value}")
                    continue
                sel.unregister(child.stream)
                child.stream.close()
                os.waitpid(child.pid, 0)
                child.pid = 0
                running -= 1
                if not child.done:
                    raise RuntimeError("a worker process ended without a result")
    finally:
        _WORKER_STATE = None
        if tickets is not None:
            os.close(tickets)
        for fd in unclosed:  # only after an error or an interrupt
            with contextlib.suppress(OSError):
                os.close(fd)
        if pending is not None:
            pending.stop()
        sel.close()
        for child in children.values():
            if child.pid:  # only after an error or an interrupt
                with contextlib.suppress(OSError):
                    os.kill(child.pid, signal.SIGTERM)  # stop it; do not wait for its share
                with contextlib.suppress(OSError):
                    child.stream.close()
                with contextlib.suppress(OSError):
                    os.waitpid(child.pid, 0)  # no zombies
    if len(parts) != len(batches):
        raise RuntimeError("a batch of pages was not checked")
    outcome = Outcome()
    for number in sorted(parts):  # the batches' order: whichever worker took each
        outcome.add(parts[number])
    outcome.checked.sort()
    return outcome


#: At most this many batches (tickets of 4 bytes): a pipe holds 16 KB on every system.
MAX_TICKETS = 4096


def _batches(
    files: list[Target], workers: int, tree: Mapping[str, Sig] | None = None
) -> list[list[Target]]:
    """The files in batches for the workers to take in turn, the biggest first: at
    most BATCH files, and (but for one file alone) at most a sixteenth of a worker's
    share of the bytes, so the biggest pages spread over the workers. (Batches of
    eight files took a CPU second more at 10,000 pages than of 32: each batch's
    outcome is pickled with the questions its pages asked.) A file's size is its
    stat's in `tree` (the result cache's walk) when it is there: 10,000 stat calls
    took 50 ms before the workers started."""
    sized = sorted(((_size(f, tree), f) for f in files), key=lambda pair: pair[0], reverse=True)
    budget = max(1, sum(size for size, _f in sized) // (workers * 16))
    count = max(BATCH, -(-len(sized) // MAX_TICKETS))
    batches: list[list[Target]] = []
    current: list[Target] = []
    held = 0
    for size, target in sized:
        if current and (len(current) >= count or held + size > budget):
            batches.append(current)
            current, held = [], 0
        current.append(target)
        held += size
    if current:
        batches.append(current)
    return batches


def _ticket_pipe(count: int) -> int | None:
    """The read end of a pipe holding the batch numbers 0..count-1 (4 bytes each),
    its write end closed: workers read the next number as they need one. None where
    the pipe cannot hold them all at once (the workers then get fixed shares)."""
    read_end, write_end = os.pipe()
    try:
        os.set_blocking(write_end, False)
        data = b"".join(n.to_bytes(4, "big") for n in range(count))
        if os.write(write_end, data) != len(data):
            os.close(read_end)
            return None
    except OSError:
        os.close(read_end)
        return None
    finally:
        os.close(write_end)
    return read_end


def _next_ticket(tickets: int) -> int | None:
    """The next batch number from the pipe, None when none is left. A read of 4 bytes
    from a pipe of whole 4-byte numbers takes one number: readers never split one."""
    data = os.read(tickets, 4)
    return int.from_bytes(data, "big") if len(data) == 4 else None


def _share(
    batches: list[list[Target]],
    next_batch: Callable[[], int | None],
    memo: _MemoPipe | None = None,
) -> Callable[[Callable[[str, Any], None]], None]:
    """A worker's work: check the batches `next_batch` numbers until it gives None,
    sending each batch's outcome, with its number, as it is done (`memo`: the pipe its
    run memo comes through)."""

    def work(send: Callable[[str, Any], None]) -> None:
        _worker(batches, next_batch, lambda number, part: send("part", (number, part)), memo)

    return work


class _MemoPipe:
    """The read end of the pipe through which a worker gets the helper's values, the
    parent's write ends of every worker's pipe closed in the worker (so that it sees
    the end of its own when the parent closes it)."""

    def __init__(self, pipes: list[tuple[int, int]], index: int) -> None:
        self.pipes = pipes
        self.index = index
        self.fd = -1
        self.buffer = bytearray()
        #: the files this worker may parse before the values come: one worker parses
        #: ahead, the others wait (the helper, still computing, keeps its CPU)
        self.ahead = PARSE_AHEAD if index == 0 else 0

    def open(self) -> None:
        """In the worker: keep its read end (not blocking), close the other ends."""
        for number, (read_end, write_end) in enumerate(self.pipes):
            os.close(write_end)
            if number != self.index:
                os.close(read_end)
        self.fd = self.pipes[self.index][0]
        os.set_blocking(self.fd, False)

    def arrived(self, wait: bool = False) -> bool:
        """Whether everything was sent (the parent closed its end); with `wait`, waits."""
        if self.fd < 0:
            return True
        if wait:
            os.set_blocking(self.fd, True)
        while True:
            try:
                data = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                return False
            if not data:
                os.close(self.fd)
                self.fd = -1
                return True
            self.buffer += data

    def memo(self) -> dict[Any, Any]:
        """The run memo that was sent (`arrived` first)."""
        return _memo_of(_frames(self.buffer))


def _send_memo(helper: MemoHelper, write_ends: list[int], unclosed: set[int]) -> None:
    """Wait for the helper, and send what it sent to each worker (its frames as they
    came: the parent does not unpickle them); close each pipe once it is sent, and
    take it out of `unclosed`. A worker that ended before it read its values is left
    for its own pipe to report."""
    data = memoryview(helper.sent())
    phase(f"site memo ({len(data)} bytes)")
    for fd in write_ends:
        done = 0
        with contextlib.suppress(BrokenPipeError):
            while done < len(data):  # (a worker reads its pipe between its batches)
                done += os.write(fd, data[done:])
        unclosed.discard(fd)
        os.close(fd)


def prepare(
    ws: Workspace, rules: list[Rule], job: Job, checked: int, helper: MemoHelper | None = None
) -> None:
    """What every page's rules would compute for themselves, computed once before the
    pages are checked (`Workspace.prepare_for_workers`); on a whole-site run the
    rules' `@site_memo` values too, in a helper process meanwhile (`MemoHelper`, or
    `helper`, started before the Site was built): the run memo of each process
    checking pages starts with them."""
    pending = _prepare(ws, rules, job, checked, helper)
    if pending is None:
        return
    try:
        job.memo = pending.collect()
        phase(f"site memo ({len(job.memo)} values)")
    finally:
        pending.stop()


def _prepare(
    ws: Workspace, rules: list[Rule], job: Job, checked: int, helper: MemoHelper | None
) -> MemoHelper | None:
    """`prepare` but for the helper's values: the helper, still computing them (None:
    none was wanted)."""
    if helper is not None and not helper.wanted(ws, checked):
        helper.stop()  # started before the Site: the run is not a whole-site run after all
        helper = None
    if helper is None:
        helper = MemoHelper.start(ws, rules, job, checked)
    try:
        ws.prepare_for_workers(rules)
    except BaseException:
        if helper is not None:
            helper.stop()
        raise
    phase("prepare")
    return helper


class MemoHelper:
    """The rules' `@site_memo` values, computed in a forked process while the parent
    prepares a whole-site run (LK014's template breaks: seconds at 10,000 pages, on
    one CPU, the other idle). Each worker would otherwise compute each value it needs
    again: PH004's sentences of a page type parse every page of the type whose body
    may hold one.

    The rules wait for the helper's values: recipes compute only what pages will ask
    for, so the wait is at most what each worker saves. On the one-process path the
    parent waits once its own preparation is done (`prepare`); with workers, they are
    forked then, and the first parses its pages while the values come
    (`check_in_workers`, `_MemoPipe`). The values are those a worker computes, with
    the questions their computations asked (traced runs): a run memo's value is the
    same whichever page asks first, and a value the helper did not compute is
    computed by the workers as before."""

    def __init__(self, child: _Child, exchange: HalfExchange | None = None) -> None:
        self.child = child
        #: this process's side of the Site's reading shared with the helper
        self.exchange = exchange

    @classmethod
    def start(cls, ws: Workspace, rules: list[Rule], job: Job, checked: int) -> MemoHelper | None:
        """A helper computing the values of the enabled rules, or None: not a
        whole-site run (the values cost about as much as the site is large, and a
        run of few pages may need none), a result cache that reruns only some rules,
        no Site, one CPU, no fork, or `FINOPS_LINT_JOBS=1` (one process)."""
        if not cls.wanted(ws, checked):
            return None
        return cls._fork(ws, rules, job)

    @staticmethod
    def wanted(ws: Workspace, checked: int) -> bool:
        """Whether a run that checks `checked` files of the Site gets a helper: most of
        its pages (`memo_helper_may_run`)."""
        site = ws.jekyll_site
        return site is not None and memo_helper_may_run(checked, site.pages)

    @classmethod
    def start_before_site(
        cls, ws: Workspace, rules: list[Rule], job: Job, checked: int, files: Sized
    ) -> MemoHelper | None:
        """`start`, before this process builds the Site, on a run of too few files for
        the Site to read them ahead in a process of their own
        (`site.build.reads_ahead`): the helper builds its own Site meanwhile (the
        same files give the same one), the two each reading half of the files and
        handing the other what they read (`HalfExchange`), and has its values ready
        sooner. At 274 pages the parent waited 1-54 ms for the helper after its own
        preparation. Its files stand for the Site's pages here: `prepare` stops the
        helper when the Site shows the run checks fewer than half of them (`wanted`),
        as `start` would not have started it. (No Site: the helper sends no value.)"""
        if reads_ahead(len(files)) or not memo_helper_may_run(checked, files):
            return None
        from finops_lint.parsing.markdown import warm_up

        # The helper parses pages: the parser, which this process builds anyway before
        # its workers fork, is built before this fork (at 274 pages the helper built
        # it for itself, 23 ms, and the parent waited for it about as long).
        warm_up()
        return cls._fork(ws, rules, job, own_site=True)

    @classmethod
    def _fork(
        cls, ws: Workspace, rules: list[Rule], job: Job, own_site: bool = False
    ) -> MemoHelper | None:
        codes = {r.code for r in rules}
        recipes = [func for code, func in sorted(SITE_MEMOS, key=_code) if code in codes]
        if not recipes or job.only:
            return None
        context = TracedContext if job.trace else RuleContext
        config = ws.config

        # With its own Site, the helper and this process each read half of the files
        # the Site reads and hand each other what they read (`HalfExchange`).
        pipes = _exchange_pipes() if own_site else None

        def work(send: Callable[[str, Any], None]) -> None:
            exchange = None
            if own_site:  # no fork of the fork, keeping what the recipes read
                ws.split_reads = _in_this_process
                if pipes is not None:
                    ws.split_reads = exchange = HalfExchange.of_helper(pipes, _in_this_process)
                ws.source_facts_of = source_facts_reader(config, codes)
            site = ws.jekyll_site
            if exchange is not None:
                exchange.close()  # (a Site not built here: the parent reads it all)
            if site is None:
                return
            run_values: dict[Any, Any] = {}

            def fresh() -> RuleContext:
                return context(config, None, site, {}, ws, {}, run_values)

            for recipe in recipes:
                recipe(fresh, site, ws)
            send("memo", _memo_entries(run_values))

        try:
            child = _fork_child(work, [])
        except BaseException:
            _close_pipes(pipes)
            raise
        exchange = None
        if pipes is not None:
            exchange = HalfExchange.of_parent(pipes, ws.split_reads or _in_this_process)
            ws.split_reads = exchange
        return cls(child, exchange)

    def collect(self) -> dict[Any, Any]:
        """Wait for the helper: the run memo to start with (empty if it failed; the
        rules then compute the values themselves)."""
        return _memo_of(_wait_for(self.child))

    def sent(self) -> bytes:
        """Wait for the helper: the frames it sent, as they came (for `_memo_of` in the
        processes that take them)."""
        _wait_for(self.child, parse=False)
        return bytes(self.child.buffer)

    def site_built(self) -> None:
        """This process has its Site: its side of the exchange is closed, used or not
        (a Site it did not build, `finops-lint server`'s, leaves the helper to read
        all the files itself, not to wait for a half that never comes)."""
        if self.exchange is not None:
            self.exchange.close()

    def stop(self) -> None:
        """Stop the helper if it still runs (after an error or an interrupt); reap it."""
        self.site_built()
        _stop(self.child)


#: (helper -> parent read end, its write end, parent -> helper read end, its write end)
ExchangePipes = tuple[int, int, int, int]


def _exchange_pipes() -> ExchangePipes | None:
    """The two pipes of a `HalfExchange` (None: the system gave none)."""
    try:
        up = os.pipe()
    except OSError:
        return None
    try:
        down = os.pipe()
    except OSError:
        _close_pipes((*up, -1, -1))
        return None
    return (*up, *down)


def _close_pipes(pipes: ExchangePipes | None) -> None:
    for fd in pipes or ():
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


class HalfExchange:
    """The Site's reading ahead shared by this process and the memo helper that builds
    its own Site beside it (`MemoHelper.start_before_site`): each reads every other
    file (this process the first, the helper the second) and hands the other what it
    read, through a pipe each way, so neither reads them all (at 274 pages each read
    of half took 24 ms, and both read every file: 46 ms in this process). The same
    files and the same reader in both give the same Site as one reading of them all.

    Used once, by the Site's build; any later split is `then`'s. Whoever does not get
    the other's half (it failed, it sent something else) reads that half itself. This
    process takes the helper's half before it gives its own, and the helper gives
    first: neither waits for the other while holding what the other waits for."""

    def __init__(self, send_fd: int, recv_fd: int, first: bool, then: Split) -> None:
        self.send_fd, self.recv_fd = send_fd, recv_fd
        self.first = first
        self.then = then

    @classmethod
    def of_parent(cls, pipes: ExchangePipes, then: Split) -> HalfExchange:
        """This process's side (after the fork): it keeps the helper's write end closed."""
        up_read, up_write, down_read, down_write = pipes
        os.close(up_write)
        os.close(down_read)
        return cls(down_write, up_read, True, then)

    @classmethod
    def of_helper(cls, pipes: ExchangePipes, then: Split) -> HalfExchange:
        """The helper's side (in the helper)."""
        up_read, up_write, down_read, down_write = pipes
        os.close(up_read)
        os.close(down_write)
        return cls(up_write, down_read, False, then)

    def __call__(
        self, items: list[str], compute: Callable[[list[str]], dict[str, Any]]
    ) -> dict[str, Any]:
        if self.send_fd < 0:
            return self.then(items, compute)
        try:
            mine, theirs = (items[0::2], items[1::2]) if self.first else (items[1::2], items[0::2])
            own = compute(mine)
            if self.first:
                other = self._take()
                self._give(own)
            else:
                self._give(own)
                other = self._take()
        finally:
            self.close()
        if not isinstance(other, dict):  # the other side failed: its half read here
            other = compute(theirs)
        first_half, second_half = (own, other) if self.first else (other, own)
        out = dict(first_half)  # in the order one reading in two halves gives
        out.update(second_half)
        return out

    def _give(self, part: dict[str, Any]) -> None:
        import pickle

        data = memoryview(pickle.dumps(part, pickle.HIGHEST_PROTOCOL))
        with contextlib.suppress(OSError):  # (the other side ended: it reads its own)
            while data:
                data = data[os.write(self.send_fd, data) :]
        os.close(self.send_fd)
        self.send_fd = -1

    def _take(self) -> Any:
        """What the other side gave (None: nothing, or what does not unpickle)."""
        import pickle

        chunks: list[bytes] = []
        try:
            while chunk := os.read(self.recv_fd, 1 << 20):
                chunks.append(chunk)
        except OSError:
            return None
        try:
            return pickle.loads(b"".join(chunks)) if chunks else None
        except Exception:  # cut short: the other side failed while it wrote
            return None

    def close(self) -> None:
        """Close what is still open (used, or never used: a workspace without a Site)."""
        for name in ("send_fd", "recv_fd"):
            fd = getattr(self, name)
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, name, -1)


def _wait_for(child: _Child, parse: bool = True) -> list[tuple[str, Any]]:
    """Everything a child sends until it ends (it is then reaped), as frames (left in
    its buffer, not `parse`d)."""
    try:
        while data := child.stream.read(1 << 20):
            child.buffer += data
    finally:
        _stop(child)
    return list(child.frames()) if parse else []


def _memo_of(frames: Iterable[tuple[str, Any]]) -> dict[Any, Any]:
    """The run memo the helper's frames give (empty if it failed)."""
    memo: dict[Any, Any] = {}
    for kind, value in frames:
        if kind == LEARNT:  # the helper's, forwarded to a worker: it sends them on
            startup_cache.adopt(value)
        elif kind == "memo":
            for key, result, asked in value:
                memo[key] = result
                if asked is not None:
                    memo[(_ASKED_BY, key)] = asked
        elif kind == "error" and os.environ.get("FINOPS_LINT_TIMING"):
            print(f"finops-lint timing: the site memo helper failed: {value}", file=sys.stderr)
    return memo


def _stop(child: _Child) -> None:
    """Stop a child if it still runs (after an error or an interrupt); reap it."""
    with contextlib.suppress(OSError):
        child.stream.close()
    if child.pid:
        with contextlib.suppress(OSError):
            if os.waitpid(child.pid, os.WNOHANG) == (0, 0):
                os.kill(child.pid, signal.SIGTERM)
                os.waitpid(child.pid, 0)
        child.pid = 0


def _may_fork() -> bool:
    """Whether work may go to a forked process: fork exists, two CPUs or more, and not
    `FINOPS_LINT_JOBS=1` (one process)."""
    return hasattr(os, "fork") and _cpus() >= 2 and os.environ.get("FINOPS_LINT_JOBS") != "1"


def memo_helper_may_run(checked: int, site_files: Sized) -> bool:
    """Whether a run that checks `checked` of the site's files (pages) is one the
    `MemoHelper` computes the rules' recipes for: most of the site, in a fork."""
    return checked * 2 >= len(site_files) and _may_fork()


def split_in_two(
    items: list[str], compute: Callable[[list[str]], dict[str, Any]]
) -> dict[str, Any]:
    """`compute` over items, every other item computed in a forked process while this
    one computes the rest (the Site's reading ahead, `site.prefetch`: the other CPU is
    idle while the parent builds the Site). `compute` must be a function of the items
    alone. Without a fork, for too few items to be worth one (`reads_ahead`), or when
    the child fails, this process computes it all."""
    if not _may_fork() or not reads_ahead(len(items)):
        return compute(items)
    theirs = items[1::2]
    child = _fork_child(lambda send: send("part", compute(theirs)), [])
    try:
        out = compute(items[0::2])
    except BaseException:
        _stop(child)
        raise
    parts = [value for kind, value in _wait_for(child) if kind == "part"]
    out.update(parts[0] if parts else compute(theirs))
    return out


def beside(
    work: Callable[[Callable[[str], None]], bool], notice: Callable[[str], None]
) -> Callable[[], bool] | None:
    """`work(notice)` in a forked process while this one goes on (`cache.store.Beside`):
    the function returned waits for it and says whether `work` returned True, its
    notices given to `notice` here. None when no fork may be used."""
    if not _may_fork():
        return None
    child = _fork_child(lambda send: send("result", work(lambda text: send("notice", text))), [])

    def join() -> bool:
        done = False
        for kind, value in _wait_for(child):
            if kind == "notice":
                notice(value)
            elif kind == "result":
                done = value is True
        return done

    return join


def _in_this_process(
    items: list[str], compute: Callable[[list[str]], dict[str, Any]]
) -> dict[str, Any]:
    """`split_in_two` without the fork: in a process that is itself a fork."""
    return compute(items)


def _code(entry: tuple[str, Any]) -> str:
    return entry[0]


def _memo_entries(run_values: dict[Any, Any]) -> list[tuple[Any, Any, Asked | None]]:
    """A run memo as (key, value, the questions its computation asked), without the
    engine's private entries; only what pickles (each worker can compute the rest)."""
    import pickle

    out = []
    for key, value in run_values.items():
        if key is _RECORDER or (type(key) is tuple and key and key[0] is _ASKED_BY):
            continue
        entry = (key, value, run_values.get((_ASKED_BY, key)))
        try:
            pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
        except Exception:  # a value that does not pickle: each worker computes it
            continue
        out.append(entry)
    return out


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _fork_child(work: Callable[[Callable[[str, Any], None]], None], others: list[_Child]) -> _Child:
    """Fork a process that runs `work(send)` and leaves: each `send(kind, value)` is a
    pickled, length-prefixed frame on a pipe, then ("done", None), or ("error", why)
    if `work` raised. The parent reads the frames from the returned `_Child`."""
    import pickle

    read_end, write_end = os.pipe()
    # A signal that arrives during the fork must not run the parent's handler in the
    # child before it is reset (a traceback from threading's after-fork hook): held
    # until each side has its own handlers.
    mask = _hold_signals()
    try:
        pid = os.fork()
    except BaseException:
        _release_signals(mask)
        os.close(read_end)
        os.close(write_end)
        raise
    if pid != 0:
        _release_signals(mask)
        os.close(write_end)
        return _Child(pid, os.fdopen(read_end, "rb", buffering=0))
    try:  # the child: do the work, send the result, leave at once
        # Ctrl-C or SIGTERM ends the child at once, silently: the parent reports the
        # interrupt and stops the others.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _release_signals(mask)
        os.close(read_end)
        for other in others:
            other.stream.close()
        startup_cache.forked()
        with os.fdopen(write_end, "wb") as out:

            def send(kind: str, value: Any) -> None:
                data = pickle.dumps((kind, value), pickle.HIGHEST_PROTOCOL)
                out.write(len(data).to_bytes(8, "big"))
                out.write(data)

            try:
                work(send)
                learnt = startup_cache.learnt()
                if learnt is not None:  # taken by `_Child.frames` in the parent
                    send(LEARNT, learnt)
                send("done", None)
            except BaseException as exc:  # reported by the parent
                send("error", f"{type(exc).__name__}: {exc}")
    finally:  # never return into the parent's code, whatever happened
        os._exit(0)


def _share_questions(part: Outcome, seen: dict[Any, Any]) -> None:
    """One object for each distinct question the pages asked (`cache.deps`). Each
    batch arrives unpickled on its own, so a question many pages ask (the URL of a
    page they all link to) would be a copy per page: at 10,000 pages 190,153
    questions are 54,625 distinct ones."""
    for record in part.asked.values():
        if record is not None:
            record[1] = [seen.setdefault(q, q) for q in record[1]]


@dataclass
class _Child:
    """A worker process as the parent sees it: its pipe and what came through it."""

    pid: int
    stream: BinaryIO
    buffer: bytearray = field(default_factory=bytearray)
    done: bool = False

    def frames(self) -> Iterator[tuple[str, Any]]:
        """The complete frames received so far, taken off the buffer; what the child's
        startup cache learnt is adopted here, not given (`startup_cache.adopt`)."""
        for kind, value in _frames(self.buffer):
            if kind == LEARNT:
                startup_cache.adopt(value)
            else:
                yield kind, value


#: The kind of frame that holds what a child's startup cache learnt (`_fork_child`).
LEARNT = "learnt"


def _frames(buf: bytearray) -> Iterator[tuple[str, Any]]:
    """The complete frames (`_fork_child`'s) in `buf`, taken off it."""
    import pickle

    start = 0
    while len(buf) - start >= 8:
        size = int.from_bytes(buf[start : start + 8], "big")
        if len(buf) - start - 8 < size:
            break
        frame = pickle.loads(buf[start + 8 : start + 8 + size])
        start += 8 + size
        yield frame
    del buf[:start]


_HELD = {signal.SIGINT, signal.SIGTERM}


def _hold_signals() -> set[int | signal.Signals] | None:
    """Block SIGINT and SIGTERM; the mask to restore (None where there is no mask)."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)


def _release_signals(mask: set[int | signal.Signals] | None) -> None:
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _size(target: Target, tree: Mapping[str, Sig] | None) -> int:
    sig = tree.get(target.rel) if tree is not None else None
    if sig is not None:
        return sig[0]
    try:
        return target.path.stat().st_size
    except OSError:
        return 0


def _worker(
    batches: list[list[Target]],
    next_batch: Callable[[], int | None],
    emit: Callable[[int, Outcome], None],
    memo: _MemoPipe | None = None,
) -> None:
    assert _WORKER_STATE is not None
    ws, rules, options, job = _WORKER_STATE
    if memo is not None:
        memo.open()
    phase("worker start")
    checked = 0

    def taken() -> Iterator[tuple[int, list[Target]]]:
        nonlocal checked
        while (number := next_batch()) is not None:
            yield number, batches[number]
            checked += len(batches[number])

    _check_batches(taken(), ws, rules, options, job, emit, collect=True, memo=memo)
    phase(f"worker parse and rules ({checked} files)")


#: At most this many files the first worker parses before the helper's values come:
#: their Documents are held until then (about 50 KB each).
PARSE_AHEAD = 256


#: Pages parsed and checked at a time: their Documents are dropped after (memory).
BATCH = 32


def check_files(
    files: list[Target],
    ws: Workspace,
    rules: list[Rule],
    options: RunOptions,
    job: Job,
) -> Outcome:
    """Parse and check files a batch at a time, keeping no Document once it is checked
    (a rule that needs another page's parse gets it from the Workspace)."""
    outcome = Outcome()
    batches = enumerate(files[start : start + BATCH] for start in range(0, len(files), BATCH))
    # One batch leaves too little to be worth the collector's time (a pre-commit run).
    _check_batches(
        batches, ws, rules, options, job, lambda _n, part: outcome.add(part), len(files) > BATCH
    )
    return outcome


def _check_batches(
    batches: Iterable[tuple[int, list[Target]]],
    ws: Workspace,
    rules: list[Rule],
    options: RunOptions,
    job: Job,
    emit: Callable[[int, Outcome], None],
    collect: bool,
    memo: _MemoPipe | None = None,
) -> None:
    """Parse and check each (number, batch), handing `emit` each batch's outcome; the
    rules' run memo is kept from batch to batch, the young garbage collected when
    `collect`. With `memo`, the run memo starts with what comes through it: until it
    has come, batches are parsed ahead (at most `memo.ahead` files), not checked (at
    10,000 pages the workers used to start 0.2 s after the helper's values were
    wanted, the other CPU idle meanwhile)."""
    with _young_garbage_collected() if collect else contextlib.nullcontext():
        ahead: list[tuple[int, _Loaded]] = []
        if memo is not None:
            batches = iter(batches)
            files = 0
            while not memo.arrived(wait=files >= memo.ahead):
                number, batch = next(batches, (-1, []))
                if number < 0:
                    memo.arrived(wait=True)
                    break
                ahead.append((number, _load_batch(batch, ws, job)))
                files += len(batch)
            job = replace(job, memo=memo.memo())
        run_values: dict[Any, Any] = dict(job.memo)
        ahead.reverse()
        while ahead:  # each batch's Documents dropped once it is checked
            number, loaded = ahead.pop()
            emit(number, _check_loaded(loaded, ws, rules, options, job, run_values))
            del loaded
        for number, batch in batches:
            part = _check_loaded(_load_batch(batch, ws, job), ws, rules, options, job, run_values)
            emit(number, part)


class _Loaded(NamedTuple):
    """A batch of pages parsed: its Documents, the problems of those that could not be
    read, and (traced runs) the hash of each page's bytes."""

    docs: list[Document]
    problems: list[Finding]
    hashes: dict[str, str] | None


def _load_batch(files: list[Target], ws: Workspace, job: Job) -> _Loaded:
    hashes: dict[str, str] | None = {} if job.trace else None
    docs, problems = load_documents(files, ws.config, hashes, ws.front_matter_read)
    return _Loaded(docs, problems, hashes)


def _check_loaded(
    loaded: _Loaded,
    ws: Workspace,
    rules: list[Rule],
    options: RunOptions,
    job: Job,
    run_values: dict[Any, Any],
) -> Outcome:
    """Check one batch of parsed pages."""
    docs, problems, hashes = loaded
    for doc in docs:
        ws.docs[doc.rel_path] = doc
    if hashes:  # what a page's rules read of another page is these same bytes
        for rel, digest in hashes.items():
            ws.digests.setdefault(rel, digest)
    part = check_documents(docs, ws, rules, options, job, run_values)
    for doc in docs:
        del ws.docs[doc.rel_path]
    part.findings[:0] = problems
    part.hashes = hashes or {}
    return part


@contextlib.contextmanager
def _young_garbage_collected() -> Iterator[None]:
    """Collect the cyclic garbage pages leave while they are checked.

    The check command turns the cyclic collector off (a run of a few pages frees
    nothing cyclic worth the time), but checking a page leaves some cycles (a span
    parser that holds its own bound methods, closures that call themselves) and what
    they hold: a worker grew by about 17 KB a page on the 100,000-page site (800 MB
    to 1.65 GB over 50,000 pages) and by 12 KB a page at 10,000. Here the young
    generation is collected as it fills and the older ones almost never; what existed
    before is frozen, so the collector never scans it (and a forked worker never
    copies the parent's memory to do so). At 100,000 pages a worker's peak went from
    1.65 GB to 0.92 GB; at 10,000 the CPU time is within the noise between runs.
    """
    was_enabled = gc.isenabled()
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(700, 1000, 1000)
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()
        gc.set_threshold(*threshold)
        gc.unfreeze()


def check_documents(
    docs: list[Document],
    ws: Workspace,
    rules: list[Rule],
    options: RunOptions,
    job: Job | None = None,
    run_values: dict[Any, Any] | None = None,
) -> Outcome:
    """Run the rules over parsed pages. `run_values` is the rules' run memo
    (`RuleContext.run_memo`): one for the whole run in this process."""
    config = ws.config
    site = ws.jekyll_site if docs else None
    findings: list[Finding] = []
    internal = 0
    job = job or Job()
    outcome = Outcome(findings)
    context = TracedContext if job.trace else RuleContext
    options_of = {r.code: r.option_values(config.rule_options.get(r.code)) for r in rules}
    the_internal_rule = internal_rule()
    # What rules share, owned here (rules never store on the Document, Site or Workspace):
    # one memo for the run in this process, one per page, dropped when the page is done.
    if run_values is None:
        run_values = dict(job.memo)
    # One context per rule, its page fields set for each page: making one per rule and
    # page was 2.5% of a worker's time. A rule's check has finished with it (its issues
    # are listed) before the next page, and no memo keeps it.
    contexts: list[tuple[Rule, Any, Any]] = [  # (rule, its RuleContext or TracedContext, check)
        (r, context(config, None, site, options_of[r.code], ws, {}, run_values), r.check)
        for r in rules
    ]
    recorder = shared_recorder(run_values, ws) if job.trace else None
    # The rules a page runs, by the parts it has (`page_parts`): a rule that needs a
    # part the page lacks would find nothing (a page of front matter alone runs 31 of
    # the 58 rules).
    needs = [needs_bits(r.needs) for r in rules]
    by_parts: dict[int, list[tuple[Rule, Any, Any]]] = {}
    for doc in docs:
        page_values: dict[Any, Any] = {}
        facts = ws.facts(doc.rel_path, doc)
        doc.data = facts.data
        page_type = facts.page_type
        suppress = parse_suppressions(doc.lines) if "finops-lint-" in doc.text else None
        only = job.only.get(doc.rel_path)
        beyond: list[str] = []
        parts = page_parts(doc)
        these = by_parts.get(parts)
        if these is None:
            these = by_parts[parts] = [
                c for c, need in zip(contexts, needs, strict=True) if not need or need & parts
            ]
        if doc.decode_error is not None or only is not None:
            these = [
                (r, ctx, check)
                for r, ctx, check in these
                if (doc.decode_error is None or r.code == UNREADABLE)
                and (only is None or r.code in only)
            ]
        if recorder is not None:
            recorder.start_page()
        reads = 0
        for r, ctx, check in these:
            ctx.page_type, ctx.page_values = page_type, page_values
            if recorder is not None:
                reads = recorder.reads
            try:
                issues = list(check(doc, ctx))
            except Exception as exc:  # a bug in a rule must not stop the run
                internal += 1
                outcome.failed.add(doc.rel_path)
                detail = ""
                if options.verbose:
                    import traceback

                    detail = traceback.format_exc()
                findings.append(
                    Finding(
                        doc.path,
                        1,
                        1,
                        the_internal_rule.code,
                        the_internal_rule.name,
                        the_internal_rule.severity,
                        f"rule {r.code} ({r.name}) failed: {type(exc).__name__}: {exc}; "
                        "please report this at the finops-lint issue tracker"
                        + (f"\n{detail}" if detail else ""),
                    )
                )
                continue
            if recorder is not None and recorder.reads != reads:
                beyond.append(r.code)
            if not issues:
                continue
            default = config.severities.get(r.code, r.severity)
            for issue in issues:
                if suppress is not None and suppress.is_suppressed(r.code, issue.line):
                    continue
                sev = config.severities.get(r.code) or issue.severity or default
                findings.append(
                    Finding(
                        path=doc.path,
                        line=max(1, issue.line),
                        column=max(1, issue.column),
                        code=r.code,
                        rule=r.name,
                        severity=sev,
                        message=issue.message,
                        end_line=issue.end_line,
                        end_column=issue.end_column,
                        related=issue.related,
                        fix=issue.fix,
                    )
                )
        if recorder is not None:
            outcome.beyond[doc.rel_path] = beyond
            outcome.asked[doc.rel_path] = page_questions(recorder)
    outcome.checked = [d.path for d in docs]
    outcome.internal = internal
    return outcome
