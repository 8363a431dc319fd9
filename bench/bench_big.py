"""Big-site bench: finops-lint vs markdownlint-cli2 on the grown framework site.

For each size (default 274 and 10,000 Markdown pages) the site is grown with
``grow_site.py`` into ``bench/.work/sites/fw-N`` and four cases are timed, as
PAIRED runs interleaved in one process (round i runs every case, each tool once,
before round i+1; one untimed warm-up run of each tool first):

- ``cold``: the whole site, with finops-lint's cache folder
  (``.finops-lint-cache/`` at the site root) removed first:
  ``finops-lint check --offline SITE`` vs ``markdownlint-cli2 "**/*.md"``;
- ``warm``: the same again right after, nothing changed;
- ``page``: one changed page, in the pre-commit form: a line is appended to
  ``--page`` (a new text every round), then ``finops-lint check --offline FILE``
  vs ``markdownlint-cli2 :FILE``;
- ``page-server``: the same one-page call with ``finops-lint server`` started for
  the site before the rounds (its socket in ``bench/.work/servers``); the server's
  peak memory is reported apart (``server_rss_mb``). Every other case runs with
  ``FINOPS_LINT_SERVER=0``. Run it in its own invocation (``--cases page-server``):
  the other cases rewrite the result cache, which the server otherwise has parsed
  before the call;
- ``deleted``: ``--delete`` is removed (it is restored after the round), then the
  whole site again with both tools.

markdownlint-cli2 has no cache, so its cold and warm runs do the same work.
Wall-clock time per run (``time.perf_counter`` around the subprocess, start-up
included) and peak memory: ``ru_maxrss`` of the run from ``os.wait4``, which is
the largest single process of the run and its waited-for children (what
``/usr/bin/time -v`` reports), not the sum over a process pool.

Ratios are finops-lint / markdownlint-cli2 (lower is better): ``ratio`` of the
medians, ``paired`` the median of the per-round ratios. Goals (issue 14):
cold <= 0.25, warm <= 0.05, one page <= 0.5 (with or without the server).

    .venv/bin/python bench/bench_big.py [--sizes 274,10000] [--runs 5] [--runs-big 3]
        [--json bench/.work/big.json]

markdownlint-cli2 is installed on first use with npm into ``bench/.work/``, as
``bench.py`` does. Standard library only; Python >= 3.10. Exit code 0 when every
run finished (goals met or not), 2 when a tool could not be installed or failed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench
import grow_site

HERE = bench.HERE
ROOT = bench.ROOT
CASES = ("cold", "warm", "page", "page-server", "deleted")
#: Issue 14's targets; it sets none for a deleted page (timed to show what it costs).
GOALS: dict[str, float | None] = {
    "cold": 0.25,
    "warm": 0.05,
    "page": 0.5,
    "page-server": 0.5,
    "deleted": None,
}
DEFAULT_PAGE = "_capabilities/forecasting.md"
DEFAULT_DELETE = "_capabilities/budget-management.md"  # a link target of other pages


@dataclass
class Stats:
    times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout+stderr) of one run; exit codes 0 and 1 are fine."""
    with tempfile.TemporaryFile("w+b") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        tail = "\n".join(text.strip().splitlines()[-10:])
        raise bench.BenchError(f"exit {proc.returncode}: {' '.join(argv)}\n{tail}")
    return elapsed, usage.ru_maxrss / 1024, text


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_size(
    size: int,
    rounds: int,
    cases: list[str],
    args: argparse.Namespace,
    fl: list[str],
    mdl: list[str],
    env: dict[str, str],
) -> dict:
    site = HERE / ".work" / "sites" / f"fw-{size}"
    counts = grow_site.grow(Path(args.corpus).resolve(), site.resolve(), size)
    # The grown files are brand new. The result cache records what it read of a file
    # only once its mtime is 2 s old (a write in the same tick could go unseen), so a
    # cold run started at once would leave the last files written unrecorded and the
    # next runs reading them again: a repository's files are older than that.
    time.sleep(2.5)
    page, gone = site / args.page, site / args.delete
    for p in (page, gone):
        if not p.is_file():
            raise bench.BenchError(f"not in the grown site: {p}")
    original_page = page.read_text(encoding="utf-8")
    gone_text = gone.read_bytes()
    cache = site / ".finops-lint-cache"
    whole_fl = [*fl, "check", "--offline", str(site)]
    whole_mdl = [*mdl, *bench.MDL_GLOBS]
    page_fl = [*fl, "check", "--offline", str(page)]
    page_mdl = [*mdl, ":" + args.page]
    res: dict[str, dict[str, Stats]] = {c: {"fl": Stats(), "mdl": Stats()} for c in cases}
    # Every case but page-server runs without `finops-lint server`; page-server runs the
    # same one-page call with a server started for the site before the rounds.
    served_env = {**env, "FINOPS_LINT_SERVER_DIR": str(HERE / ".work" / "servers")}
    env = {**served_env, "FINOPS_LINT_SERVER": "0"}
    server_fl = [*fl, "server"]
    loads = [load()]
    print(f"\n== {size} pages ({counts}), {rounds} rounds, load {loads[0]}", flush=True)

    def one(case: str, tool: str, argv: list[str], counter, timed: bool) -> None:
        cwd = site if tool == "mdl" else ROOT
        secs, rss, text = run(argv, cwd, served_env if case == "page-server" else env)
        if timed:
            st = res[case][tool]
            st.times.append(secs)
            st.rss_mb.append(rss)
            st.counts.append(counter(text, ""))
        print(
            f"  {case:8s} {tool:4s} {secs:7.2f} s {rss:7.0f} MB{'' if timed else ' (warm-up)'}",
            flush=True,
        )

    server_rss: list[float] = []
    if "page-server" in cases:
        # a server left running (by an earlier run, at another commit) would be found
        # by `start`, decline the calls of this finops-lint and stop: start afresh
        run([*server_fl, "stop", str(site)], ROOT, served_env)
        run([*server_fl, "start", str(site)], ROOT, served_env)

    def server_ready() -> None:
        """Wait until the server has made its state again (it answers only then), so
        its work after a check is not timed as part of the next case."""
        _secs, _rss, text = run([*server_fl, "status", str(site)], ROOT, served_env)
        pid = text.split("(pid ")[1].split(")")[0] if "(pid " in text else ""
        with (
            contextlib.suppress(OSError, ValueError),
            open(f"/proc/{pid}/status", encoding="ascii") as status,
        ):
            for line in status:
                if line.startswith("VmHWM:"):
                    server_rss.append(int(line.split()[1]) / 1024)

    try:
        if not args.no_warmup:
            one("warmup", "fl", whole_fl, bench.count_finops_lint, False)
            one("warmup", "mdl", whole_mdl, bench.count_mdl, False)
        for r in range(rounds):
            for case in cases:
                if case == "cold":
                    shutil.rmtree(cache, ignore_errors=True)
                    one(case, "fl", whole_fl, bench.count_finops_lint, True)
                    one(case, "mdl", whole_mdl, bench.count_mdl, True)
                elif case == "warm":
                    one(case, "fl", whole_fl, bench.count_finops_lint, True)
                    one(case, "mdl", whole_mdl, bench.count_mdl, True)
                elif case == "page":
                    page.write_text(original_page + f"\nChanged in round {r + 1}.\n", "utf-8")
                    one(case, "fl", page_fl, bench.count_finops_lint, True)
                    one(case, "mdl", page_mdl, bench.count_mdl, True)
                elif case == "page-server":
                    page.write_text(original_page + f"\nServed in round {r + 1}.\n", "utf-8")
                    one(case, "fl", page_fl, bench.count_finops_lint, True)
                    server_ready()
                    one(case, "mdl", page_mdl, bench.count_mdl, True)
                elif case == "deleted":
                    gone.unlink()
                    try:
                        one(case, "fl", whole_fl, bench.count_finops_lint, True)
                        one(case, "mdl", whole_mdl, bench.count_mdl, True)
                    finally:
                        gone.write_bytes(gone_text)
            loads.append(load())
    finally:
        if "page-server" in cases:
            run([*server_fl, "stop", str(site)], ROOT, served_env)
        page.write_text(original_page, encoding="utf-8")
        if not gone.exists():
            gone.write_bytes(gone_text)
    out: dict = {"size": size, "rounds": rounds, "load": loads, "cases": {}}
    for case in cases:
        fl_s, mdl_s = res[case]["fl"], res[case]["mdl"]
        fl_med, mdl_med = statistics.median(fl_s.times), statistics.median(mdl_s.times)
        out["cases"][case] = {
            "finops-lint": {
                "median_s": fl_med,
                "times": fl_s.times,
                "rss_mb": max(fl_s.rss_mb),
                "files": sorted(set(fl_s.counts)),
            },
            "markdownlint-cli2": {
                "median_s": mdl_med,
                "times": mdl_s.times,
                "rss_mb": max(mdl_s.rss_mb),
                "files": sorted(set(mdl_s.counts)),
            },
            "ratio": fl_med / mdl_med,
            "paired": statistics.median(
                a / b for a, b in zip(fl_s.times, mdl_s.times, strict=False)
            ),
            "goal": GOALS[case],
        }
        if case == "page-server" and server_rss:
            out["cases"][case]["server_rss_mb"] = max(server_rss)
    return out


