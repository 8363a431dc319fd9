"""discover: each file's Path, however the folder it is found through is spelt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finops_lint.config import load_config
from finops_lint.discover import discover

_NAMES = ["a.md", "b c.md", "é.md", "-x.md", "...md", "sub/d.md", "sub/deeper/e.md", "s p/f.md"]


@pytest.mark.parametrize("spelling", ["{root}", "{root}/", "{root}/./sub/..", "."])
def test_each_path_is_its_folder_spelling_normalized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    root = tmp_path / "site"
    for name in _NAMES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("# T\n")
    monkeypatch.chdir(root)
    config = load_config(root, None, search_from=root)
    given = Path(spelling.format(root=root))
    files, problems = discover([given], root, config, root)
    assert not problems
    assert sorted(t.rel for t in files) == sorted(_NAMES)
    start = os.path.join(root, given)
    for t in files:  # what parsing each file's whole path gave
        assert t.path == Path(os.path.normpath(os.path.join(start, t.rel))), t
        assert str(t.path) == os.path.normpath(os.path.join(start, t.rel)), t
