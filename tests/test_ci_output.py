"""Output a CI user expects: --statistics as JSON, --exit-zero, the github format's
summary line, annotation cap and job summary, help URIs in SARIF and JSON, and
`explain` readable on a terminal."""

from __future__ import annotations

import json
from pathlib import Path

from finops_lint.findings import Finding, Severity
from finops_lint.report.github import ANNOTATIONS_PER_KIND, job_summary, render_github
from finops_lint.report.terminal import render_markdown
from finops_lint.rules.base import all_rules

from .conftest import Site

PLACEHOLDER_ROWS = "---\ntitle: P\n---\n\n| a | b |\n| - | - |\n" + "| foo | bar |\n" * 3


def test_statistics_as_json(site: Site) -> None:
    site.write("p.md", PLACEHOLDER_ROWS)
    result = site.cli("check", "p.md", "--statistics", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    (row,) = [r for r in data["statistics"] if r["code"] == "PH001"]
    assert row["count"] == 3 and row["rule"] == "placeholder-row"
    assert row["help_uri"].endswith("docs/rules.md#ph001-placeholder-row")
    assert data["summary"]["findings"] == sum(r["count"] for r in data["statistics"])


def test_statistics_refuses_formats_it_does_not_fit(site: Site) -> None:
    result = site.cli("check", "--statistics", "--format", "sarif")
    assert result.exit_code == 2
    assert "--statistics prints text or JSON, not sarif" in result.output


def test_exit_zero_keeps_the_report(site: Site) -> None:
    site.write("p.md", PLACEHOLDER_ROWS)
    result = site.cli("check", "p.md", "--exit-zero")
    assert result.exit_code == 0
    assert "PH001" in result.stdout
    assert site.cli("check", "p.md").exit_code == 1
    assert site.cli("check", "--exit-zero", "--select", "PH01").exit_code == 2  # still an error


def _findings(n: int, severity: Severity) -> list[Finding]:
    return [
        Finding(f"p{i:02}.md", i + 1, 1, "PH001", "placeholder-row", severity, f"row {i}")
        for i in range(n)
    ]


def test_github_caps_annotations_per_kind_and_says_so() -> None:
    findings = _findings(ANNOTATIONS_PER_KIND + 2, Severity.ERROR) + _findings(3, Severity.WARNING)
    lines = render_github(findings, 20).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == ANNOTATIONS_PER_KIND and len(warnings) == 3
    plain = [line for line in lines if not line.startswith("::")]
    assert plain[:2] == [
        "p10.md:11:1: PH001 row 10 [placeholder-row]",
        "p11.md:12:1: PH001 row 11 [placeholder-row]",
    ]
    assert plain[-1] == (
        "Found 15 problems (12 errors, 3 warnings) in 12 of 20 files. GitHub shows 10 "
        "annotations of each kind per step: 2 more findings are in this log and the job "
        "summary, not on the diff."
    )
    assert render_github([], 4) == "No problems found in 4 files.\n"


def test_github_job_summary_under_actions(site: Site, tmp_path: Path) -> None:
    site.write("p.md", PLACEHOLDER_ROWS)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = site.cli(
        "check", "p.md", "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].startswith("Found 3 problems (3 errors")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## finops-lint\n")  # appended, not replaced
    assert "| [PH001 placeholder-row](https://" in text and "#ph001-placeholder-row) |" in text
    assert "| `p.md:7:3` | PH001 | table row" in text


def test_job_summary_lists_a_bounded_number_of_findings() -> None:
    text = job_summary(_findings(5, Severity.ERROR), 5, limit=2)
    assert text.count("| PH001 |") == 2
    assert "... and 3 more (the log has every one)." in text


def test_sarif_and_json_carry_each_rules_help_uri(site: Site) -> None:
    site.write("p.md", PLACEHOLDER_ROWS)
    sarif = json.loads(site.cli("check", "p.md", "--format", "sarif").stdout)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["helpUri"] for r in rules}["PH001"].endswith("#ph001-placeholder-row")
    assert all(r["helpUri"].startswith("https://") for r in rules)
    code, data = site.cli_json("p.md")
    assert code == 1
    assert {f["help_uri"] for f in data["findings"]} == {
        next(r.help_uri for r in all_rules() if r.code == "PH001")
    }


def test_explain_is_readable_text_without_markup(site: Site) -> None:
    result = site.cli("explain", "TB001", env={"NO_COLOR": "1"})
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("TB001 row-cell-count\n====")
    assert "**" not in out and "```" not in out and "\x1b[" not in out
    assert "\nBad:\n    | Level | Characteristics | Measures |\n" in out  # code indented
    assert "Docs: https://" in out
    raw = site.cli("explain", "TB001", "--format", "markdown").stdout
    assert raw.startswith("# TB001 row-cell-count\n") and "**Bad:**" in raw
    colored = site.cli("explain", "TB001", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[1mBad:\x1b[0m" in colored


def test_explain_unknown_code_suggests_one(site: Site) -> None:
    result = site.cli("explain", "TB01")
    assert result.exit_code == 2
    assert "did you mean TB001" in result.output


def test_terminal_markdown_rules() -> None:
    md = "## Title\n\nSee [the docs](https://x.test/) and `a_b` in *this* **page**.\n"
    assert render_markdown(md, color=False) == (
        "Title\n-----\n\nSee the docs (https://x.test/) and `a_b` in this page.\n"
    )
