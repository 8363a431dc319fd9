"""Instructions a cold whole-site run executes, for comparing code versions on a
noisy machine.

Wall time on a shared machine moves more than one change gains (the same code took
15.9-21.1 s cold at 10,000 pages in one run of ``bench_big.py``). The number of
instructions a run executes does not depend on the load: this script counts them
with valgrind's callgrind, every forked process apart (the main process, the
Site's reading-ahead child, the helper, the workers; a child counted from its fork
on, `--zero-before=PyOS_AfterFork_Child`: callgrind copies the parent's counts into
a forked child, so each fork used to add the parent's instructions until then to the
total again), for the working tree and
for each ``--compare`` commit (checked out in a temporary git worktree), on the
same grown site, and checks that every version prints the same report.

    .venv/bin/python bench/bench_instructions.py --compare HEAD~3 [--pages 2000]
        [--json bench/.work/instructions.json]

The site is ``bench/.work/sites/fw-PAGES`` (grown with ``grow_site.py`` when
missing). Each version is run once untimed first (bytecode, start-up cache), then
under ``valgrind --tool=callgrind --trace-children=yes`` with ``check --offline``
and the result cache removed, as the cold case of ``bench_big.py``; 2,000 pages
take about 3 minutes a version. Instructions are not time (a C loop and the
Python interpreter differ in instructions per second), so use this to compare
versions of the same code, and ``bench_big.py`` for ratios to other tools.

Standard library only; Python >= 3.10; needs ``valgrind`` (``apt-get install
valgrind``) and git. Exit code 0 when every version ran and printed the same
report, 1 when the reports differ, 2 when something could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000, help="grown site size (>= 274)")
    ap.add_argument(
        "--compare", action="append", default=[], metavar="REF", help="a commit (repeatable)"
    )
    ap.add_argument("--json", default=None, help="write the counts here too")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_instructions: valgrind is not installed (apt-get install valgrind)")
        return 2
    site = HERE / ".work" / "sites" / f"fw-{args.pages}"
    if not site.is_dir():
        grown = subprocess.run(
            [sys.executable, str(HERE / "grow_site.py"), "--pages", str(args.pages)], check=False
        )
        if grown.returncode != 0:
            return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="finops-lint-instructions-") as tmp:
        versions = [("work", ROOT / "src")]
        for ref in args.compare:
            tree = Path(tmp) / f"tree-{len(versions)}"
            added = subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), ref],
                check=False,
            )
            if added.returncode != 0:
                return 2
            versions.append((ref, tree / "src"))
        try:
            for label, src in versions:
                out_dir = Path(tmp) / f"cg-{len(results)}"
                out_dir.mkdir()
                counted = _count(src, site, out_dir)
                if counted is None:
                    return 2
                processes, report = counted
                results.append({"version": label, "processes": processes, "report": report})
                _print_row(label, processes, results[0]["processes"])
        finally:
            for _label, src in versions[1:]:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(src.parent)],
                    check=False,
                )
    same = all(r["report"] == results[0]["report"] for r in results)
    print("reports: the same" if same else "reports: DIFFERENT")
    if args.json:
        rows = [{k: r[k] for k in ("version", "processes")} for r in results]
        Path(args.json).write_text(json.dumps({"pages": args.pages, "runs": rows}, indent=2))
    return 0 if same else 1


def _count(src: Path, site: Path, out_dir: Path) -> tuple[list[int], str] | None:
    """(instructions of each process, main process first; the report), or None."""
    env = {**os.environ, "PYTHONPATH": str(src), "FINOPS_LINT_SERVER": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "finops_lint", "check", "--offline", str(site)]
    shutil.rmtree(site / ".finops-lint-cache", ignore_errors=True)
    subprocess.run(command, env=env, capture_output=True, check=False)  # bytecode, caches
    shutil.rmtree(site / ".finops-lint-cache", ignore_errors=True)
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--trace-children=yes",
            # A forked child starts with a copy of its parent's counts: without this,
            # every fork added the parent's instructions so far to the total again.
            "--zero-before=PyOS_AfterFork_Child",
            f"--callgrind-out-file={out_dir}/cg.%p",
            *command,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1):
        print(f"bench_instructions: the run failed ({run.returncode}): {run.stderr[-2000:]}")
        return None
    counts = []
    for path in sorted(out_dir.glob("cg.*"), key=lambda p: int(p.suffix[1:])):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("summary:"):
                counts.append(int(line.split()[1]))
                break
    return (counts, run.stdout) if counts else None


def _print_row(label: str, processes: list[int], first: list[int]) -> None:
    total, base = sum(processes), sum(first)
    parts = " ".join(f"{n / 1e9:.2f}" for n in processes)
    print(f"{label:>12}  processes (G): {parts}  total {total / 1e9:.3f} G ({total / base:.3f})")


if __name__ == "__main__":
    sys.exit(main())
