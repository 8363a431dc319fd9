"""The main cache file's delta (cache.delta): read back as written, on its own main
file only, ignored when it is not valid, and a one-page run writes only it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from finops_lint.cache import delta as cache_delta
from finops_lint.cache.delta import ABSENT, Applied, changes
from finops_lint.cache.store import CacheData, Store
from finops_lint.engine import RunOptions, run

KEY = "0123456789abcdef0123456789abcdef"
T0 = 1_700_000_000_000_000_000


def _fact(url: str) -> Any:
    return (True, ({"permalink": url}, 2, True, (url, ".html", [])))


def _base() -> CacheData:
    files = {f"p{n}.md": (10 + n, T0 - n, 100 + n, "", False) for n in range(5)}
    return CacheData(
        key=KEY,
        written_ns=T0,
        files=files,
        site=True,
        tree="a" * 32,
        problems=[("_config.yml", 1, "old problem")],
        facts={rel: _fact(f"/{rel[:-3]}/") for rel in files},
        layouts={rel: ("page", False) for rel in files},
    )


def _record(data: CacheData) -> tuple[Any, ...]:
    return (
        data.key,
        data.files,
        data.site,
        data.tree,
        data.problems,
        data.facts,
        data.layouts,
        data.written_ns,
    )


def _store(tmp_path: Path) -> tuple[Store, list[str]]:
    notices: list[str] = []
    return Store(tmp_path / "cache", "check-v4.json", notices.append), notices


def _save_delta(store: Store, old: CacheData, new: CacheData) -> None:
    applied = old.applied or Applied(old.written_ns)
    parts = [
        changes(getattr(old, name), getattr(new, name), getattr(applied, name))
        for name in ("files", "facts", "layouts")
    ]
    store.save(None, [], cache_delta.dump(new, applied.base_ns, *parts))


def _next(data: CacheData, when: int) -> CacheData:
    """A copy to change, as a run builds its record."""
    return CacheData(
        key=data.key,
        written_ns=when,
        files=dict(data.files),
        site=data.site,
        tree=data.tree,
        problems=list(data.problems),
        facts=dict(data.facts),
        layouts=dict(data.layouts),
    )


def test_a_delta_reads_back_as_the_record_it_was_written_for(tmp_path: Path) -> None:
    store, notices = _store(tmp_path)
    base = _base()
    store.save(base, [])
    main_bytes = store.path.read_bytes()
    loaded = store.load(KEY, T0 + 10**9)
    assert loaded is not None and loaded.applied is None

    first = _next(loaded, T0 + 10)
    first.files["p1.md"] = (99, T0 + 5, 101, "b" * 32, True)  # edited, racy
    del first.facts["p1.md"], first.layouts["p1.md"]
    del first.files["p2.md"], first.facts["p2.md"], first.layouts["p2.md"]  # deleted
    first.files["new.md"] = (5, T0 + 6, 200, "", False)  # added
    first.facts["new.md"] = _fact("/new/")
    first.layouts["new.md"] = (None, ("all.html",))
    first.tree, first.problems = "c" * 32, []
    _save_delta(store, loaded, first)
    assert store.path.read_bytes() == main_bytes  # the main file is not written again
    again = store.load(KEY, T0 + 10**9)
    assert again is not None and again.applied is not None
    assert _record(again) == _record(first)

    # A second delta is made against the main file: p1 back as the main file has it
    # leaves the delta; the delta before it is not needed to read this one.
    second = _next(again, T0 + 20)
    second.files["p1.md"] = base.files["p1.md"]
    second.facts["p1.md"] = base.facts["p1.md"]
    second.layouts["p1.md"] = base.layouts["p1.md"]
    _save_delta(store, again, second)
    written = json.loads(store.delta_path.read_bytes())
    assert "p1.md" not in written["files"] and written["files"]["p2.md"] is None
    third = store.load(KEY, T0 + 10**9)
    assert third is not None and _record(third) == _record(second)
    assert not notices

    # The main file written again: the delta is removed.
    store.save(_next(third, T0 + 30), [])
    assert not store.delta_path.exists()
    fourth = store.load(KEY, T0 + 10**9)
    assert fourth is not None and fourth.applied is None
    assert _record(fourth)[:-1] == _record(second)[:-1]


def test_the_facts_a_delta_changed_are_never_written_as_the_main_file_read_them(
    tmp_path: Path,
) -> None:
    """The main file reuses the JSON of facts as read (`facts_read`); after a delta
    that changed one, the main file written again must have the delta's fact."""
    store, _notices = _store(tmp_path)
    store.save(_base(), [])
    loaded = store.load(KEY, T0 + 10**9)
    assert loaded is not None
    changed = _next(loaded, T0 + 10)
    changed.facts["p3.md"] = _fact("/moved/")
    _save_delta(store, loaded, changed)
    merged = store.load(KEY, T0 + 10**9)
    assert merged is not None
    full = _next(merged, T0 + 20)
    full.facts_read = merged.facts_read
    store.save(full, [])
    final = store.load(KEY, T0 + 10**9)
    assert final is not None and final.facts["p3.md"] == _fact("/moved/")


