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


@pytest.mark.parametrize("change", ["rewritten", "an earlier time"])
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
        assert store.load(key, now - 1) is not None
        assert parsed == [now - 1]  # read again, checked against its own time
    assert not store_module._preloaded  # used once, whatever happened


def test_a_preload_holds_at_a_later_time(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks bound times from above only: a file valid at one time is valid later
    (`finops-lint server` parses the file before the check that uses it starts)."""
    store, key = _saved_store(site)
    now = tree.time.time_ns()
    preload(str(store.path), now)
    parsed: list[int] = []
    real_parse = store_module.parse
    monkeypatch.setattr(
        store_module, "parse", lambda raw, n: parsed.append(n) or real_parse(raw, n)
    )
    preload(str(store.path), now + 5)  # the console script's own preload: kept as it is
    assert store.load(key, now + 10) is not None
    assert parsed == []


def test_a_preload_of_a_bad_file_keeps_nothing(site: Path) -> None:
    store, _key = _saved_store(site)
    store.path.write_bytes(b'{"format": "finops-lint-check-cache", "version": 4, "key": 1}')
    preload(str(store.path), tree.time.time_ns())
    assert not store_module._preloaded
    preload(str(site / "missing.json"), tree.time.time_ns())
    assert not store_module._preloaded


def _odd_entries(root: Path, outside: Path) -> None:
    """What Jekyll's reader skips or takes: a collection, underscore, dot and backup
    names, excluded folders, symlinks inside and outside the site."""
    (root / "_notes").mkdir(exist_ok=True)
    (root / "_notes" / "a.md").write_text("---\ntitle: A\n---\n# A\n", "utf-8")
    (root / "_notes" / "_hidden.md").write_text("---\n---\n", "utf-8")
    (root / "_drafts").mkdir()
    (root / "_drafts" / "d.md").write_text("---\n---\n", "utf-8")
    (root / ".hidden.md").write_text("---\n---\n", "utf-8")
    (root / "backup.md~").write_text("---\n---\n", "utf-8")
    for folder in ("node_modules", "vendor/bundle"):
        (root / folder).mkdir(parents=True)
        (root / folder / "x.md").write_text("---\n---\n", "utf-8")
    (root / "static.txt").write_text("plain\n", "utf-8")
    (root / "inside-link.md").symlink_to(root / "p1.md")
    outside.write_text("---\n---\n", "utf-8")
    (root / "outside-link.md").symlink_to(outside)


def test_a_child_s_listing_of_the_site_gives_the_scan_a_scan_here_gives(
    site: Path, tmp_path: Path
) -> None:
    from finops_lint.site.jekyll import load_config
    from finops_lint.site.source import child_listing, scan_source, source_paths

    _odd_entries(site, tmp_path / "outside.md")
    config = load_config(site)
    here = scan_source(site, config)
    listed = child_listing(str(site))
    assert scan_source(site, config, paths=source_paths(site, config, listed)) == here
    names = {f.path for f in here}
    assert {"_notes/a.md", "inside-link.md", "static.txt"} <= names
    assert not names & {"_notes/_hidden.md", "_drafts/d.md", ".hidden.md", "backup.md~"}
    assert not names & {"node_modules/x.md", "vendor/bundle/x.md", "outside-link.md"}
    # made by the walking child, as the console asks for it
    walk = tree.Walk(str(site), background=True, also=child_listing)
    assert walk.also_found == listed
    assert tree.Walk(str(site), also=child_listing).also_found is None  # no child: none


def test_a_listing_for_another_config_or_root_is_not_used(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finops_lint.site import source
    from finops_lint.site.jekyll import load_config

    config = load_config(site)
    root, text, _paths = source.child_listing(str(site))
    listed: list[Path] = []
    real = source.list_source
    monkeypatch.setattr(source, "list_source", lambda r, c: listed.append(r) or real(r, c))
    wrong = ["p0.md"]  # what a stale listing would make of the site
    assert (
        len(
            source.scan_source(
                site, config, paths=source.source_paths(site, config, (root, text, wrong))
            )
        )
        == 1
    )
    assert listed == []
    for other in ((root + "-other", text, wrong), (root, text + "# changed\n", wrong)):
        paths = source.source_paths(site, config, other)
        assert source.scan_source(site, config, paths=paths) == source.scan_source(site, config)
    assert len(listed) == 4


def test_a_failing_task_of_the_child_leaves_its_walk(site: Path) -> None:
    def failing(root: str) -> None:
        raise RuntimeError("no listing")

    walk = tree.Walk(str(site), background=True, also=failing)
    assert walk.files == tree.walk_tree(str(site))
    assert walk.also_found is None


def _walk_by_realpath(root: str, folders: dict[str, tree.Sig | None]) -> dict[str, tree.Sig]:
    """The walk as it was written first: each folder known again by its realpath, each
    path made by relpath and checked by safe_rel (what `walk_tree` must give)."""
    out: dict[str, tree.Sig] = {}
    seen: set[str] = set()
    for folder, dirs, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        folders[folder] = tree.stat_sig(folder)
        dirs[:] = sorted(d for d in dirs if d not in tree.NOT_TREE)
        rel_folder = os.path.relpath(folder, root)
        for name in names:
            rel = name if rel_folder == "." else f"{rel_folder}/{name}".replace(os.sep, "/")
            sig = tree.stat_sig(os.path.join(folder, name))
            if sig is not None and tree.safe_rel(rel):
                out[rel] = sig
    return out


def test_the_walk_gives_what_a_walk_by_realpath_gives(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Symlinked folders (a loop, two links to one folder), a dangling link, names
    with a backslash, folders the tree leaves out, hidden files: the same files, in
    the same order, and the same folders, however the root is spelt."""
    (site / "a" / "b" / "up").symlink_to(site / "a")  # a loop
    (site / "twice-1").symlink_to(site / "c")
    (site / "twice-2").symlink_to(site / "c")
    (site / "gone.md").symlink_to(site / "nowhere.md")
    (site / "back\\slash.md").write_text("x", "utf-8")
    (site / "back\\slash").mkdir()
    (site / "back\\slash" / "in.md").write_text("x", "utf-8")
    (site / ".hidden.md").write_text("x", "utf-8")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("x", "utf-8")
    monkeypatch.chdir(site.parent)
    for root in (str(site), f"{site}/", "site", "site/", "./site", "site/../site"):
        folders: dict[str, tree.Sig | None] = {}
        expected_folders: dict[str, tree.Sig | None] = {}
        got = tree.walk_tree(root, folders)
        expected = _walk_by_realpath(root, expected_folders)
        assert list(got.items()) == list(expected.items()), root
        assert list(folders.items()) == list(expected_folders.items()), root
    assert "back\\slash.md" not in got and "back\\slash/in.md" not in got
    assert "c/page0.md" in got and not any(rel.startswith("twice-") for rel in got)  # once
    assert ".hidden.md" in got and ".git/HEAD" not in got
