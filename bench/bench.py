"""Bench: ``finops-lint check`` vs markdownlint-cli2, pymarkdown (and remark) on the corpus.

Two cases, each timed as PAIRED runs interleaved in one process (round i runs
every tool once, in the same order, before round i+1 starts):

1. whole corpus: ``finops-lint check <corpus>`` (default profile, every rule on,
   no cache) vs ``markdownlint-cli2 "**/*.md"`` (cwd = corpus, every default
   rule on, nothing ignored) vs ``pymarkdown scan -r <corpus>`` (vs ``remark .``
   with remark-validate-links).
2. one changed page (the pre-commit case): ``finops-lint check
   <corpus>/_capabilities/forecasting.md`` (builds the whole Site, reports one
   page) vs each other tool on that one file.

Each run is a subprocess timed with ``time.perf_counter`` around
``subprocess.run`` (so interpreter / node start-up is included, as a user sees
it). Each run's output is parsed to count the files the tool really linted; the
counts are checked to be the same in every round and are printed.

    .venv/bin/python bench/bench.py [--runs 7] [--corpus PATH] [--json out.json]

The comparison tools are installed on first use into ``bench/.work/``
(gitignored): markdownlint-cli2, remark-cli and remark-validate-links with
``npm install --prefix bench/.work``, pymarkdown (``pymarkdownlnt``) with pip in
``bench/.work/venv``. Standard library only; Python >= 3.10.

Exit code: 0 whenever every tool ran (targets met or not), 2 when a tool could
not be installed or failed to run.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_WORK = HERE / ".work"
DEFAULT_PAGE = "_capabilities/forecasting.md"
NPM_PACKAGES_REQUIRED = ["markdownlint-cli2"]
NPM_PACKAGES_OPTIONAL = ["remark-cli", "remark-validate-links"]

# markdownlint-cli2 options: every default rule on, nothing ignored, no
# .gitignore filtering. (The corpus has no .markdownlint* file of its own.)
MDL_CONFIG = {
    "config": {"default": True},
    "ignores": [],
    "gitignore": False,
    "noProgress": False,
}
# Globs for the whole-corpus run. The negated glob only keeps markdownlint-cli2
# out of any node_modules folder; the corpus has none, so it drops no page.
MDL_GLOBS = ["**/*.md", "#**/node_modules/**"]

TARGET_WHOLE = 4.0  # markdownlint-cli2 median / finops-lint median, at least
TARGET_PAGE = 0.5  # finops-lint median / markdownlint-cli2 median, at most


class BenchError(Exception):
    """A tool could not be installed or did not run properly."""


# --- installing the comparison tools -------------------------------------------


def _run_install(cmd: list[str], what: str) -> None:
    print(f"[bench] installing {what}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise BenchError(f"installing {what} failed (exit {proc.returncode}):\n{tail}")


def ensure_npm_tools(work: Path, want_remark: bool, install: bool) -> dict[str, Path | None]:
    bin_dir = work / "node_modules" / ".bin"
    mdl = bin_dir / "markdownlint-cli2"
    remark = bin_dir / "remark"
    validate = work / "node_modules" / "remark-validate-links" / "index.js"
    missing = [] if mdl.exists() else list(NPM_PACKAGES_REQUIRED)
    if want_remark and not (remark.exists() and validate.exists()):
        missing += NPM_PACKAGES_OPTIONAL
    if missing:
        if not install:
            raise BenchError(f"missing in {work}: {', '.join(missing)} (run without --no-install)")
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError("npm is not on PATH; it is needed to install markdownlint-cli2")
        work.mkdir(parents=True, exist_ok=True)
        try:
            _run_install(
                [npm, "install", "--prefix", str(work), "--no-audit", "--no-fund", *missing],
                "npm packages",
            )
        except BenchError:
            if not mdl.exists() and "markdownlint-cli2" in missing:
                # retry the required one alone, so a remark failure is not fatal
                _run_install(
                    [
                        npm,
                        "install",
                        "--prefix",
                        str(work),
                        "--no-audit",
                        "--no-fund",
                        "markdownlint-cli2",
                    ],
                    "markdownlint-cli2",
                )
    if not mdl.exists():
        raise BenchError(f"markdownlint-cli2 not found at {mdl} after install")
    have_remark = want_remark and remark.exists() and validate.exists()
    if want_remark and not have_remark:
        print(
            "[bench] remark-cli / remark-validate-links unavailable; skipping remark",
            file=sys.stderr,
        )
    return {
        "mdl": mdl,
        "remark": remark if have_remark else None,
        "validate": validate if have_remark else None,
    }


def ensure_pymarkdown(work: Path, install: bool) -> Path:
    venv = work / "venv"
    exe = (
        venv
        / ("Scripts" if os.name == "nt" else "bin")
        / ("pymarkdown.exe" if os.name == "nt" else "pymarkdown")
    )
    if exe.exists():
        return exe
    if not install:
        raise BenchError(f"pymarkdown missing at {exe} (run without --no-install)")
    work.mkdir(parents=True, exist_ok=True)
    if not (venv / "pyvenv.cfg").exists():
        _run_install([sys.executable, "-m", "venv", str(venv)], "a venv for pymarkdown")
    pip = venv / ("Scripts" if os.name == "nt" else "bin") / "pip"
    _run_install([str(pip), "install", "--quiet", "pymarkdownlnt"], "pymarkdownlnt (PyPI)")
    if not exe.exists():
        raise BenchError(f"pymarkdown not found at {exe} after install")
    return exe


def find_finops_lint(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    for cand in (
        ROOT / ".venv" / "bin" / "finops-lint",
        ROOT / ".venv" / "Scripts" / "finops-lint.exe",
    ):
        if cand.exists():
            return [str(cand)]
    found = shutil.which("finops-lint")
    if found:
        return [found]
    raise BenchError(
        "finops-lint not found: install the project (pip install -e .) or pass --finops-lint PATH"
    )


def find_corpus(explicit: str | None) -> Path:
    cands: list[Path] = []
    if explicit:
        cands.append(Path(explicit))
    else:
        env = os.environ.get("FINOPS_LINT_CORPUS")
        if env:
            cands.append(Path(env) / "finops-framework")
        cands.append(ROOT.parent / "shared" / "corpus" / "finops-framework")
    for cand in cands:
        if (cand / "_config.yml").is_file():
            return cand.resolve()
    raise BenchError(
        "corpus not found; tried " + ", ".join(str(c) for c in cands) + " (use --corpus PATH)"
    )


def tool_version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    out = (proc.stdout or proc.stderr).strip().splitlines()
    return out[0].strip() if out else "?"


# --- counting what each tool really linted --------------------------------------

_FL_SUMMARY = re.compile(r"(?:\bof|\bin) (\d+) files?\.?\s*$", re.M)
_MDL_LINTING = re.compile(r"^Linting: (\d+) file\(s\)", re.M)
_PYM_FILE = re.compile(r"^(.+?\.md):\d+:\d+: ", re.M)
_REMARK_FILE = re.compile(r"^(\S[^\n]*?\.md)(?::|$)", re.M)


def count_finops_lint(out: str, err: str) -> int:
    found = _FL_SUMMARY.findall(out + "\n" + err)
    if not found:
        raise BenchError("finops-lint printed no summary line ('... in N files.')")
    return int(found[-1])


def count_mdl(out: str, err: str) -> int:
    found = _MDL_LINTING.findall(out + "\n" + err)
    if not found:
        raise BenchError("markdownlint-cli2 printed no 'Linting: N file(s)' line")
    return int(found[-1])


def count_pymarkdown(out: str, err: str) -> int:
    # pymarkdown names a file only when it has a finding: this is a lower bound,
    # checked against `pymarkdown scan --list-files` once before timing.
    return len(set(_PYM_FILE.findall(out)))


def count_remark(out: str, err: str) -> int:
    return len(set(_REMARK_FILE.findall(err)))


# --- the runs ------------------------------------------------------------------


@dataclass
class Runner:
    tool: str
    argv: list[str]
    cwd: Path
    count: Callable[[str, str], int]
    ok_codes: tuple[int, ...] = (0, 1)
    times: list[float] = field(default_factory=list)
    #: user + system CPU seconds of the run and its child processes (less noisy than
    #: wall time on a loaded machine; counts every worker process of a parallel tool)
    cpu: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    expected_files: int | None = None
    note: str = ""

    def run_once(self, env: dict[str, str]) -> None:
        before = _children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.run(
            self.argv,
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        elapsed = time.perf_counter() - t0
        cpu = _children_cpu() - before
        if proc.returncode not in self.ok_codes:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
            raise BenchError(f"{self.tool} exited {proc.returncode}: {' '.join(self.argv)}\n{tail}")
        self.times.append(elapsed)
        self.cpu.append(cpu)
        self.counts.append(self.count(proc.stdout, proc.stderr))


def _children_cpu() -> float:
    """User + system CPU seconds of this process's waited-for children so far."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build_cases(
    args: argparse.Namespace,
    corpus: Path,
    fl: list[str],
    npm: dict[str, Path | None],
    pym: Path | None,
    work: Path,
) -> dict[str, list[Runner]]:
    page = corpus / args.page
    if not page.is_file():
        raise BenchError(f"page not found: {page}")
    mdl_cfg = work / "bench.markdownlint-cli2.jsonc"
    mdl_cfg.write_text(json.dumps(MDL_CONFIG, indent=2) + "\n", encoding="utf-8")
    mdl = str(npm["mdl"])
    whole = [
        Runner("finops-lint", [*fl, "check", str(corpus)], ROOT, count_finops_lint),
        Runner("markdownlint-cli2", [mdl, *MDL_GLOBS, "--config", str(mdl_cfg)], corpus, count_mdl),
    ]
    one = [
        Runner("finops-lint", [*fl, "check", str(page)], ROOT, count_finops_lint),
        Runner(
            "markdownlint-cli2", [mdl, ":" + args.page, "--config", str(mdl_cfg)], corpus, count_mdl
        ),
    ]
    for label, exe in args.compare:
        # another finops-lint (an older commit's venv): same rounds, same order
        tool = f"finops-lint@{label}"
        whole.append(Runner(tool, [exe, "check", str(corpus)], ROOT, count_finops_lint))
        one.append(Runner(tool, [exe, "check", str(page)], ROOT, count_finops_lint))
    if pym is not None:
        whole.append(
            Runner("pymarkdown", [str(pym), "scan", "-r", str(corpus)], ROOT, count_pymarkdown)
        )
        one.append(Runner("pymarkdown", [str(pym), "scan", str(page)], ROOT, count_pymarkdown))
    if npm["remark"] is not None:
        use = f"{npm['validate']}=repository:false"  # the corpus folder is not a git checkout
        base = [
            str(npm["remark"]),
            "--use",
            use,
            "--no-stdout",
            "--no-color",
            "--ignore-path",
            os.devnull,
        ]
        whole.append(Runner("remark+validate-links", [*base, "."], corpus, count_remark))
        one.append(
            Runner(
                "remark+validate-links",
                [*base, args.page],
                corpus,
                count_remark,
                note="validate-links sees only this file",
            )
        )
    return {"whole corpus": whole, "one page": one}


