"""`check --fix`, `--fix-only` and `--diff`: what the fixable rules rewrite, and
that nothing else in the file changes (BOM, line endings, other text), writes
are atomic, and a second run finds nothing left to fix."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from finops_lint.findings import Finding, Fix, Severity
from finops_lint.fix import apply_fixes
from finops_lint.rules.base import all_rules
from tests.conftest import Site, page

FORECASTING = "/framework/capabilities/forecasting/"

#: Body lines with one finding of each fixable rule (HD004, LK006, LK007).
BROKEN_BODY = [
    "",
    "# Title",
    "",
    "##Inputs",
    "",
    "See [the foundation](www.finops.org/about) and [old](/old/#crawl).",
    "Also [abs](https://www.finops.org/old/) and [kept](/framework/nothing/).",
]
FIXED_BODY = [
    "",
    "# Title",
    "",
    "## Inputs",
    "",
    f"See [the foundation](https://www.finops.org/about) and [old]({FORECASTING}#crawl).",
    f"Also [abs](https://www.finops.org{FORECASTING}) and [kept](/framework/nothing/).",
]


def _page(lines: list[str], eol: str = "\n") -> str:
    return page("\n".join(lines) + "\n").replace("\n", eol)


@pytest.fixture
def redirect_site(framework_site: Site) -> Site:
    framework_site.write("_redirects", f"/old/ {FORECASTING} 301\n")
    return framework_site


def test_fixable_rules_are_marked() -> None:
    fixable = {r.code for r in all_rules() if r.fixable}
    assert {"HD004", "LK006", "LK007"} <= fixable
    # rules whose findings need a person's judgement are not fixable
    assert not fixable & {"LK001", "LK002", "PH001", "TB001", "FM003", "SC001"}


def test_fix_rewrites_and_a_second_run_changes_nothing(redirect_site: Site) -> None:
    redirect_site.write("p.md", _page(BROKEN_BODY))
    first = redirect_site.cli("check", "--fix", "p.md")
    assert (redirect_site.root / "p.md").read_text(encoding="utf-8") == _page(FIXED_BODY)
    assert "fixed 4 problems in 1 file" in first.output
    # what is left is reported: the broken link has no safe fix
    assert "LK001" in first.output and "HD004" not in first.output
    assert first.exit_code == 1
    before = (redirect_site.root / "p.md").read_bytes()
    second = redirect_site.cli("check", "--fix", "p.md")
    assert "fixed" not in second.output
    assert (redirect_site.root / "p.md").read_bytes() == before
    assert redirect_site.cli("check", "--diff", "p.md").exit_code == 0


@pytest.mark.parametrize("eol", ["\r\n", "\r", "\n"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_fix_keeps_bom_and_line_endings(redirect_site: Site, eol: str, bom: bytes) -> None:
    original = bom + _page(BROKEN_BODY, eol).encode("utf-8")
    redirect_site.write_bytes("p.md", original)
    redirect_site.cli("check", "--fix-only", "p.md")
    expected = bom + _page(FIXED_BODY, eol).encode("utf-8")
    assert (redirect_site.root / "p.md").read_bytes() == expected


def test_fix_keeps_mixed_line_endings_and_a_missing_final_newline(redirect_site: Site) -> None:
    text = "---\r\ntitle: A\n---\r\n\r# T\n\n##Inputs\r\nend"
    redirect_site.write_bytes("p.md", text.encode("utf-8"))
    result = redirect_site.cli("check", "--fix-only", "p.md")
    assert result.exit_code == 0, result.output
    fixed = "---\r\ntitle: A\n---\r\n\r# T\n\n## Inputs\r\nend"
    assert (redirect_site.root / "p.md").read_bytes() == fixed.encode("utf-8")


def test_diff_previews_and_writes_nothing(redirect_site: Site) -> None:
    redirect_site.write("p.md", _page(BROKEN_BODY))
    before = (redirect_site.root / "p.md").read_bytes()
    result = redirect_site.cli("check", "--diff", "p.md")
    assert result.exit_code == 1
    assert (redirect_site.root / "p.md").read_bytes() == before
    assert "--- a/p.md\n+++ b/p.md\n" in result.output
    assert "-##Inputs\n+## Inputs\n" in result.output
    assert "would fix 4 problems in 1 file" in result.output


def test_fix_only_exits_0_and_says_what_it_fixed(redirect_site: Site) -> None:
    redirect_site.write("p.md", _page(BROKEN_BODY))
    result = redirect_site.cli("check", "--fix-only", "p.md")
    assert result.exit_code == 0
    assert "fixed p.md:7:1: HD004" in result.output
    assert "LK001" not in result.output


def test_unsafe_redirect_targets_are_reported_but_not_rewritten(redirect_site: Site) -> None:
    body = [
        "",
        "# T",
        "",
        "[liquid]({{ site.baseurl }}/old/) [query](/old/?x=1) [angle](</old/>)",
    ]
    redirect_site.write("p.md", _page(body))
    result = redirect_site.cli("check", "--fix", "p.md")
    assert result.output.count("LK007") == 2, result.output
    # only the target inside the angle brackets was rewritten
    fixed = [*body[:3], body[3].replace("(</old/>)", f"(<{FORECASTING}>)")]
    assert (redirect_site.root / "p.md").read_text("utf-8") == _page(fixed)


def test_redirect_fix_keeps_the_baseurl(redirect_site: Site) -> None:
    config = (redirect_site.root / "_config.yml").read_text(encoding="utf-8")
    redirect_site.write("_config.yml", config + "baseurl: /docs\n")
    redirect_site.write("_redirects", f"/docs/old/ /docs{FORECASTING} 301\n")
    redirect_site.write("p.md", _page(["", "# T", "", "[old](/docs/old/)"]))
    redirect_site.cli("check", "--fix-only", "p.md")
    assert f"[old](/docs{FORECASTING})" in (redirect_site.root / "p.md").read_text("utf-8")


def test_suppressed_and_deselected_findings_are_not_fixed(redirect_site: Site) -> None:
    body = ["", "# T", "", "<!-- finops-lint-disable-next-line HD004 -->", "##Kept", "", "##Also"]
    redirect_site.write("p.md", _page(body))
    redirect_site.cli("check", "--fix-only", "--ignore", "LK", "p.md")
    text = (redirect_site.root / "p.md").read_text("utf-8")
    assert "##Kept" in text and "## Also" in text
    redirect_site.write("q.md", _page(["", "# T", "", "##Inputs"]))
    redirect_site.cli("check", "--fix-only", "--select", "LK", "q.md")
    assert "##Inputs" in (redirect_site.root / "q.md").read_text("utf-8")


def test_fix_keeps_the_file_mode_and_writes_through_symlinks(redirect_site: Site) -> None:
    target = redirect_site.write("real.md", _page(["", "# T", "", "##Inputs"]))
    os.chmod(target, 0o640)
    link = redirect_site.root / "link.md"
    link.symlink_to("real.md")
    redirect_site.cli("check", "--fix-only", "link.md")
    assert link.is_symlink()
    assert "## Inputs" in target.read_text("utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    # no temporary file is left beside the page (safe_io.write_atomic names them .NAME.*)
    leftovers = [p.name for p in redirect_site.root.iterdir() if p.name.startswith(".real.md.")]
    assert leftovers == []


def test_fix_reports_an_unwritable_file(redirect_site: Site, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    folder = redirect_site.root / "ro"
    path = redirect_site.write("ro/p.md", _page(["", "# T", "", "##Inputs"]))
    os.chmod(folder, 0o555)
    try:
        result = redirect_site.cli("check", "--fix", "ro/p.md")
    finally:
        os.chmod(folder, 0o755)
    assert result.exit_code == 2
    assert "cannot write ro/p.md" in result.output
    assert "##Inputs" in path.read_text("utf-8")


# ------------------------------------------------------------------ apply_fixes


def _finding(line: int, col: int, end: int, text: str, code: str = "HD004") -> Finding:
    return Finding(
        "p.md", line, col, code, "r", Severity.ERROR, "m", fix=Fix("d", line, col, line, end, text)
    )


def test_apply_fixes_skips_overlaps_and_out_of_range_and_dedupes() -> None:
    data = b"abcdef\nghij\n"
    same = _finding(1, 2, 4, "X")
    out, applied, skipped = apply_fixes(
        data,
        [
            same,
            _finding(1, 2, 4, "X"),  # the same fix twice: applied once
            _finding(1, 3, 5, "Y"),  # overlaps the first
            _finding(2, 1, 99, "Z"),  # past the end of the line
            _finding(2, 5, 5, "!"),  # an insertion at the end of a line
        ],
    )
    assert out == b"aXdef\nghij!\n"
    assert len(applied) == 2 and len(skipped) == 2


def test_apply_fixes_leaves_undecodable_files_alone() -> None:
    data = b"\xff\xfe##x\n"
    out, applied, skipped = apply_fixes(data, [_finding(1, 3, 3, " ")])
    assert out == data and applied == [] and len(skipped) == 1
