"""Related locations are shown like the finding's own path (relative to the current
directory), so an editor can open them and the result cache can store them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def _check(site: Path, cwd: Path, *args: str) -> list[dict[str, object]]:
    env = dict(os.environ, FINOPS_LINT_NO_CACHE="1")
    out = subprocess.run(
        [sys.executable, "-m", "finops_lint", "check", "--format", "json", *args, str(site)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(out.stdout)
    findings: list[dict[str, object]] = data["findings"] if isinstance(data, dict) else data
    return findings


def test_lk014_related_template_is_shown_from_the_current_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "LK014", site)
    (site / "_config.yml").write_text("collections:\n  resources:\n    output: true\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = [f for f in _check(site, elsewhere, "--select", "LK014") if f["code"] == "LK014"]
    assert found, "the fixture's upper-case type is reported"
    for finding in found:
        related = finding["related"]
        assert isinstance(related, list) and related
        for r in related:
            assert r["path"] == os.path.join("..", "site", "_includes", "resource-cards.html")
            assert (elsewhere / str(r["path"])).is_file()
