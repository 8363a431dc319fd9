"""The baseline: findings a site already had, accepted so that only new ones fail.

``finops-lint baseline`` writes ``.finops-lint-baseline.json`` at the site root;
``check`` finds it like the config (walking up from the paths given), reports only
findings that are not in it, and says how many were baselined and how many
baselined findings are gone (``baseline --prune`` removes those).

A finding is identified by a fingerprint, not by its line number: a hash of its
code, its path from the site root, the text of its source line with whitespace
collapsed, and its message with line numbers taken out. Edits elsewhere in the
page, or moving the paragraph, keep it baselined; a second identical problem on
the page is new (each fingerprint has a count). Internal errors (IN001) are never
baselined.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops_lint.filenames import BASELINE_FILENAME
from finops_lint.findings import INTERNAL_ERROR, Finding

VERSION = 1

_LINE_NUMBER = re.compile(r"\b(lines?) \d+(?:[-–]\d+)?")


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a finops-lint baseline."""


@dataclass
class Entry:
    path: str  # from the site root, POSIX
    code: str
    fingerprint: str
    count: int
    message: str  # for people reading the file


@dataclass
class Outcome:
    """What a baseline did to a run's findings."""

    new: list[Finding]
    baselined: int = 0
    #: baselined findings no longer found, in the files and rules this run checked
    fixed: list[Entry] = field(default_factory=list)

    @property
    def fixed_count(self) -> int:
        return sum(e.count for e in self.fixed)


def find_baseline(start: Path) -> Path | None:
    """Walk up from start (like the config) to the nearest baseline file."""
    start = start if start.is_absolute() else Path.cwd() / start
    current = start if start.is_dir() else start.parent
    for folder in (current, *current.parents):
        candidate = folder / BASELINE_FILENAME
        if candidate.is_file():
            return candidate
    return None


