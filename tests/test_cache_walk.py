"""The tree walked by a child process, and the main cache file read ahead of its load.

A plain check of a big site walks the tree in a forked child while it imports the
check and parses the main cache file (cache.tree.Walk, cache.store.preload). What
the run sees must be exactly what a walk and a load in the process give, and any
failure of the child must fall back to them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finops_lint.cache import store as store_module
from finops_lint.cache import tree
from finops_lint.cache.store import Store, preload
from tests.test_cache import _make_site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)  # the site's own folder
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    _make_site(root, pages=6)
    for sub in ("a", "a/b", "c"):
        (root / sub).mkdir()
        for n in range(3):
            (root / sub / f"page{n}.md").write_text(f"# Page {n}\n", "utf-8")
    (root / "a" / "link.md").symlink_to(root / "c" / "page1.md")
    return root


def test_a_walk_in_a_child_gives_the_files_and_folders_a_walk_here_gives(site: Path) -> None:
    here = tree.Walk(str(site))
    child = tree.Walk(str(site), background=True)
    assert child.pending
    assert list(child.files.items()) == list(here.files.items())  # the order too
    assert not child.pending
    assert list(child.folders.items()) == list(here.folders.items())
    assert "a/link.md" in child.files and len(child.files) > 20


def test_a_child_that_fails_leaves_the_walk_to_the_process(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = tree.walk_tree

    def failing_in_the_child(root: object, folders: object = None) -> object:
        if os.getpid() != parent:
            raise OSError("no walk in the child")
        return real(root, folders)  # type: ignore[arg-type]

    monkeypatch.setattr(tree, "walk_tree", failing_in_the_child)
    walk = tree.Walk(str(site), background=True)
    assert walk.pending
    assert walk.files == real(str(site))


def test_no_fork_walks_here(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise OSError("fork refused")

    monkeypatch.setattr(os, "fork", no_fork)
    walk = tree.Walk(str(site), background=True)
    assert not walk.pending
    assert walk.files == tree.walk_tree(str(site))


def _saved_store(site: Path) -> tuple[Store, str]:
    """A main file as a run writes it (a whole-site run with the cache)."""
    from finops_lint.cli import main

    with pytest.raises(SystemExit):
        main(["check", "--offline", str(site)])
    folder = site / tree.CACHE_FOLDER
    store = Store(folder, tree.MAIN_FILE, lambda message: None)
    assert store.path.is_file()
    key = store_module.parse(store.path.read_bytes(), tree.time.time_ns()).key
    return store, key


def test_a_preloaded_main_file_is_the_one_the_load_reads(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, key = _saved_store(site)
    now = tree.time.time_ns()
    expected = store.load(key, now)
    assert expected is not None
    parsed: list[int] = []
    real_parse = store_module.parse

    def counting(raw: bytes, now_ns: int) -> object:
        parsed.append(now_ns)
        return real_parse(raw, now_ns)

    monkeypatch.setattr(store_module, "parse", counting)
    preload(str(store.path), now)
    assert parsed == [now]
    loaded = store.load(key, now)
    assert parsed == [now]  # not parsed again
    assert loaded is not None and loaded.same_record(expected)


@pytest.mark.parametrize("change", ["rewritten", "another time"])
def test_a_preload_the_file_or_time_no_longer_matches_is_not_used(
    site: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    store, key = _saved_store(site)
    now = tree.time.time_ns()
    preload(str(store.path), now)
    if change == "rewritten":  # another run saved meanwhile: a new file, renamed over it
        raw = store.path.read_bytes()
        replacement = store.path.with_suffix(".new")
        replacement.write_bytes(raw.replace(key.encode(), b"0" * len(key)))
        os.replace(replacement, store.path)
        assert store.load(key, now) is None  # the new file's key, not the preloaded one
    else:
        parsed: list[int] = []
        real_parse = store_module.parse
        monkeypatch.setattr(
            store_module, "parse", lambda raw, n: parsed.append(n) or real_parse(raw, n)
        )
        assert store.load(key, now + 1) is not None
        assert parsed == [now + 1]  # read again, checked against its own time
    assert not store_module._preloaded  # used once, whatever happened


def test_a_preload_of_a_bad_file_keeps_nothing(site: Path) -> None:
    store, _key = _saved_store(site)
    store.path.write_bytes(b'{"format": "finops-lint-check-cache", "version": 4, "key": 1}')
    preload(str(store.path), tree.time.time_ns())
    assert not store_module._preloaded
    preload(str(site / "missing.json"), tree.time.time_ns())
    assert not store_module._preloaded
