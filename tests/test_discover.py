"""discover: each file's Path, however the folder it is found through is spelt, and
how a path is shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from finops_lint.config import load_config
from finops_lint.discover import discover, display

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


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b.md", ".", "..", "", "é x", "...", ".hidden"]), max_size=5),
    st.booleans(),
    st.sampled_from(["/", "/work", "/work/site", "/a/b/c"]),
)
@example(["..", "a"], False, "/work")
@example([], False, "/work")
def test_display_is_relpath(parts: list[str], absolute: bool, cwd: str) -> None:
    """A path is shown as `os.path.relpath` showed it from the current folder (a plain
    relative path as it is, without asking relpath)."""
    given = ("/" if absolute else "") + "/".join(parts)
    path = Path(given) if given else Path(".")
    assert display(path, cwd) == os.path.relpath(os.path.join(cwd, path), cwd)
    assert display(Path(os.path.join(cwd, path)), cwd) == os.path.relpath(
        os.path.join(cwd, path), cwd
    )
