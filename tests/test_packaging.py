"""A non-editable install ships the schemas and rule packs and finds them anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_schemas_and_profiles(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(PROJECT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 and "No module named" in proc.stderr:
        pytest.skip(f"cannot build without isolation here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("finops_lint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (PROJECT / "schemas").glob("*.json"):
        assert f"finops_lint/data/schemas/{schema.name}" in names
    for pack in (PROJECT / "rules").glob("*.yaml"):
        assert f"finops_lint/data/rules/{pack.name}" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_resources_found_from_any_directory(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", "schema"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0
    assert '"$schema"' in proc.stdout


def test_version_license_changelog_and_install_commands_agree() -> None:
    """One version everywhere a user reads it; the LICENSE matches pyproject's."""
    from finops_lint import __version__

    tag = f"v{__version__}"
    pyproject = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject  # read from finops_lint.__version__
    assert 'license = { text = "Apache-2.0" }' in pyproject
    assert "Apache License" in (PROJECT / "LICENSE").read_text(encoding="utf-8")[:200]
    assert "Version 2.0, January 2004" in (PROJECT / "LICENSE").read_text(encoding="utf-8")
    changelog = (PROJECT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{__version__}]" in changelog
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert f"git+https://github.com/finops-lint/finops-lint@{tag}" in readme
    for text in (readme, (PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")):
        revs = [line.split("rev:")[1].strip() for line in text.splitlines() if "rev: v" in line]
        assert revs and set(revs) == {tag}, revs