class _Sources:
    """The text of each page's lines, read once per page."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def line(self, path: Path, number: int) -> str:
        key = str(path)
        lines = self._lines.get(key)
        if lines is None:
            try:
                lines = path.read_bytes().decode("utf-8", "replace").splitlines()
            except OSError:
                lines = []
            self._lines[key] = lines
        return lines[number - 1] if 0 < number <= len(lines) else ""


def normalise_message(message: str) -> str:
    """The message without line numbers ("at line 12", "lines 95-97" -> "line N")."""
    return _LINE_NUMBER.sub(r"\1 N", message)


def fingerprint(code: str, rel_path: str, source_line: str, message: str) -> str:
    text = "\0".join([code, rel_path, " ".join(source_line.split()), normalise_message(message)])
    import hashlib  # not for finding the baseline file (every check run does that)

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def site_path(finding_path: str, root: Path, cwd: Path) -> str:
    """A finding's path (as shown, from cwd) as a POSIX path from the site root."""
    absolute = Path(os.path.normpath(cwd / finding_path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return Path(finding_path).as_posix()


def _keyed(findings: Iterable[Finding], root: Path, cwd: Path) -> list[tuple[Finding, str, str]]:
    """(finding, site path, fingerprint) of each finding, in order."""
    sources = _Sources()
    out = []
    for f in findings:
        rel = site_path(f.path, root, cwd)
        line = sources.line(root / rel, f.line)
        out.append((f, rel, fingerprint(f.code, rel, line, f.message)))
    return out


def entries_for(findings: Iterable[Finding], root: Path, cwd: Path) -> list[Entry]:
    """The baseline entries of these findings (IN001 left out)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    messages: dict[tuple[str, str, str], str] = {}
    for f, rel, fp in _keyed((f for f in findings if f.code != INTERNAL_ERROR), root, cwd):
        key = (rel, f.code, fp)
        counts[key] += 1
        messages.setdefault(key, f.message)
    return sorted(
        (
            Entry(rel, code, fp, n, messages[(rel, code, fp)])
            for (rel, code, fp), n in counts.items()
        ),
        key=lambda e: (e.path, e.code, e.message, e.fingerprint),
    )


def load(path: Path) -> list[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{path}:{exc.lineno}: the baseline is not valid JSON ({exc.msg}); "
            "write it again with `finops-lint baseline`"
        ) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise BaselineError(
            f"{path}: not a finops-lint baseline (version {VERSION}); "
            "write it again with `finops-lint baseline`"
        )
    entries = []
    for item in data.get("findings") or []:
        try:
            entries.append(
                Entry(
                    str(item["path"]),
                    str(item["code"]),
                    str(item["fingerprint"]),
                    int(item.get("count", 1)),
                    str(item.get("message", "")),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise BaselineError(
                f"{path}: an entry lacks path, code or fingerprint: {item!r}"
            ) from None
    return entries


def dumps(entries: list[Entry]) -> str:
    data: dict[str, Any] = {
        "version": VERSION,
        "comment": "Findings accepted by `finops-lint baseline`; `finops-lint check` reports "
        "only findings not listed here. Regenerate with `finops-lint baseline`, drop fixed "
        "ones with `finops-lint baseline --prune`.",
        "findings": [
            {
                "path": e.path,
                "code": e.code,
                "fingerprint": e.fingerprint,
                "count": e.count,
                "message": e.message,
            }
            for e in entries
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, entries: list[Entry]) -> None:
    """Write atomically (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(entries), encoding="utf-8")
    os.replace(tmp, path)


def apply(
    findings: list[Finding],
    entries: list[Entry],
    root: Path,
    cwd: Path,
    *,
    checked: Iterable[str],
    codes: Iterable[str],
) -> Outcome:
    """Split findings into new ones and baselined ones.

    ``checked`` are the paths (as shown) this run checked and ``codes`` the rules it
    ran: only baselined findings of those can be called fixed.
    """
    allowed: dict[tuple[str, str], int] = {}
    for e in entries:
        allowed[(e.path, e.fingerprint)] = allowed.get((e.path, e.fingerprint), 0) + e.count
    used: Counter[tuple[str, str]] = Counter()
    outcome = Outcome(new=[])
    for f, rel, fp in _keyed(findings, root, cwd):
        key = (rel, fp)
        if f.code != INTERNAL_ERROR and used[key] < allowed.get(key, 0):
            used[key] += 1
            outcome.baselined += 1
        else:
            outcome.new.append(f)
    checked_rel = {site_path(p, root, cwd) for p in checked}
    ran = set(codes)
    for e in entries:
        key = (e.path, e.fingerprint)
        if e.path not in checked_rel or e.code not in ran:
            continue
        gone = min(e.count, allowed[key] - used[key])
        if gone > 0:
            used[key] += gone  # a fingerprint listed twice is counted once
            outcome.fixed.append(Entry(e.path, e.code, e.fingerprint, gone, e.message))
    return outcome


def prune(entries: list[Entry], fixed: list[Entry]) -> list[Entry]:
    """The entries without the fixed findings."""
    gone = Counter({(e.path, e.fingerprint): e.count for e in fixed})
    out = []
    for e in entries:
        key = (e.path, e.fingerprint)
        drop = min(e.count, gone[key])
        gone[key] -= drop
        if e.count - drop > 0:
            out.append(Entry(e.path, e.code, e.fingerprint, e.count - drop, e.message))
    return out


def write_command(
    path: Path | None,
    *,
    config_path: Path | None = None,
    root: Path | None = None,
    baseline_file: Path | None = None,
    prune_only: bool = False,
) -> tuple[int, list[str]]:
    """`finops-lint baseline`: check the whole site and write (or prune) the baseline.

    Returns the exit code and the lines to print. Raises ConfigError/UsageError
    like a check.
    """
    from finops_lint.engine import RunOptions, find_site_root, run

    start = path or Path(".")
    start = start if start.is_absolute() else Path.cwd() / start
    site_root = (root or find_site_root(start)).resolve()
    result = run(RunOptions(paths=[site_root], root=site_root, config_path=config_path))
    target = baseline_file or find_baseline(start) or site_root / BASELINE_FILENAME
    shown = _shown(target)
    lines = list(result.notices)
    cwd = Path.cwd()
    if result.internal_errors:
        lines.append(
            f"{result.internal_errors} internal error(s) (IN001) are never baselined; "
            "`finops-lint check` shows them"
        )
    if prune_only:
        if not target.is_file():
            return 2, [*lines, f"no baseline to prune at {shown}"]
        entries = load(target)
        outcome = apply(
            result.findings,
            entries,
            site_root,
            cwd,
            checked=result.checked,
            codes=[r.code for r in result.rules],
        )
        kept = prune(entries, outcome.fixed)
        write(target, kept)
        gone = outcome.fixed_count
        lines.append(
            f"pruned {gone} fixed finding{'s' if gone != 1 else ''} from {shown}; "
            f"{sum(e.count for e in kept)} remain"
            + (f" ({len(outcome.new)} new findings are not added)" if outcome.new else "")
        )
        return 0, lines
    entries = entries_for(result.findings, site_root, cwd)
    previous = sum(e.count for e in load(target)) if target.is_file() else None
    write(target, entries)
    total = sum(e.count for e in entries)
    files = len({e.path for e in entries})
    was = f" (it held {previous})" if previous is not None else ""
    lines.append(
        f"wrote {shown}: {total} finding{'s' if total != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}{was}; `finops-lint check` now reports only new ones"
    )
    return 0, lines


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
