"""What `finops-lint check` does once its options are parsed: run, report, exit.

Kept free of click so the plain form pre-commit uses (`finops-lint check FILE...`)
can run without importing the CLI framework; cli.py wires the options to this.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops_lint import __version__
from finops_lint.safe_io import write_atomic
from finops_lint.streams import encoded, write

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class CheckArgs:
    """The options of a `check` call, as the console's fast path or click read them."""

    paths: Sequence[Path] = ()
    config_path: Path | None = None
    root: Path | None = None
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fmt: str = "text"
    output_file: Path | None = None
    strict: bool = False
    statistics: bool = False
    quiet: bool = False
    external: bool | None = None
    offline: bool = False
    allow_hosts: Sequence[str] = field(default_factory=tuple)
    cache_dir: Path | None = None
    no_cache: bool = False  # no result cache: check every file, write nothing
    verbose: bool = False
    fix: bool = False  # apply the fixes of fixable rules, then report what is left
    fix_only: bool = False  # apply them and report only what was fixed (exit 0)
    diff: bool = False  # print the fixes as a unified diff; write nothing
    staged: bool = False  # also check pages linking to what staged git changes remove
    baseline: Path | None = None  # default: .finops-lint-baseline.json found like the config
    no_baseline: bool = False  # report every finding, baselined or not
    exit_zero: bool = False  # exit 0 even with findings (2 still means an error)
    replay: Any = None  # the plain call's state before the run (cache.replay.Prepared)


def use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def codes(values: Sequence[str]) -> list[str]:
    """`--select PH,TB001 --select LK` -> ["PH", "TB001", "LK"]."""
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM

