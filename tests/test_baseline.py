"""The baseline on a copy of the real corpus: legacy findings accepted, new ones refused.

After `finops-lint baseline`, a clean edit to a page with legacy findings passes,
a new placeholder row on that page is refused, moving a baselined paragraph keeps
it baselined, and a fixed finding is reported as removable, never as a failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from finops_lint.baseline import BASELINE_FILENAME, fingerprint, normalise_message
from finops_lint.cli import main

from .corpus import corpus_root
from .oracle.jekyll import writable_copy


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One baselined copy of the corpus per module; each test gets its own copy of it."""
    site = writable_copy(corpus_root() / "finops-framework", tmp_path_factory.mktemp("bl") / "site")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(site)
        mp.delenv("FINOPS_LINT_CONFIG", raising=False)
        before = cli("check", "--format", "json")
        assert before.exit_code == 1, before.output
        written = cli("baseline")
        assert written.exit_code == 0, written.output
    total = json.loads(before.stdout)["summary"]["findings"]
    assert f"wrote {BASELINE_FILENAME}: {total} findings" in written.output
    return site


@pytest.fixture
def site(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = writable_copy(pristine, tmp_path / "site")
    monkeypatch.chdir(copy)
    yield copy


def _entries(site: Path) -> list[dict[str, object]]:
    data = json.loads((site / BASELINE_FILENAME).read_text(encoding="utf-8"))
    entries: list[dict[str, object]] = data["findings"]
    return entries


def _legacy_page(site: Path) -> tuple[str, dict[str, object]]:
    """A capability page whose baseline holds a template-text finding (PH005) in its body."""
    for entry in _entries(site):
        if entry["code"] == "PH005" and str(entry["path"]).startswith("_capabilities/"):
            return str(entry["path"]), entry
    raise AssertionError("the corpus baseline has no PH005 finding on a capability page")


def test_the_whole_site_passes_after_baseline(site: Path) -> None:
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert "No new problems found in" in result.stdout
    assert "more in the baseline)" in result.stdout
    shown = cli("check", "--no-baseline")
    assert shown.exit_code == 1


def test_a_clean_edit_to_a_page_with_legacy_findings_passes(site: Path) -> None:
    page, _ = _legacy_page(site)
    assert cli("check", page, "--no-baseline").exit_code == 1  # it has legacy errors
    path = site / page
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    h1 = next(i for i, line in enumerate(lines) if line.startswith("# "))
    # New prose right under the title shifts every finding below it.
    lines.insert(h1 + 1, "\nA new sentence from this commit, with a [link](#domains).\n")
    lines.append("\nAnd a closing paragraph.\n")
    path.write_text("".join(lines), encoding="utf-8")
    result = cli("check", page)
    assert result.exit_code == 0, result.output
    assert "No new problems found in 1 file (" in result.stdout


def test_a_new_placeholder_row_on_that_page_is_refused(site: Path) -> None:
    page, _ = _legacy_page(site)
    path = site / page
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n| Level | Notes |\n| --- | --- |\n| hello | world |\n", "utf-8")
    row = len((text + "\n| Level | Notes |\n| --- | --- |\n").splitlines()) + 1
    result = cli("check", page, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [(f["code"], f["line"]) for f in data["findings"]] == [("PH001", row)]
    assert data["summary"]["baselined"] > 0


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) 0-based line indexes of each run of non-blank lines."""
    out: list[tuple[int, int]] = []
    start = None
    for i, line in enumerate([*lines, "\n"]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def test_moving_a_paragraph_keeps_its_findings_baselined(site: Path) -> None:
    """Swap a baselined paragraph with the plain paragraph before it (same section)."""
    page, _ = _legacy_page(site)
    path = site / page
    found = cli("check", page, "--no-baseline", "--format", "json")
    before = sorted(
        (f["code"], normalise_message(f["message"])) for f in json.loads(found.stdout)["findings"]
    )
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    blocks = _blocks(lines)
    lines_with_findings = {f["line"] - 1 for f in json.loads(found.stdout)["findings"]}
    for i in range(1, len(blocks)):
        (a0, a1), (b0, b1) = blocks[i - 1], blocks[i]
        while a0 <= a1 and lines[a0].startswith("#"):  # keep the section's heading
            a0 += 1
        prev_clean = not any(a0 <= n <= a1 for n in lines_with_findings)
        has_finding = any(b0 <= n <= b1 for n in lines_with_findings)
        plain = a0 <= a1 and not lines[a0].startswith(("---", "{%", "<!--", ">", "*", "|"))
        if plain and prev_clean and has_finding:
            break
    else:
        raise AssertionError("no baselined paragraph after a plain paragraph")
    if not lines[a1].endswith("\n"):
        lines[a1] += "\n"
    swapped = lines[:a0] + lines[b0 : b1 + 1] + lines[a1 + 1 : b0] + lines[a0 : a1 + 1]
    path.write_text("".join(swapped + lines[b1 + 1 :]), encoding="utf-8")
    moved = cli("check", page, "--no-baseline", "--format", "json")
    after = json.loads(moved.stdout)["findings"]
    assert sorted((f["code"], normalise_message(f["message"])) for f in after) == before
    assert {f["line"] - 1 for f in after} != lines_with_findings  # ...on other lines
    result = cli("check", page)
    assert result.exit_code == 0, result.output
    assert "fixed" not in result.output


def test_a_second_copy_of_a_baselined_problem_is_new(site: Path) -> None:
    page, entry = _legacy_page(site)
    path = site / page
    found = cli("check", page, "--no-baseline", "--select", "PH005", "--format", "json")
    target = next(
        f for f in json.loads(found.stdout)["findings"] if f["message"] == entry["message"]
    )
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    copy = lines[target["line"] - 1]
    path.write_text("".join(lines) + "\n" + copy, encoding="utf-8")
    result = cli("check", page, "--select", "PH005", "--format", "json")
    assert result.exit_code == 1, result.output
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["PH005"]


def test_a_fixed_finding_is_removable_not_a_failure(site: Path) -> None:
    page, entry = _legacy_page(site)
    path = site / page
    found = cli("check", page, "--no-baseline", "--select", "PH005", "--format", "json")
    target = next(
        f for f in json.loads(found.stdout)["findings"] if f["message"] == entry["message"]
    )
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # The author replaces the template paragraph (every line of it) with real text.
    first, last = next((a, b) for a, b in _blocks(lines) if a <= target["line"] - 1 <= b)
    while lines[first].startswith("#"):
        first += 1
    lines[first : last + 1] = ["Text the author wrote for this capability.\n"]
    path.write_text("".join(lines), encoding="utf-8")
    gone = len(found_lines := json.loads(found.stdout)["findings"]) - len(
        json.loads(
            cli("check", page, "--no-baseline", "--select", "PH005", "--format", "json").stdout
        )["findings"]
    )
    assert 0 < gone <= len(found_lines)
    result = cli("check", page)
    assert result.exit_code == 0, result.output
    plural = "s are" if gone != 1 else " is"
    assert f"{gone} baselined finding{plural} fixed: `finops-lint baseline --prune` removes" in (
        result.output
    )
    before = sum(int(str(e["count"])) for e in _entries(site))
    pruned = cli("baseline", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert f"pruned {gone} fixed finding" in pruned.output
    assert sum(int(str(e["count"])) for e in _entries(site)) == before - gone
    again = cli("check", page)
    assert again.exit_code == 0 and "fixed" not in again.output


def test_prune_never_adds_new_findings(site: Path) -> None:
    page, _ = _legacy_page(site)
    path = site / page
    path.write_text(path.read_text("utf-8") + "\n| a | b |\n| - | - |\n| foo | bar |\n", "utf-8")
    pruned = cli("baseline", "--prune")
    assert pruned.exit_code == 0
    assert "1 new findings are not added" in pruned.output
    assert cli("check", page).exit_code == 1


def test_a_named_baseline_file_and_errors(site: Path) -> None:
    (site / BASELINE_FILENAME).rename(site / "legacy.json")
    assert cli("check").exit_code == 1  # none found
    assert cli("check", "--baseline", "legacy.json").exit_code == 0
    missing = cli("check", "--baseline", "nope.json")
    assert missing.exit_code == 2
    assert "baseline error: " in missing.output and "nope.json" in missing.output
    (site / "bad.json").write_text("{not json", encoding="utf-8")
    bad = cli("check", "--baseline", "bad.json")
    assert bad.exit_code == 2 and "bad.json:1: the baseline is not valid JSON" in bad.output


def test_fingerprints_ignore_line_numbers_and_spacing() -> None:
    a = fingerprint("HD002", "p.md", "# Second  title", "the first is at line 3; use '##'")
    b = fingerprint("HD002", "p.md", "  # Second title", "the first is at line 9; use '##'")
    assert a == b
    assert a != fingerprint("HD002", "q.md", "# Second title", "the first is at line 3; use '##'")
    assert a != fingerprint("HD002", "p.md", "# Third title", "the first is at line 3; use '##'")
    assert a != fingerprint("HD003", "p.md", "# Second title", "the first is at line 3; use '##'")
