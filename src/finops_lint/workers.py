"""Checking parsed pages: the rules over each page, in this process or in forked workers."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING, BinaryIO

from finops_lint.discover import UNREADABLE, Target
from finops_lint.document import Document
from finops_lint.findings import Finding
from finops_lint.rules.base import REGISTRY, Rule, RuleContext, all_rules
from finops_lint.rules.internal import INTERNAL_ERROR
from finops_lint.suppress import parse_suppressions
from finops_lint.workspace import Workspace, load_documents

if TYPE_CHECKING:
    from finops_lint.engine import RunOptions


#: Below this many files, one process is faster than starting workers.
PARALLEL_MIN_FILES = 48

# State handed to forked workers (set in the parent just before the fork).
_WORKER_STATE: tuple[Workspace, list[Rule], RunOptions] | None = None


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
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = int(wanted) if wanted and wanted.isdigit() else (cpus or 1)
    return max(1, min(count, 8, files // (PARALLEL_MIN_FILES // 2)))


def check_in_workers(
    files: list[Target], ws: Workspace, rules: list[Rule], options: RunOptions, workers: int
) -> tuple[list[Finding], list[str], int]:
    """Parse and check files in forked children that share the parent's Site.

    The parent checks the first share itself, so N cores run N processes; each
    child sends its findings back pickled through a pipe.
    """
    import pickle

    global _WORKER_STATE
    # Everything the workers read from the Site is computed once, before the fork.
    ws.prepare_for_workers(rules)
    phase("prepare")
    _WORKER_STATE = (ws, rules, options)
    # Interleave by size so each worker gets a similar amount of text.
    ordered = sorted(files, key=_size, reverse=True)
    chunks = [ordered[i::workers] for i in range(workers)]
    children: list[tuple[int, BinaryIO]] = []
    try:
        for chunk in chunks[1:]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: check its share, send the result, leave at once
                try:
                    # Ctrl-C or SIGTERM ends a worker at once, silently: the parent
                    # reports the interrupt and stops the others.
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    os.close(read_end)
                    try:
                        payload = pickle.dumps(("ok", _worker(chunk)))
                    except BaseException as exc:  # reported by the parent
                        payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
                    with os.fdopen(write_end, "wb") as out:
                        out.write(payload)
                finally:  # never return into the parent's code, whatever happened
                    os._exit(0)
            os.close(write_end)
            children.append((pid, os.fdopen(read_end, "rb")))
        results = [_worker(chunks[0])]
        while children:
            pid, inp = children[0]
            payload = inp.read()
            inp.close()
            children.pop(0)
            os.waitpid(pid, 0)
            if not payload:
                raise RuntimeError("a worker process ended without a result")
            status, value = pickle.loads(payload)
            if status != "ok":
                raise RuntimeError(f"a worker process failed: {value}")
            results.append(value)
        children = []
    finally:
        _WORKER_STATE = None
        for pid, inp in children:  # only after an error or an interrupt
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)  # stop it; do not wait for its share
            with contextlib.suppress(OSError):
                inp.close()
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)  # no zombies
    found: list[Finding] = []
    checked: list[str] = []
    internal = 0
    for chunk_findings, chunk_checked, chunk_internal in results:
        found.extend(chunk_findings)
        checked.extend(chunk_checked)
        internal += chunk_internal
    return found, sorted(checked), internal


def _size(target: Target) -> int:
    try:
        return target.path.stat().st_size
    except OSError:
        return 0


def _worker(files: list[Target]) -> tuple[list[Finding], list[str], int]:
    assert _WORKER_STATE is not None
    ws, rules, options = _WORKER_STATE
    phase("worker start")
    docs, problems = load_documents(files, ws.config)
    for doc in docs:
        ws.docs[doc.rel_path] = doc
    phase(f"worker parse ({len(docs)} files)")
    found, checked, internal = check_documents(docs, ws, rules, options)
    phase("worker rules")
    return problems + found, checked, internal


def check_documents(
    docs: list[Document], ws: Workspace, rules: list[Rule], options: RunOptions
) -> tuple[list[Finding], list[str], int]:
    config = ws.config
    site = ws.jekyll_site if docs else None
    findings: list[Finding] = []
    internal = 0
    options_of = {r.code: r.option_values(config.rule_options.get(r.code)) for r in rules}
    the_internal_rule = internal_rule()
    for doc in docs:
        facts = ws.facts(doc.rel_path, doc)
        doc.data = facts.data
        page_type = facts.page_type
        suppress = parse_suppressions(doc.lines) if "finops-lint-" in doc.text else None
        for r in rules:
            if doc.decode_error is not None and r.code != UNREADABLE:
                continue
            ctx = RuleContext(config, page_type, site, options_of[r.code], ws)
            try:
                issues = list(r.check(doc, ctx))
            except Exception as exc:  # a bug in a rule must not stop the run
                internal += 1
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
    return findings, [d.path for d in docs], internal
