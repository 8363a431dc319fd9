"""Rule tests from fixture pages: tests/fixtures/<CODE>/ holds pages with their
expected findings marked on the lines (see CONTRIBUTING.md).

Each fixture folder is a fragment of a site: its files are copied, at their
paths inside the folder, into a small generated Jekyll site (tests.conftest's
`_config.yml`, the capability template and a home page). Every page of the
folder is then linted on its own, with only that folder's rule selected, and
the (line, code) findings must be exactly the ones its markers expect:

    [dead](/nowhere/)  <!-- expect: LK001 -->     this line
    <!-- expect+2: TB001 -->                       two lines below the marker
    title: Hello World  # expect: FM007            a front matter line

A file that cannot hold a comment (JSON, CSV) lists its expectations in a
sidecar `NAME.expect` file, one `LINE CODE` per line.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from finops_lint.engine import RunOptions, run
from finops_lint.rules.base import all_rules
from tests.conftest import CAPABILITY_TEMPLATE, CONFIG_YML

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Files linted and compared with their markers; other files only take part in the site.
CHECKED_SUFFIXES = (".md", ".markdown", ".html", ".yml", ".yaml")
_CODE = r"[A-Z]{2}\d{3}"
MARKER = re.compile(
    rf"(?:<!--|#)\s*expect(?P<offset>[+-]\d+)?:\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*)"
)


def expected_findings(path: Path) -> Counter[tuple[int, str]]:
    """(line, code) pairs the markers in a fixture file (or its .expect sidecar) ask for."""
    expected: Counter[tuple[int, str]] = Counter()
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.is_file():
        for entry in sidecar.read_text(encoding="utf-8").splitlines():
            if entry.strip() and not entry.lstrip().startswith("#"):
                line, code = entry.split()
                expected[(int(line), code)] += 1
        return expected
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.split("\n"), start=1):
        for m in MARKER.finditer(line):
            target = number + int(m.group("offset") or 0)
            for code in re.findall(_CODE, m.group("codes")):
                expected[(target, code)] += 1
    return expected


def fixture_files() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    files = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (
                path.suffix in CHECKED_SUFFIXES or path.with_name(path.name + ".expect").is_file()
            ):
                files.append(path)
    return files


def _id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def build_site(folder: Path, root: Path) -> None:
    """The small generated site, then the fixture folder's files over it."""
    root.mkdir(parents=True)
    (root / "_config.yml").write_text(CONFIG_YML, encoding="utf-8")
    (root / "_templates").mkdir()
    (root / "_templates" / "_capability.md").write_text(CAPABILITY_TEMPLATE, encoding="utf-8")
    (root / "index.md").write_text("---\ntitle: Home\npermalink: /\n---\n\n# Home\n")
    shutil.copytree(folder, root, dirs_exist_ok=True)


def lint_fixture(path: Path, root: Path) -> Counter[tuple[int, str]]:
    """Findings for one fixture file with only its folder's rule selected."""
    folder = FIXTURES / path.relative_to(FIXTURES).parts[0]
    rel = path.relative_to(folder)
    build_site(folder, root)
    result = run(RunOptions(paths=[root / rel], root=root, select=[folder.name]))
    assert result.internal_errors == 0, [f.message for f in result.findings]
    target = (root / rel).resolve()
    return Counter(
        (f.line, f.code)
        for f in result.findings
        if (root / f.path).resolve() == target or Path(f.path).resolve() == target
    )


@pytest.mark.parametrize("path", fixture_files(), ids=_id)
def test_fixture(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "FINOPS_LINT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    got = lint_fixture(path, tmp_path / "site")
    want = expected_findings(path)
    assert sorted(got.elements()) == sorted(want.elements()), (
        f"missing: {sorted((want - got).elements())}; unexpected: {sorted((got - want).elements())}"
    )


def test_every_fixture_folder_is_a_rule_with_a_bad_and_a_good_page() -> None:
    codes = {r.code for r in all_rules()}
    folders = [p for p in FIXTURES.iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        assert folder.name in codes, f"{folder.name}: no such rule"
        files = [p for p in fixture_files() if p.is_relative_to(folder)]
        marked = [p for p in files if expected_findings(p)]
        assert marked, f"{folder.name}: no fixture expects a finding"
        assert len(marked) < len(files), f"{folder.name}: no clean fixture (a good example)"
        for p in marked:
            assert all(code == folder.name for _line, code in expected_findings(p)), (
                f"{_id(p)} expects another rule's code"
            )


def test_markers(tmp_path: Path) -> None:
    text = (
        "---\ntitle: x  # expect: FM003\n---\n"
        "a <!-- expect: LK001 LK001 -->\n<!-- expect+2: TB001 -->\n\n"
        "| a |\n<!-- expect-1: HD002 -->\n"
    )
    p = tmp_path / "probe.md"
    p.write_text(text, encoding="utf-8")
    assert expected_findings(p) == Counter(
        {(2, "FM003"): 1, (4, "LK001"): 2, (7, "TB001"): 1, (7, "HD002"): 1}
    )
    (tmp_path / "data.json.expect").write_text("# line code\n3 DT001\n", encoding="utf-8")
    assert expected_findings(tmp_path / "data.json") == Counter({(3, "DT001"): 1})