def expected_counts(
    cases: dict[str, list[Runner]], corpus: Path, pym: Path | None, md_files: int
) -> None:
    pym_listed = 0
    if pym is not None:
        listed = subprocess.run(
            [str(pym), "scan", "--list-files", "-r", str(corpus)], capture_output=True, text=True
        )
        pym_listed = len([ln for ln in listed.stdout.splitlines() if ln.strip()])
    for case, runners in cases.items():
        for r in runners:
            if case == "one page":
                r.expected_files = 1
            elif r.tool == "pymarkdown":
                r.expected_files = pym_listed
                r.note = f"--list-files: {pym_listed}; count = files with findings"
            elif r.tool.startswith("finops-lint"):
                r.expected_files = None  # every page incl. HTML pages with front matter
                r.note = f"all site pages ({md_files} .md + HTML pages with front matter)"
            else:
                r.expected_files = md_files


def summarize(r: Runner) -> dict:
    return {
        "argv": r.argv,
        "cwd": str(r.cwd),
        "times": [round(t, 4) for t in r.times],
        "cpu": [round(t, 4) for t in r.cpu],
        "cpu_median": statistics.median(r.cpu) if r.cpu else None,
        "median": statistics.median(r.times),
        "min": min(r.times),
        "max": max(r.times),
        "files": sorted(set(r.counts)),
        "expected_files": r.expected_files,
        "note": r.note,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="paired runs per case (default 7)")
    ap.add_argument(
        "--corpus",
        help="site folder (default: ../shared/corpus/finops-framework or "
        "$FINOPS_LINT_CORPUS/finops-framework)",
    )
    ap.add_argument(
        "--page", default=DEFAULT_PAGE, help=f"page for the one-page case (default {DEFAULT_PAGE})"
    )
    ap.add_argument("--json", metavar="FILE", help="also write the numbers to FILE as JSON")
    ap.add_argument(
        "--work", default=str(DEFAULT_WORK), help="where the comparison tools live (bench/.work)"
    )
    ap.add_argument(
        "--finops-lint",
        dest="finops_lint",
        help="finops-lint executable (default: .venv/bin/finops-lint)",
    )
    ap.add_argument(
        "--no-remark", action="store_true", help="skip remark-cli + remark-validate-links"
    )
    ap.add_argument("--no-pymarkdown", action="store_true", help="skip pymarkdown")
    ap.add_argument(
        "--with-cache",
        action="store_true",
        help="let finops-lint use its result cache (default: FINOPS_LINT_NO_CACHE=1, cold runs)",
    )
    ap.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="also time this finops-lint executable (e.g. an older commit's venv) in the same "
        "rounds, reported as finops-lint@LABEL; repeatable",
    )
    ap.add_argument(
        "--no-install", action="store_true", help="fail instead of installing missing tools"
    )
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up round")
    ap.add_argument(
        "--no-bytecode",
        action="store_true",
        help="keep the caller's PYTHONDONTWRITEBYTECODE / pycache settings for the Python tools",
    )
    ap.add_argument("--cases", default="whole,page", help="comma list of: whole, page")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    compare = []
    for item in args.compare:
        label, sep, exe = item.partition("=")
        if not sep or not label or not exe:
            ap.error(f"--compare wants LABEL=PATH, got {item!r}")
        compare.append((label, exe))
    args.compare = compare

    try:
        corpus = find_corpus(args.corpus)
        fl = find_finops_lint(args.finops_lint)
        work = Path(args.work).resolve()
        npm = ensure_npm_tools(work, not args.no_remark, not args.no_install)
        pym = None if args.no_pymarkdown else ensure_pymarkdown(work, not args.no_install)
        md_files = sum(1 for p in corpus.rglob("*.md") if "node_modules" not in p.parts)
        cases = build_cases(args, corpus, fl, npm, pym, work)
        wanted = {c.strip() for c in args.cases.split(",")}
        cases = {
            k: v for k, v in cases.items() if ("whole" if k == "whole corpus" else "page") in wanted
        }
        expected_counts(cases, corpus, pym, md_files)

        versions = {
            "finops-lint": tool_version([*fl, "--version"]),
            "markdownlint-cli2": tool_version([str(npm["mdl"]), "--help"]),
        }
        for label, exe in args.compare:
            versions[f"finops-lint@{label}"] = tool_version([exe, "--version"])
        if pym is not None:
            versions["pymarkdown"] = tool_version([str(pym), "version"])
        if npm["remark"] is not None:
            versions["remark+validate-links"] = tool_version([str(npm["remark"]), "--version"])

        env = dict(os.environ, NO_COLOR="1", FORCE_COLOR="0")
        env.pop("FINOPS_LINT_CACHE", None)
        env.pop("FINOPS_LINT_CACHE_DIR", None)
        if not args.with_cache:
            # Cold runs: no result cache read, none written (finops-lint would write
            # .finops-lint-cache/ into the corpus, read-only or not when run as root).
            env["FINOPS_LINT_NO_CACHE"] = "1"
        if not args.no_bytecode:
            # Python tools (finops-lint, pymarkdown) run with byte code, as after a
            # normal pip install. PYTHONDONTWRITEBYTECODE (set in some sandboxes and
            # CI images) would make every run recompile an editable install's
            # sources; the prefix keeps the .pyc files inside bench/.work/.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        print(f"corpus: {corpus} ({md_files} .md files)")
        print(
            f"runs: {args.runs} paired rounds per case"
            + ("" if args.no_warmup else " (+1 untimed warm-up round)")
        )
        print(
            "python byte code: "
            + ("as the caller set it" if args.no_bytecode else f"cached in {work / 'pycache'}")
        )
        load_start = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
        print(
            f"host: {platform.platform()}, {os.cpu_count()} CPUs, "
            f"load average at start: {load_start}"
        )
        for k, v in versions.items():
            print(f"  {k}: {v}")
        print()

        for case, runners in cases.items():
            if not args.no_warmup:
                for r in runners:
                    r.run_once(env)
                    r.times.clear()
                    r.cpu.clear()
            for i in range(args.runs):
                for r in runners:
                    r.run_once(env)
                line = "  ".join(f"{r.tool} {r.times[-1]:.2f}s" for r in runners)
                print(f"[{case}] round {i + 1}/{args.runs}: {line}", file=sys.stderr, flush=True)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2

    # --- report -----------------------------------------------------------------
    results: dict[str, dict] = {}
    problems: list[str] = []
    hdr = (
        f"{'case':<13} {'tool':<22} {'files':>6} {'median s':>9} {'min s':>7} {'max s':>7} "
        f"{'theirs/ours':>12} {'paired':>7} {'cpu s':>7}"
    )
    print(hdr)
    print("-" * len(hdr))
    for case, runners in cases.items():
        ours = runners[0]
        results[case] = {}
        for r in runners:
            s = summarize(r)
            if len(s["files"]) != 1:
                problems.append(
                    f"{r.tool} ({case}) linted a different number of files across runs: "
                    f"{s['files']}"
                )
            if r.expected_files is not None and s["files"] and s["files"][0] != r.expected_files:
                problems.append(
                    f"{r.tool} ({case}) linted {s['files'][0]} files, expected {r.expected_files}"
                )
            if r is ours:
                ratio = paired = None
                rtxt = ptxt = "-"
            else:
                ratio = s["median"] / statistics.median(ours.times)
                paired = statistics.median(t / o for t, o in zip(r.times, ours.times, strict=True))
                rtxt, ptxt = f"{ratio:.2f}x", f"{paired:.2f}x"
            s["ratio_vs_finops_lint"] = ratio
            s["paired_ratio_median"] = paired
            results[case][r.tool] = s
            files = "/".join(str(f) for f in s["files"])
            print(
                f"{case:<13} {r.tool:<22} {files:>6} {s['median']:>9.3f} "
                f"{s['min']:>7.3f} {s['max']:>7.3f} "
                f"{rtxt:>12} {ptxt:>7} {s['cpu_median']:>7.3f}"
            )
    print()
    print("theirs/ours = their median / finops-lint's median; paired = median of per-round ratios.")
    print("cpu s: median user + system CPU time of the run and its child processes.")
    print("files: finops-lint counts every site page it checked (.md and HTML with front matter);")
    print("       pymarkdown counts files named in its findings (it lists no clean files).")
    for case, runners in cases.items():
        for r in runners:
            if r.note:
                print(f"  note [{case}] {r.tool}: {r.note}")
    print()

    targets = {}
    if "whole corpus" in results and "markdownlint-cli2" in results["whole corpus"]:
        ratio = results["whole corpus"]["markdownlint-cli2"]["ratio_vs_finops_lint"]
        ok = ratio >= TARGET_WHOLE
        targets["whole_corpus_speedup_vs_markdownlint_cli2"] = {
            "target": f">= {TARGET_WHOLE}x",
            "value": ratio,
            "met": ok,
        }
        print(
            f"target  whole corpus: finops-lint >= {TARGET_WHOLE:.0f}x faster than "
            "markdownlint-cli2 "
            f"(median): {ratio:.2f}x  -> {'MET' if ok else 'NOT MET'}"
        )
    if "one page" in results and "markdownlint-cli2" in results["one page"]:
        ours_m = results["one page"]["finops-lint"]["median"]
        theirs_m = results["one page"]["markdownlint-cli2"]["median"]
        frac = ours_m / theirs_m
        ok = frac <= TARGET_PAGE
        targets["one_page_fraction_of_markdownlint_cli2"] = {
            "target": f"<= {TARGET_PAGE}",
            "value": frac,
            "met": ok,
        }
        print(
            f"target  one page:     finops-lint <= half of markdownlint-cli2's time (median): "
            f"{ours_m:.3f}s / {theirs_m:.3f}s = {frac:.2f}  -> {'MET' if ok else 'NOT MET'}"
        )
    for p in problems:
        print(f"WARNING: {p}")

    if args.json:
        doc = {
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "host": {
                "platform": platform.platform(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            "corpus": str(corpus),
            "md_files": md_files,
            "page": args.page,
            "runs": args.runs,
            "warmup": not args.no_warmup,
            "bytecode_cached": not args.no_bytecode,
            "loadavg_start": load_start,
            "loadavg_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "versions": versions,
            "cases": results,
            "targets": targets,
            "problems": problems,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
