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
