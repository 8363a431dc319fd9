"""Pre-commit passes some files: the whole Site is known, only those files are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from finops_lint.cli import main


def _site(root: Path) -> None:
    (root / "_config.yml").write_text(
        "permalink: pretty\ncollections:\n  capabilities:\n    output: true\n"
    )
    (root / "_capabilities").mkdir()
    (root / "_capabilities" / "forecasting.md").write_text(
        "---\ntitle: Forecasting\npermalink: /framework/capabilities/forecasting/\n---\n\n"
        "# Forecasting\n\n## Crawl\n"
    )
    (root / "a.md").write_text(
        "---\ntitle: A\n---\n\n# A\n\nSee [forecasting](/framework/capabilities/forecasting/)"
        " and [its crawl](/framework/capabilities/forecasting/#crawl).\n"
    )
    (root / "b.md").write_text("---\ntitle: B\n---\n\n# B\n\n[nowhere](/nope/)\n")


def _findings(args: list[str]) -> list[tuple[str, int, str]]:
    result = CliRunner().invoke(main, ["check", "--select", "LK", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    return sorted((f["path"], f["line"], f["code"]) for f in data["findings"])


def test_only_the_given_files_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _site(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert _findings(["a.md"]) == []  # b.md's broken link is not a.md's business
    assert _findings(["b.md"]) == [("b.md", 7, "LK001")]
    assert _findings([]) == [("b.md", 7, "LK001")]


def test_renaming_a_page_breaks_the_pages_that_link_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _site(tmp_path)
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "_capabilities" / "forecasting.md"
    page.rename(tmp_path / "_capabilities" / "cloud-forecasting.md")
    (tmp_path / "_capabilities" / "cloud-forecasting.md").write_text(
        page.with_name("cloud-forecasting.md")
        .read_text()
        .replace(
            "/framework/capabilities/forecasting/", "/framework/capabilities/cloud-forecasting/"
        )
    )
    assert _findings(["a.md"]) == [("a.md", 7, "LK001"), ("a.md", 7, "LK001")]


def test_an_anchor_removed_from_another_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _site(tmp_path)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "_capabilities" / "forecasting.md"
    target.write_text(target.read_text().replace("## Crawl", "## Crawl stage"))
    assert _findings(["a.md"]) == [("a.md", 7, "LK004")]


def test_a_folder_without_config_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside a Jekyll site the cross-page rules are off, and the notice says how to
    turn them on; given --root of a folder without _config.yml, it does not suggest
    --root again as if it had not been given."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("---\ntitle: A\n---\n\n# A\n\n[x](/nope/)\n")
    monkeypatch.chdir(tmp_path)
    found = CliRunner().invoke(main, ["check", "--no-cache", "docs"])
    assert found.exit_code == 0, found.output
    assert "no _config.yml at or above docs" in found.stderr
    assert "give --root the folder with the site's _config.yml" in found.stderr
    given = CliRunner().invoke(main, ["check", "--no-cache", "--root", "docs", "docs"])
    assert given.exit_code == 0, given.output
    assert "no _config.yml in docs" in given.stderr
    (tmp_path / "docs" / "_config.yml").write_text("title: Docs\n")
    site = CliRunner().invoke(main, ["check", "--no-cache", "--root", "docs", "docs"])
    assert site.exit_code == 1 and "LK001" in site.stdout
    assert "_config.yml" not in site.stderr