_terminated = False


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM ends the run the way Ctrl-C does (workers stopped, the link cache
    saved, no half-written report), then exits 143."""
    global _terminated
    _terminated = True
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        raise KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)  # asyncio turns SIGINT into a clean cancel


def run_check(args: CheckArgs) -> None:
    """Run the check and leave with its exit code (never returns)."""
    global _terminated
    # A short run allocates many small objects and frees nothing cyclic worth
    # collecting: the cyclic collector only costs time here.
    gc.disable()
    _terminated = False
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _run(args)
    except KeyboardInterrupt:
        _say("interrupted; no report written")
        sys.stdout.flush()
        sys.exit(EXIT_TERMINATED if _terminated else EXIT_INTERRUPTED)
    finally:
        gc.enable()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


#: What this run wrote to stderr, when its report may be recorded for a replay.
_said: list[str] | None = None


def _say(message: str) -> None:
    from finops_lint.report.text import escape_controls

    line = f"finops-lint: {escape_controls(message)}\n"
    if _said is not None:
        _said.append(line)
    write(sys.stderr, line)


def served() -> bool:
    """This check is one `finops-lint server` runs for a caller."""
    from finops_lint.server import client

    return client.SERVED


def _run(args: CheckArgs) -> None:
    global _said
    _said = [] if args.replay is not None else None
    if args.statistics and args.fmt not in ("text", "json"):
        _say(f"--statistics prints text or JSON, not {args.fmt} (use --format text or json)")
        sys.exit(EXIT_ERROR)
    from finops_lint.config import ConfigError
    from finops_lint.engine import RunOptions, UsageError, run

    options = RunOptions(
        paths=list(args.paths) or ([] if args.staged else [Path(".")]),
        root=args.root,
        config_path=args.config_path,
        select=codes(args.select),
        ignore=codes(args.ignore),
        external=False if args.offline else args.external,
        offline=args.offline,
        verbose=args.verbose,
        allow_hosts=list(args.allow_hosts),
        cache_dir=args.cache_dir,
        progress=sys.stderr.isatty() and args.fmt == "text",
        staged=args.staged,
        cache=not args.no_cache,
        walked=None if args.replay is None else args.replay.walk,
        # in a check the server runs: the result cache is written after its answer
        defer_save=served() and not (args.fix or args.fix_only or args.diff),
    )
    try:
        result = run(options)
    except ConfigError as exc:
        _say(f"config error: {exc}")
        sys.exit(EXIT_ERROR)
    except UsageError as exc:
        _say(str(exc))
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the last line of defence: one line, exit 2
        if args.verbose:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)")
        sys.exit(EXIT_ERROR)
    notice = result.config.profile_notice
    if notice and (args.verbose or sys.stderr.isatty()) and not args.quiet:
        _say(notice)  # which built-in profile, on a terminal (machine output stays as it was)
    for notice in result.notices:
        _say(notice)
    if args.fix or args.fix_only or args.diff:
        result = _apply_fixes(result, options, args)
    if not args.no_baseline:
        _apply_baseline(result, options, args)
    if not (args.fix or args.fix_only or args.diff or args.quiet):
        fixable = _fixable_count(result)
        if fixable:
            _say(
                f"{fixable} problem{'s' if fixable != 1 else ''} can be fixed with "
                "`finops-lint check --fix` (preview: --diff)"
            )
    out = render(result, args)
    end = "\n" if out and not out.endswith("\n") else ""
    if args.output_file is not None:
        try:
            # A temporary file renamed over the target: an interrupt or a full disk
            # leaves the previous report as it was, never half of a new one.
            write_atomic(args.output_file, encoded([out, end]))
        except OSError as exc:
            _say(f"cannot write {args.output_file}: {exc.strerror or exc}")
            sys.exit(EXIT_ERROR)
    else:
        write(sys.stdout, out)
        write(sys.stdout, end)
    if result.internal_errors:
        sys.exit(EXIT_ERROR)
    errors = any(f.severity.value == "error" for f in result.findings)
    warnings = any(f.severity.value == "warning" for f in result.findings)
    failed = errors or (args.strict and warnings)
    code = EXIT_FINDINGS if failed and not args.exit_zero else EXIT_OK
    from finops_lint.server.client import answer

    answer(code)  # in a check the server runs: the caller has its report and code now
    if result.finish is not None:
        result.finish()  # (a check that ends on an error before this writes no cache)
    if args.replay is not None and _said is not None and result.inputs is not None:
        args.replay.record(code, [out, end], "".join(_said), result.inputs)
    fast_exit(code)


def _apply_baseline(result: Any, options: Any, args: CheckArgs) -> None:
    """Leave out the findings the baseline lists; say how many, and which are fixed."""
    from finops_lint import baseline

    path = args.baseline or baseline.find_baseline(options.paths[0] if options.paths else Path("."))
    if path is None:
        return
    try:
        entries = baseline.load(path)
    except baseline.BaselineError as exc:
        _say(f"baseline error: {exc}")
        sys.exit(EXIT_ERROR)
    outcome = baseline.apply(
        result.findings,
        entries,
        result.config.root,
        Path.cwd(),
        checked=[p for p in result.checked if p not in result.partly_checked],
        codes=[r.code for r in result.rules],
    )
    result.findings = outcome.new
    result.baselined = outcome.baselined
    shown = _shown(path)
    if outcome.fixed_count:
        n = outcome.fixed_count
        _say(
            f"{n} baselined finding{'s are' if n != 1 else ' is'} fixed: "
            f"`finops-lint baseline --prune` removes {'them' if n != 1 else 'it'} from {shown}"
        )


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _fixable_count(result: Any) -> int:
    from finops_lint.fix import fixable_findings

    return len(fixable_findings(result.findings, {r.code for r in result.rules if r.fixable}))


def _apply_fixes(result: Any, options: Any, args: CheckArgs) -> Any:
    """--diff: print the fixes and exit (1 when there are some); --fix-only: apply
    them and exit 0; --fix: apply them and return the findings of a new run."""
    from finops_lint.engine import run
    from finops_lint.fix import plan, unified_diff

    planned = plan(result.findings, {r.code for r in result.rules if r.fixable})
    changed = [f for f in planned if f.changed]
    count = sum(len(f.applied) for f in changed)
    noun = f"{count} problem{'s' if count != 1 else ''} in {len(changed)} file" + (
        "s" if len(changed) != 1 else ""
    )
    if args.diff:
        write(sys.stdout, "".join(unified_diff(f) for f in changed))
        _say(f"would fix {noun}" if changed else "nothing to fix")
        fast_exit(EXIT_FINDINGS if changed else EXIT_OK)
    for file_fix in changed:
        try:
            write_atomic(file_fix.path, file_fix.after)
        except OSError as exc:
            _say(f"cannot write {file_fix.path}: {exc.strerror or exc}")
            sys.exit(EXIT_ERROR)
    if args.fix_only:
        for file_fix in changed:
            for f in file_fix.applied:
                _say(f"fixed {f.path}:{f.line}:{f.column}: {f.code} {f.message}")
        _say(f"fixed {noun}" if changed else "nothing to fix")
        fast_exit(EXIT_OK)
    if changed:
        _say(f"fixed {noun}")
        try:
            return run(options)
        except Exception as exc:
            _say(f"internal error after fixing: {type(exc).__name__}: {exc}")
            sys.exit(EXIT_ERROR)
    return result


def fast_exit(code: int) -> None:
    """Exit without tearing down the heap of parsed pages (tens of ms on a big site).

    Only from the console script: under click's test runner (or any caller that
    imported us) a normal SystemExit keeps the caller alive.
    """
    if os.environ.get("FINOPS_LINT_FAST_EXIT") == "1":
        from finops_lint import startup_cache

        startup_cache.save()  # os._exit runs no atexit handler
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def render(result: Any, args: CheckArgs) -> str:
    from finops_lint.report.text import render_json, render_text

    findings = result.findings
    baselined = getattr(result, "baselined", 0)
    if args.statistics:
        from finops_lint.report.statistics import render_statistics, render_statistics_json

        if args.fmt == "json":
            return render_statistics_json(findings, len(result.checked), baselined)
        return render_statistics(findings)
    if args.fmt == "json":
        return render_json(findings, len(result.checked), baselined=baselined)
    if args.fmt == "sarif":
        from finops_lint.report.sarif import render_sarif

        return render_sarif(
            findings, result.rules, tool_version=__version__, base_uri=Path.cwd().as_uri() + "/"
        )
    if args.fmt == "junit":
        from finops_lint.report.junit import render_junit

        return render_junit(findings, result.checked)
    if args.fmt == "github":
        from finops_lint.report.github import job_summary, render_github

        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:  # under GitHub Actions: the job summary page
            try:
                with open(summary_file, "a", encoding="utf-8") as fh:
                    fh.write(job_summary(findings, len(result.checked), baselined=baselined))
            except OSError as exc:
                _say(f"cannot write the job summary {summary_file}: {exc.strerror or exc}")
        return render_github(findings, len(result.checked), baselined=baselined)
    color = args.output_file is None and use_color(sys.stdout)
    return render_text(
        findings, len(result.checked), color=color, quiet=args.quiet, baselined=baselined
    )


def plain_check_args(argv: Sequence[str]) -> CheckArgs | None:
    """`check [--offline] [--staged] PATH...` (pre-commit's call) as CheckArgs, else
    None (anything else goes through click)."""
    from finops_lint.cache.replay import plain_form

    form = plain_form(argv)
    if form is None:
        return None
    paths, flags = form
    return CheckArgs(
        paths=[Path(a) for a in paths], offline="--offline" in flags, staged="--staged" in flags
    )