def table(results: list[dict]) -> str:
    rows = [
        "| pages | case | finops-lint s | MB | files | markdownlint-cli2 s | MB | files "
        "| ratio | paired | goal | load (1 min) during |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lo = [float(x.split()[0]) for x in r["load"]]
        for case, c in r["cases"].items():
            f, m = c["finops-lint"], c["markdownlint-cli2"]
            goal = "" if c["goal"] is None else f"<= {c['goal']}"
            rows.append(
                f"| {r['size']} | {case} | {f['median_s']:.2f} | {f['rss_mb']:.0f} | "
                f"{'/'.join(map(str, f['files']))} | {m['median_s']:.2f} | {m['rss_mb']:.0f} | "
                f"{'/'.join(map(str, m['files']))} | {c['ratio']:.2f} | {c['paired']:.2f} | "
                f"{goal} | {min(lo):.1f}-{max(lo):.1f} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="274,10000", help="comma-separated page counts")
    ap.add_argument("--runs", type=int, default=5, help="paired rounds below 10,000 pages")
    ap.add_argument("--runs-big", type=int, default=3, help="rounds at 10,000 pages and more")
    ap.add_argument(
        "--cases",
        default="cold,warm,page,deleted",
        help=f"comma-separated, of {', '.join(CASES)} (page-server: in a run of its own)",
    )
    ap.add_argument("--corpus", default=str(grow_site.default_corpus()))
    ap.add_argument("--page", default=DEFAULT_PAGE)
    ap.add_argument("--delete", default=DEFAULT_DELETE)
    ap.add_argument("--finops-lint", default=None)
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--no-warmup", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    cases = [c for c in args.cases.split(",") if c]
    bad = [c for c in cases if c not in CASES]
    if bad:
        ap.error(f"unknown case(s): {', '.join(bad)}")
    try:
        work = HERE / ".work"
        npm = bench.ensure_npm_tools(work, False, not args.no_install)
        fl = bench.find_finops_lint(args.finops_lint)
        cfg = work / "bench.markdownlint-cli2.jsonc"
        cfg.write_text(json.dumps(bench.MDL_CONFIG, indent=2) + "\n", encoding="utf-8")
        mdl = [str(npm["mdl"]), "--config", str(cfg)]
        env = dict(os.environ, NO_COLOR="1", FORCE_COLOR="0")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        versions = {
            "finops-lint": bench.tool_version([*fl, "--version"]),
            "markdownlint-cli2": bench.tool_version([str(npm["mdl"]), "--help"]),
        }
        print(f"host: {platform.platform()}, {os.cpu_count()} CPUs, load {load()}")
        print(f"versions: {versions}")
        results = []
        for size in (int(s) for s in args.sizes.split(",") if s):
            rounds = args.runs_big if size >= 10000 else args.runs
            results.append(bench_size(size, rounds, cases, args, fl, mdl, env))
    except bench.BenchError as e:
        print(f"bench_big: {e}", file=sys.stderr)
        return 2
    print()
    print(table(results))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                    "host": platform.platform(),
                    "cpus": os.cpu_count(),
                    "versions": versions,
                    "results": results,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