def test_changes_lists_what_differs_from_the_main_file() -> None:
    main = {"a": 1, "b": 2, "c": 3}
    merged = {"a": 1, "b": 20, "d": 4}  # the last delta: b changed, c removed, d added
    before = {"b": 2, "c": 3, "d": ABSENT}
    now = {"a": 10, "b": 2, "d": 4, "e": 5}
    assert changes(merged, now, before) == {"a": 10, "c": ABSENT, "d": 4, "e": 5}
    assert changes(main, dict(main), {}) == {}


def _bad_deltas() -> list[tuple[str, Any]]:
    good = {
        "format": cache_delta.FORMAT,
        "version": 4,
        "key": KEY,
        "base_ns": T0,
        "written_ns": T0 + 10,
        "site": True,
        "tree": "",
        "problems": [],
        "files": {},
        "facts": {},
        "layouts": {},
    }
    sig = [1, T0, 1, "", False]
    return [
        ("not JSON", b"{"),
        ("a list", b"[]"),
        ("path outside the site", {**good, "files": {"../x.md": sig}}),
        ("absolute path", {**good, "files": {"/etc/passwd": sig}}),
        ("mtime after it was written", {**good, "files": {"p0.md": [1, T0 + 11, 1, "", False]}}),
        ("written in the future", {**good, "written_ns": 2**62}),
        ("written before its main file", {**good, "written_ns": T0 - 1}),
        ("facts of a deleted file", {**good, "files": {"p0.md": None}}),
        ("facts of no file", {**good, "facts": {"zz.md": [True, None]}}),
        ("bad fact", {**good, "facts": {"p0.md": [1, 2]}}),
        ("bad layout", {**good, "layouts": {"p0.md": [3, True]}}),
        ("NaN", json.dumps({**good, "written_ns": "x"}).replace('"x"', "NaN").encode()),
        ("files not a map", {**good, "files": []}),
        ("bad problem", {**good, "problems": [["a", -1, "b"]]}),
        ("bad tree", {**good, "tree": "zz"}),
    ]


@pytest.mark.parametrize(("why", "content"), _bad_deltas(), ids=[w for w, _ in _bad_deltas()])
def test_a_delta_that_is_not_valid_is_ignored_with_one_notice(
    tmp_path: Path, why: str, content: Any
) -> None:
    store, notices = _store(tmp_path)
    base = _base()
    store.save(base, [])
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    if why == "facts of a deleted file":  # p0.md's facts stay in the main file
        raw = json.dumps({**json.loads(raw), "facts": {"p0.md": [True, None]}}).encode()
    store.delta_path.write_bytes(raw)
    loaded = store.load(KEY, T0 + 10**9)
    assert loaded is not None and loaded.applied is None
    assert _record(loaded) == _record(base), why
    assert len(notices) == 1 and "ignored" in notices[0], why


def test_a_delta_of_another_main_file_or_key_is_left_unread(tmp_path: Path) -> None:
    store, notices = _store(tmp_path)
    base = _base()
    store.save(base, [])
    loaded = store.load(KEY, T0 + 10**9)
    assert loaded is not None
    changed = _next(loaded, T0 + 10)
    changed.tree = "d" * 32
    _save_delta(store, loaded, changed)
    stale = store.delta_path.read_bytes()
    store.save(_next(base, T0 + 20), [])  # another run wrote the main file
    store.delta_path.write_bytes(stale)  # and its delta was left behind
    again = store.load(KEY, T0 + 10**9)
    assert again is not None and again.applied is None and again.tree == base.tree
    other_key = json.loads(stale)
    other_key.update(key="f" * 32, base_ns=T0 + 20)
    store.delta_path.write_text(json.dumps(other_key), "utf-8")
    again = store.load(KEY, T0 + 10**9)
    assert again is not None and again.applied is None
    assert not notices


def _page(n: int) -> str:
    return f"---\ntitle: P{n}\n---\n# P{n}\n\n[next](/p{(n + 1) % 4}/)\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "_config.yml").write_text("title: t\n", "utf-8")
    for n in range(4):
        (root / f"p{n}.md").write_text(_page(n), "utf-8")
    old = time.time_ns() - 10**10
    for path in root.iterdir():
        os.utime(path, ns=(old, old))
    monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    monkeypatch.chdir(root)
    return root


def test_a_one_page_run_writes_the_delta_and_not_the_main_file(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finops_lint.cache import results

    cache = site / ".finops-lint-cache"
    run(RunOptions(paths=[site]))
    main = (cache / "check-v4.json").read_bytes()
    page = site / "p1.md"
    page.write_text(_page(1) + "\nTODO: more.\n", "utf-8")
    old = time.time_ns() - 5 * 10**9
    os.utime(page, ns=(old, old))
    one = run(RunOptions(paths=[page]))
    assert (cache / "check-v4.json").read_bytes() == main
    assert (cache / "check-v4.delta.json").is_file()
    fresh = run(RunOptions(paths=[page], cache=False))
    assert [f.to_dict() for f in one.findings] == [f.to_dict() for f in fresh.findings]
    warm = run(RunOptions(paths=[site]))  # reads main + delta: every page reused
    assert warm.findings == run(RunOptions(paths=[site], cache=False)).findings

    monkeypatch.setattr(results, "limit", lambda files: 0)
    page.write_text(_page(1), "utf-8")
    os.utime(page, ns=(old + 1, old + 1))
    run(RunOptions(paths=[page]))
    assert (cache / "check-v4.json").read_bytes() != main
    assert not (cache / "check-v4.delta.json").exists()
