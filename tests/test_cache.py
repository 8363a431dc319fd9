"""The result cache: the same output with and without it, whatever happens to the site
and to the cache file itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from finops_lint.cache import store as cache_store
from finops_lint.cache.pages import parse_shard, shard_of
from finops_lint.engine import RunOptions, RunResult, run

CONFIG = """\
title: Cache test site
url: https://www.example.org
permalink: pretty
collections:
  notes:
    output: true
defaults:
  - scope: {path: "", type: notes}
    values: {layout: pagx, icon: n}
"""


def _page(n: int, links: list[int], headings: list[str], extra: str = "") -> str:
    # the layout builds /img/ICON.png (LK014): odd pages' icons are missing, and
    # /img/ICON-s.png for every page (all missing) while a page renders it
    layout = "page" if n % 4 == 0 else "pagx"
    icon = f"p{n}" if n % 2 == 0 else f"gone{n}"
    fm = f"title: Page {n}\npermalink: /p{n}/\nlayout: {layout}\nicon: {icon}\n"
    body = [f"---\n{fm}---\n", f"# Page {n}\n"]
    for h in headings:
        body.append(f"\n## {h}\n\nText about {h.lower()}.\n")
    for target in links:
        body.append(f"\nSee [page {target}](/p{target}/#part-a) and ![pic](/img/p{target}.png).\n")
    body.append(extra)
    return "".join(body)


def _make_site(root: Path, pages: int = 4) -> None:
    (root / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (root / "img").mkdir()
    for n in range(pages):
        links = [(n + 1) % pages, (n + 2) % pages]
        extra = "\nThis section is coming soon.\n" if n % 2 else "\n| a | b |\n|---|---|\n| 1 |\n"
        (root / f"p{n}.md").write_text(_page(n, links, ["Part A", "Part B"], extra), "utf-8")
        (root / "img" / f"p{n}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "_layouts").mkdir()
    (root / "_layouts" / "page.html").write_text(
        '---\n---\n<img src="/img/{{ page.icon }}.png" alt="">\n{{ content }}\n'
        # every page's icon, while some page renders this layout
        '{% for p in site.pages %}<img src="/img/{{ p.icon }}-s.png" alt="">{% endfor %}\n',
        "utf-8",
    )
    # rendered by the pages whose own Liquid includes it (the "include" step)
    (root / "_includes").mkdir()
    (root / "_includes" / "all.html").write_text(
        '{% for p in site.pages %}<img src="/inc/{{ p.icon }}.png" alt="">{% endfor %}\n',
        "utf-8",
    )
    (root / "_notes").mkdir()
    (root / "_notes" / "n1.md").write_text(
        "---\ntitle: Note\n---\n# Note\n\n[to p0](/p0/#part-b) [gone](/nowhere/)\n", "utf-8"
    )


@contextmanager
def _in(folder: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def _outcome(result: RunResult) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    notices = [n for n in result.notices if "result cache" not in n]
    return [f.to_dict() for f in result.findings], result.checked, notices


def _both(root: Path, *paths: str) -> tuple[Any, Any]:
    given = [root / p for p in paths] or [root]
    cached = run(RunOptions(paths=list(given), cache=True))
    fresh = run(RunOptions(paths=list(given), cache=False))
    return _outcome(cached), _outcome(fresh)


def _pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if ".finops-lint-cache" not in p.parts)


def _apply(root: Path, op: str, pick: int, counter: list[int], racy: bool = False) -> None:
    pages = _pages(root)
    target = pages[pick % len(pages)] if pages else None
    counter[0] += 1
    n = counter[0]
    if op == "add" or target is None:
        (root / f"new{n}.md").write_text(_page(100 + n, [0, 1], ["Part A"]), "utf-8")
        return
    text = target.read_text("utf-8")
    if op == "edit":
        target.write_text(text + f"\nMore text {n}.\n", "utf-8")
    elif op == "same-size":  # the same size, maybe the same mtime tick: only a hash tells
        before = target.stat()
        swaps = (
            ("permalink: /p", "permalink: /q"),  # a URL
            ("#part-a)", "#part-q)"),  # a link to an anchor that is gone
            ("## Part A", "## Part Q"),  # an anchor gone
            ("Text", "Txet"),
        )
        for old, new in swaps[pick % 4 :]:
            if old in text:
                text = text.replace(old, new, 1)
                break
        target.write_text(text, "utf-8")
        if racy:  # a coarse clock: the same mtime too (what the racy rule is for)
            os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif op == "delete":
        target.unlink()
    elif op == "rename":
        target.rename(target.with_name(f"renamed{n}.md"))
    elif op == "add-anchor":
        target.write_text(text + "\n## Part A\n\nBack again.\n", "utf-8")
    elif op == "remove-anchor":
        target.write_text(text.replace("## Part A", "## Part Z"), "utf-8")
    elif op == "link":
        target.write_text(text + f"\n[x](/p{pick % 5}/#part-b) [y](/new{n - 1}/)\n", "utf-8")
    elif op == "config":
        lint = root / ".finops-lint.yaml"
        if lint.exists():
            lint.unlink()
        else:
            lint.write_text("extends: jekyll\nrules:\n  LK001: {severity: warning}\n", "utf-8")
    elif op == "jekyll-config":
        config = root / "_config.yml"
        config.write_text(config.read_text("utf-8") + f"baseurl_note{n}: x\n", "utf-8")
    elif op == "layout":  # the same size: with a coarse clock only a hash tells
        swap = ("layout: page", "layout: pagx")
        old, new = swap if swap[0] in text else swap[::-1]
        target.write_text(text.replace(old, new, 1), "utf-8")
    elif op == "liquid":  # Liquid in the page itself, or no more
        loop = '<img src="/t/{{ p.title | slugify }}.png" alt="">'  # every page's title
        liquid = "\n{% for p in site.pages %}" + loop + "{% endfor %}\n"
        target.write_text(text.replace(liquid, "") if liquid in text else text + liquid, "utf-8")
    elif op == "include":  # Liquid whose own links read only `page`, and an include
        # that loops over every page: what a run of another page needs of it is the
        # include (the cache keeps only its name), what its own run needs is all of it
        liquid = '\n{% include all.html %}<img src="/own/{{ page.icon }}-x.png" alt="">\n'
        target.write_text(text.replace(liquid, "") if liquid in text else text + liquid, "utf-8")
    elif op == "touch":
        os.utime(target)


def _age(root: Path, newer_than: int, when: int) -> None:
    """Files written since `newer_than` get the mtime `when` (an old, ticking clock)."""
    for path in root.rglob("*"):
        fresh = path.is_file() and path.stat().st_mtime > newer_than
        if fresh and ".finops-lint-cache" not in path.parts:
            os.utime(path, (when, when))


#: What `_apply` can do to a site.
OP_NAMES = [
    "edit",
    "same-size",
    "delete",
    "rename",
    "add-anchor",
    "remove-anchor",
    "link",
    "config",
    "jekyll-config",
    "touch",
    "add",
    "layout",
    "liquid",
    "include",
]
OPS = st.sampled_from(OP_NAMES)


def _check_touched_against_every_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each save records what looking at every entry records, and the entries it
    says may differ from the record read hold every one that does (a save looks only
    at those: `ResultCache._touched`)."""
    from finops_lint.cache import results
    from finops_lint.cache.store import CacheData

    cls = results.ResultCache
    # the functions as defined: hypothesis runs every example under the one monkeypatch
    record_files, kept = cls.__dict__["_record_files"], cls.__dict__["_kept"]
    record_files = getattr(record_files, "checked", record_files)
    kept = getattr(kept, "checked", kept)

    def differing(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
        return {rel for rel in old.keys() | new.keys() if old.get(rel) != new.get(rel)}

    def checked_record(self: Any, new: CacheData, touched: set[str] | None) -> bool:
        every = CacheData(key=new.key, written_ns=new.written_ns)
        ok_every = record_files(self, every, None)
        ok = record_files(self, new, touched)
        assert (ok, new.files) == (ok_every, every.files)
        if touched is not None:
            assert differing(self.old.files, new.files) <= touched
        return bool(ok)

    def checked_kept(
        self: Any, old: dict[str, Any], learned: dict[str, Any], new: CacheData, touched: Any
    ) -> tuple[dict[str, Any], set[str] | None]:
        every, _ = kept(self, old, learned, new, None)
        found, may_differ = kept(self, old, learned, new, touched)
        assert found == every
        if may_differ is not None:
            assert differing(old, found) <= may_differ
        return found, may_differ

    checked_record.checked = record_files  # type: ignore[attr-defined]
    checked_kept.checked = kept  # type: ignore[attr-defined]
    monkeypatch.setattr(cls, "_record_files", checked_record)
    monkeypatch.setattr(cls, "_kept", checked_kept)


@settings(
    max_examples=36,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(st.tuples(OPS, st.integers(0, 20)), min_size=1, max_size=7),
    mode=st.sampled_from(["racy", "aged", "real"]),
    delta=st.sampled_from([None, 0, 3]),
    counts=st.sampled_from([None, "swing"]),
)
# p0.md, the one page that renders the layout, stops rendering it or gains a loop
# over every page: another page's findings change with what the cache knows of p0
@example(steps=[("layout", 1)], mode="aged", delta=None, counts=None)
@example(steps=[("liquid", 1)], mode="aged", delta=None, counts=None)
# p1.md gains Liquid the cache keeps as its includes only; then p2 (page 1 after it)
# loses an icon that p1's include, rendered on p1, builds a path from
@example(
    steps=[("include", 1), ("same-size", 2), ("edit", 1)], mode="aged", delta=None, counts=None
)
# p3.md gets another URL (permalink: /q3/): p2.md's link to it breaks
@example(steps=[("same-size", 4)], mode="aged", delta=None, counts=None)
# each page added or deleted moves every entry to another count of findings files
@example(
    steps=[("add", 0), ("edit", 1), ("delete", 2), ("add", 3)], mode="aged", delta=3, counts="swing"
)
def test_cached_runs_give_the_output_of_uncached_runs(
    steps: list[tuple[str, int]],
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
    delta: int | None,
    counts: str | None,
) -> None:
    """racy: every entry is recorded as racy (as if each run came within two seconds
    of the edits), and a same-size edit keeps the mtime: only the content hash can
    tell. aged: every file's mtime is an hour old (a clock that ticks once per step),
    so the stat alone vouches for them and the Site's facts are reused. real: the
    files' own times. `delta`: the most entries a delta file holds (cache.delta; 0:
    the main file is written every time, 3: a delta or the main file by turns).
    `counts`: "swing" gives the tree 1, 8, 2 or 16 findings files by its number of
    files (`store.shard_count`; the site's dozen files have one), so each file added
    or removed moves every entry to another count."""
    from finops_lint.cache import results

    racy = mode == "racy"
    monkeypatch.setattr(results, "RACY_NS", 10**18 if racy else 2_000_000_000)
    _check_touched_against_every_entry(monkeypatch)
    if delta is not None:
        monkeypatch.setattr(results, "limit", lambda files: delta)
    if counts == "swing":
        monkeypatch.setattr(cache_store, "shard_count", lambda files: (1, 8, 2, 16)[files % 4])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(os.path.realpath(tmp)) / "site"
        root.mkdir()
        _make_site(root)
        monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)  # the default place
        base = int(time.time()) - 3600
        with _in(root):
            if mode == "aged":
                _age(root, base, base)
            cached, fresh = _both(root)
            assert cached == fresh
            counter = [0]
            for op, pick in steps:
                _apply(root, op, pick, counter, racy)
                if mode == "aged":
                    _age(root, base + 1000, base + counter[0])
                # one page, as pre-commit passes it, before any whole-site run: one
                # whose findings depend on what the cache knows of the page edited (the
                # page before it links to it), then the page edited
                pages = _pages(root)
                for other in [(pick - 1) % len(pages), pick % len(pages)] if pages else []:
                    one = pages[other].relative_to(root).as_posix()
                    cached, fresh = _both(root, one)
                    assert cached == fresh, (op, pick, one)
                cached, fresh = _both(root)
                assert cached == fresh, (op, pick)
            assert (root / ".finops-lint-cache" / "check-v4.json").is_file()


# ------------------------------------------------------------------ the cache file


@pytest.fixture
def csite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    _make_site(root, pages=3)
    monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    monkeypatch.chdir(root)
    return root


def _cache_file(root: Path) -> Path:
    return root / ".finops-lint-cache" / "check-v4.json"


def _delta_file(root: Path) -> Path:
    return root / ".finops-lint-cache" / "check-v4.delta.json"


def _record(root: Path) -> tuple[bytes, bytes | None]:
    """The main file and its delta file (cache.delta), as they are on disk."""
    delta = _delta_file(root)
    return _cache_file(root).read_bytes(), delta.read_bytes() if delta.exists() else None


def _cli(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_LINT")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "finops_lint", "check", "--format", "json", *args],
        cwd=root,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _cache_notices(result: RunResult) -> list[str]:
    return [n for n in result.notices if "result cache" in n]


def test_a_warm_run_reuses_every_page_and_says_nothing(csite: Path) -> None:
    cold = run(RunOptions(paths=[csite]))
    assert _cache_file(csite).is_file()
    assert {"p0.md", "p1.md", "p2.md", "_notes/n1.md"} <= set(_all_pages(csite))
    warm = run(RunOptions(paths=[csite]))
    assert _outcome(warm) == _outcome(cold)
    assert not _cache_notices(warm)
    # git never sees the cache, even with `git add -A`
    ignore = csite / ".finops-lint-cache" / ".gitignore"
    assert ignore.read_text("utf-8").splitlines()[-1] == "*"


def test_the_findings_files_grow_and_shrink_with_the_tree(
    csite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small site's entries are in one findings file; when the tree outgrows the
    count recorded (here: two files of the tree per findings file) every entry moves
    to the new count's files, those of the old count are removed, and the next run
    reuses every page from them. Back to one when it shrinks."""
    from finops_lint import workers

    cold = run(RunOptions(paths=[csite]))
    folder = csite / ".finops-lint-cache"
    assert _shards(csite) == 1
    assert {p.name for p in folder.glob("check-v4.*p*.json")} == {"check-v4.s1.p00.json"}
    entries = _all_entries(csite)
    monkeypatch.setattr(cache_store, "FILES_PER_SHARD", 2)  # 12 files: 8 findings files
    moved = run(RunOptions(paths=[csite]))
    assert _outcome(moved) == _outcome(cold) and not _cache_notices(moved)
    assert _shards(csite) == 8
    assert not (folder / "check-v4.s1.p00.json").exists()
    assert _all_entries(csite) == entries
    assert {p.name for p in folder.glob("check-v4.*p*.json")} == {
        f"check-v4.s8.p{n:02d}.json" for n in range(8)
    }
    parsed: list[str] = []
    real = workers.load_documents
    monkeypatch.setattr(
        workers,
        "load_documents",
        lambda files, *a: parsed.extend(f.rel for f in files) or real(files, *a),
    )
    warm = run(RunOptions(paths=[csite]))
    assert _outcome(warm) == _outcome(cold) and not parsed
    one = run(RunOptions(paths=[csite / "p1.md"]))  # a one-page run reads p1.md's file
    assert not parsed and not _cache_notices(one)
    monkeypatch.setattr(cache_store, "FILES_PER_SHARD", 128)
    back = run(RunOptions(paths=[csite]))
    assert _outcome(back) == _outcome(cold) and not parsed
    assert _shards(csite) == 1 and _all_entries(csite) == entries
    assert {p.name for p in folder.glob("check-v4.*p*.json")} == {"check-v4.s1.p00.json"}


def test_a_record_without_a_count_has_the_64_files_of_before(csite: Path) -> None:
    """A main file written before there was a count ("shards" missing) names the 64
    findings files ``check-v4.pNN.json``: their entries are reused, and the next
    save moves them to the count of the tree."""
    cold = run(RunOptions(paths=[csite]))
    data = json.loads(_cache_file(csite).read_text("utf-8"))
    pages = json.loads(_store(csite).shard_path(0, 1).read_text("utf-8"))
    from finops_lint.cache.pages import shard_of

    for n in range(64):
        mine = {rel: e for rel, e in pages["pages"].items() if shard_of(rel, 64) == n}
        if mine:
            _store(csite).shard_path(n, 64).write_text(json.dumps({**pages, "pages": mine}))
    _store(csite).shard_path(0, 1).unlink()
    del data["shards"]
    _cache_file(csite).write_text(json.dumps(data), "utf-8")
    assert cache_store.parse(_cache_file(csite).read_bytes(), 2**62).shards == 64
    assert set(_all_pages(csite)) == set(pages["pages"])
    again = run(RunOptions(paths=[csite]))
    assert _outcome(again) == _outcome(cold) and not _cache_notices(again)
    assert _shards(csite) == 1 and set(_all_pages(csite)) == set(pages["pages"])
    assert not list((csite / ".finops-lint-cache").glob("check-v4.p*.json"))


HOSTILE = [
    b"not json at all",
    b'{"format": "finops-lint-check-cache", "version": 1, "key": "',  # truncated
    b"[]",
    b'{"format": "finops-lint-check-cache", "version": 99}',
    b"\xff\xfe garbage",
]


def _valid_cache(root: Path) -> dict[str, Any]:
    run(RunOptions(paths=[root]))
    data: dict[str, Any] = json.loads(_cache_file(root).read_text("utf-8"))
    return data


def _shards(root: Path) -> int:
    """How many findings files the main file records."""
    main = cache_store.parse(_cache_file(root).read_bytes(), 2**62)
    return main.shards


def _store(root: Path) -> cache_store.Store:
    return cache_store.Store(root / ".finops-lint-cache", "check-v4.json", lambda _m: None)


def _shard_file(root: Path, rel: str) -> Path:
    from finops_lint.cache.pages import shard_of

    count = _shards(root)
    return _store(root).shard_path(shard_of(rel, count), count)


def _all_pages(root: Path) -> dict[str, Any]:
    """Every page entry of the findings files the main file records."""
    out: dict[str, Any] = {}
    count = _shards(root)
    for n in range(count):
        path = _store(root).shard_path(n, count)
        if path.exists():
            out.update(json.loads(path.read_text("utf-8"))["pages"])
    return out


def _all_entries(root: Path) -> dict[str, Any]:
    """Every page entry of the findings files the main file records, read back (its
    questions, not their indexes in its file's table)."""
    main = cache_store.parse(_cache_file(root).read_bytes(), 2**62)
    out: dict[str, Any] = {}
    for n in range(main.shards):
        path = _store(root).shard_path(n, main.shards)
        if path.exists():
            out.update(parse_shard(path.read_bytes(), n, main.shards, main.key, 2**62) or {})
    return out


def _tampered(root: Path, data: dict[str, Any], how: str) -> tuple[Path, bytes]:
    """(the cache file to overwrite, its tampered bytes)."""
    from finops_lint.cache.pages import shard_of

    d = json.loads(json.dumps(data))
    rel = sorted(d["files"])[0]
    page = "p0.md"
    shard_path = _shard_file(root, page)
    shard = json.loads(shard_path.read_text("utf-8"))
    entry = shard["pages"][page]
    if how == "nan-mtime":
        text = json.dumps(d).replace(json.dumps(d["files"][rel]), '[1, NaN, 1, "", false]', 1)
        return _cache_file(root), text.encode()
    if how == "negative-mtime":
        d["files"][rel][1] = -5
    elif how == "future-mtime":
        d["files"][rel][1] = d["written_ns"] + 10**12
    elif how == "future-written":
        d["written_ns"] = 2**62
    elif how == "string-size":
        d["files"][rel][0] = "12"
    elif how == "bool-size":
        d["files"][rel][0] = True
    elif how == "outside-root":
        d["files"]["../outside.md"] = d["files"][rel]
    elif how == "absolute-path":
        d["files"]["/etc/passwd"] = d["files"][rel]
    elif how == "racy-without-hash":
        d["files"][rel][4] = True
        d["files"][rel][3] = ""
    elif how == "bad-hash":
        d["files"][rel][3] = "zz"
    elif how == "bad-tree":
        d["tree"] = "../x"
    elif how == "facts-bad-tag":
        d["facts"][rel] = [True, [1, True, ["m", [[["s", "permalink"], ["exec", "x"]]]], None]]
    elif how == "facts-not-a-mapping":
        d["facts"][rel] = [True, [1, True, ["l", []], None]]
    elif how == "facts-bad-line":
        d["facts"][rel] = [True, [0, True, ["m", []], None]]
    elif how == "facts-outside-root":
        d["facts"]["../x.md"] = [True, None]
    elif how == "facts-deep":
        value: list[Any] = ["n"]
        for _ in range(50):
            value = ["l", [value]]
        d["facts"][rel] = [True, [1, True, ["m", [[["s", "k"], value]]], None]]
    elif how == "facts-plain-not-text":
        d["facts"][rel] = [True, [1, True, {"permalink": ["/p0/"]}, None]]
    elif how == "facts-bad-url":
        d["facts"][rel] = [True, [1, True, ["m", []], ["p0/", ".html", []]]]
    elif how == "facts-bad-placeholder":
        d["facts"][rel] = [True, [1, True, ["m", []], ["/p0/", ".html", [3]]]]
    elif how == "layouts-bad-name":
        d["layouts"][rel] = [3, True]
    elif how == "layouts-bad-flag":
        d["layouts"][rel] = ["default", "yes"]
    elif how == "layouts-bad-include":
        d["layouts"][rel] = ["default", ["all.html", 7]]
    elif how == "layouts-outside-root":
        d["layouts"]["../x.md"] = [False, False]
    else:  # the findings file of p0.md
        if how == "page-outside-root":
            shard["pages"]["../" + page] = entry
        elif how == "page-in-another-file":  # every path has its one file
            # a record of two findings files (a small site has one), p0.md's holding a
            # page of the other
            n = shard_of(page, 2)
            ghost = next(f"g{i}.md" for i in range(999) if shard_of(f"g{i}.md", 2) != n)
            shard["pages"][ghost] = entry
            _store(root).shard_path(n, 2).write_text(json.dumps(shard), "utf-8")
            d["shards"] = 2
            return _cache_file(root), json.dumps(d).encode()
        elif how == "page-negative-mtime":
            entry[0][1] = -5
        elif how == "page-future-mtime":
            entry[0][1] = d["written_ns"] + 10**12
        elif how == "page-bad-hash":
            entry[0][3] = "zz"
        elif how == "page-bad-tree":
            entry[1] = "/etc"
        elif how == "bad-code":
            entry[2] = ["rm -rf"]
        elif how == "bad-finding":
            entry[3] = [[0, 1, "LK001", "x", "error", "m", None, None, [], None]]
        elif how == "bad-severity":
            entry[3] = [[1, 1, "LK001", "x", "fatal", "m", None, None, [], None]]
        elif how == "related-outside":
            entry[3] = [
                [1, 1, "LK001", "x", "error", "m", None, None, [["../../x", 1, 1, ""]], None]
            ]
        elif how == "question-unknown-kind":  # a question this version cannot ask
            shard["questions"].append(["os.system", "rm -rf /"])
        elif how == "question-not-scalar":
            shard["questions"].append(["doc", {"x": 1}])
        elif how == "question-index-out-of-range":
            entry[4] = [entry[4][0], [len(shard["questions"]) + 5]]
        elif how == "question-negative-index":
            entry[4] = [entry[4][0], [-1]]
        elif how == "questions-bad-digest":
            entry[4] = ["not a digest", entry[4][1]]
        elif how == "questions-missing-table":
            del shard["questions"]
        elif how == "page-nan":
            text = json.dumps(shard).replace(json.dumps(entry[0]), '[1, NaN, 1, ""]', 1)
            return shard_path, text.encode()
        else:
            raise AssertionError(how)
        return shard_path, json.dumps(shard).encode()
    return _cache_file(root), json.dumps(d).encode()


TAMPERING = [
    "nan-mtime",
    "negative-mtime",
    "future-mtime",
    "future-written",
    "string-size",
    "bool-size",
    "outside-root",
    "absolute-path",
    "racy-without-hash",
    "bad-hash",
    "bad-tree",
    "facts-bad-tag",
    "facts-not-a-mapping",
    "facts-bad-line",
    "facts-outside-root",
    "facts-deep",
    "facts-plain-not-text",
    "facts-bad-url",
    "facts-bad-placeholder",
    "layouts-bad-name",
    "layouts-bad-flag",
    "layouts-bad-include",
    "layouts-outside-root",
    # a findings file
    "page-outside-root",
    "page-in-another-file",
    "page-negative-mtime",
    "page-future-mtime",
    "page-bad-hash",
    "page-bad-tree",
    "page-nan",
    "bad-code",
    "bad-finding",
    "bad-severity",
    "related-outside",
    "question-unknown-kind",
    "question-not-scalar",
    "question-index-out-of-range",
    "question-negative-index",
    "questions-bad-digest",
    "questions-missing-table",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_a_corrupt_or_truncated_cache_is_rebuilt_with_one_notice(csite: Path, raw: bytes) -> None:
    expected = _outcome(run(RunOptions(paths=[csite], cache=False)))
    _valid_cache(csite)
    _cache_file(csite).write_bytes(raw)
    result = run(RunOptions(paths=[csite]))
    assert _outcome(result) == expected
    assert len(_cache_notices(result)) == 1
    again = run(RunOptions(paths=[csite]))  # rebuilt: no notice the next time
    assert _outcome(again) == expected and not _cache_notices(again)


@pytest.mark.parametrize("how", TAMPERING)
def test_hostile_values_drop_the_cache(csite: Path, how: str) -> None:
    expected = _outcome(run(RunOptions(paths=[csite], cache=False)))
    data = _valid_cache(csite)
    path, raw = _tampered(csite, data, how)
    path.write_bytes(raw)
    result = run(RunOptions(paths=[csite]))
    assert _outcome(result) == expected
    assert len(_cache_notices(result)) == 1, result.notices
    assert not _cache_notices(run(RunOptions(paths=[csite])))


def test_forged_findings_for_a_changed_file_are_not_used(csite: Path) -> None:
    data = _valid_cache(csite)
    row = [3, 1, "LK001", "broken-link", "error", "forged", None, None, [], None]
    shard = json.loads(_shard_file(csite, "p0.md").read_text("utf-8"))
    shard["pages"]["p0.md"][3] = [row]
    _shard_file(csite, "p0.md").write_bytes(json.dumps(shard).encode())
    assert "forged" in [f.message for f in run(RunOptions(paths=[csite])).findings]
    _shard_file(csite, "p0.md").write_bytes(json.dumps(shard).encode())
    data["files"]["p0.md"][0] += 1  # the recorded size no longer matches the file
    _cache_file(csite).write_bytes(json.dumps(data).encode())
    result = run(RunOptions(paths=[csite]))
    assert "forged" not in [f.message for f in result.findings]
    # a findings entry made for another state of the file is not used either
    shard["pages"]["p0.md"][0][0] += 1
    _shard_file(csite, "p0.md").write_bytes(json.dumps(shard).encode())
    result = run(RunOptions(paths=[csite]))
    assert "forged" not in [f.message for f in result.findings]


def test_a_wrong_key_is_a_silent_miss(csite: Path) -> None:
    data = _valid_cache(csite)
    data["key"] = "0" * 32
    _cache_file(csite).write_bytes(json.dumps(data).encode())
    result = run(RunOptions(paths=[csite]))
    assert not _cache_notices(result)
    assert json.loads(_cache_file(csite).read_text("utf-8"))["key"] != "0" * 32


def test_no_cache_writes_nothing(csite: Path) -> None:
    proc = _cli(csite, "--no-cache")
    assert proc.returncode in (0, 1), proc.stderr
    assert not (csite / ".finops-lint-cache").exists()
    proc = _cli(csite, env={"FINOPS_LINT_NO_CACHE": "1"})
    assert proc.returncode in (0, 1), proc.stderr
    assert not (csite / ".finops-lint-cache").exists()
    assert _cli(csite).stdout == proc.stdout  # and the cache changes nothing
    assert _cache_file(csite).is_file()


def test_a_read_only_tree_runs_without_a_cache(
    csite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    expected = _outcome(run(RunOptions(paths=[csite], cache=False)))

    def read_only(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(cache_store.os, "mkdir", read_only)
    result = run(RunOptions(paths=[csite]))
    assert _outcome(result) == expected
    assert not _cache_notices(result)
    assert not (csite / ".finops-lint-cache").exists()


def test_a_site_root_without_write_permission_gets_no_cache_even_for_root(csite: Path) -> None:
    expected = _outcome(run(RunOptions(paths=[csite], cache=False)))
    mode = csite.stat().st_mode
    csite.chmod(0o555)
    try:
        result = run(RunOptions(paths=[csite]))
        assert _outcome(result) == expected
        assert not _cache_notices(result)
        assert not (csite / ".finops-lint-cache").exists()
    finally:
        csite.chmod(mode)


def test_the_size_bound_stops_writing_and_reading(
    csite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _outcome(run(RunOptions(paths=[csite], cache=False)))
    monkeypatch.setattr(cache_store, "MAX_CACHE_FILE_BYTES", 200)
    result = run(RunOptions(paths=[csite]))
    assert _outcome(result) == expected
    assert len(_cache_notices(result)) == 1
    assert not _cache_file(csite).exists()
    monkeypatch.setattr(cache_store, "MAX_CACHE_FILE_BYTES", 64 * 1024 * 1024)
    run(RunOptions(paths=[csite]))
    assert _cache_file(csite).stat().st_size > 200
    monkeypatch.setattr(cache_store, "MAX_CACHE_FILE_BYTES", 200)
    result = run(RunOptions(paths=[csite]))  # too large to read: not read, one notice
    assert _outcome(result) == expected
    assert len(_cache_notices(result)) == 1


def _entries_but_tree(root: Path) -> dict[str, Any]:
    """`_all_entries` without the tree name (a new one each cold run)."""
    return {rel: replace(e, tree="") for rel, e in _all_entries(root).items()}


def test_a_big_save_writes_findings_files_in_another_process_as_well(
    csite: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With many pages to write (`results.SPLIT_SAVE`), a forked process writes two
    findings files in three while this one writes the others and the main file: the
    files are those one process writes. When that process fails, this one writes its
    files too; the notice it gives comes back here (one, as always)."""
    from finops_lint import engine, workers
    from finops_lint.cache import results

    folder = csite / ".finops-lint-cache"
    monkeypatch.setattr(cache_store, "FILES_PER_SHARD", 2)  # 12 files: 8 findings files
    monkeypatch.setattr(results, "SPLIT_SAVE", (10**9, 0))  # never
    expected = _outcome(run(RunOptions(paths=[csite])))
    alone = _entries_but_tree(csite)
    assert _shards(csite) == 8
    numbers = {shard_of(rel, 8) for rel in alone}  # in both processes' parts
    assert any(n % 3 == 0 for n in numbers) and any(n % 3 for n in numbers)

    log = tmp_path / "writers.log"
    real_write = cache_store.write_atomic

    def noted(path: Path, data: Any, **kwargs: Any) -> None:
        with open(log, "a", encoding="utf-8") as out:  # (from either process)
            out.write(f"{os.getpid()} {path.name}\n")
        real_write(path, data, **kwargs)

    monkeypatch.setattr(cache_store, "write_atomic", noted)
    monkeypatch.setattr(results, "SPLIT_SAVE", (1, 10**9))
    for how in ("forked", "failed"):
        if how == "failed":  # the other process did nothing: this one writes them all
            monkeypatch.setattr(engine, "beside", lambda work, notice: lambda: False)
        shutil.rmtree(folder)
        log.write_text("", "utf-8")
        result = run(RunOptions(paths=[csite]))
        assert _outcome(result) == expected and not _cache_notices(result)
        assert _entries_but_tree(csite) == alone
        writers: dict[str, set[str]] = {}
        for line in log.read_text("utf-8").splitlines():
            pid, name = line.split()
            writers.setdefault(pid, set()).add(name)
        assert "check-v4.json" in writers[str(os.getpid())]
        shards = {name for names in writers.values() for name in names if ".p" in name}
        assert shards == {p.name for p in folder.glob("check-v4.s8.p*.json")}
        assert len(writers) == (2 if how == "forked" and workers._may_fork() else 1)

    monkeypatch.setattr(engine, "beside", workers.beside)
    monkeypatch.setattr(cache_store, "MAX_CACHE_FILE_BYTES", 200)  # too large, in both
    result = run(RunOptions(paths=[csite]))
    assert _outcome(result) == expected
    assert len(_cache_notices(result)) == 1


def test_findings_files_written_without_their_main_file_are_never_read_wrongly(
    csite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The findings files are written one at a time, before the main file (a big
    site's would not all fit in memory at once). A save that stops after some of them
    (the disk fills; the main file would be too large) leaves the previous main file:
    the next runs give exactly what a run without the cache gives."""
    run(RunOptions(paths=[csite]))
    for n in range(3):  # every page's findings change (and its file state)
        page = csite / f"p{n}.md"
        page.write_text(page.read_text("utf-8") + "\nTODO: more.\n", "utf-8")
        os.utime(page, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))
    main_before = _record(csite)
    real_write = cache_store.write_atomic
    written: list[str] = []

    def disk_full_at_the_main_file(path: Path, data: bytes, **kwargs: Any) -> None:
        if path.name in (_cache_file(csite).name, _delta_file(csite).name):
            raise OSError(28, "No space left on device")
        written.append(path.name)
        real_write(path, data, **kwargs)

    monkeypatch.setattr(cache_store, "write_atomic", disk_full_at_the_main_file)
    expected = _outcome(run(RunOptions(paths=[csite], cache=False)))
    result = run(RunOptions(paths=[csite]))
    assert _outcome(result) == expected
    assert written, "no findings file was written before the main file"
    assert any("not written" in n for n in _cache_notices(result))
    assert _record(csite) == main_before
    monkeypatch.setattr(cache_store, "write_atomic", real_write)
    assert _both(csite) == (expected, expected)
    cached, fresh = _both(csite, "p1.md")
    assert cached == fresh


def test_a_symlinked_cache_folder_or_file_is_never_written_through(
    csite: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (csite / ".finops-lint-cache").symlink_to(elsewhere)
    result = run(RunOptions(paths=[csite]))
    assert len(_cache_notices(result)) == 1
    assert list(elsewhere.iterdir()) == []
    (csite / ".finops-lint-cache").unlink()
    (csite / ".finops-lint-cache").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", "utf-8")
    _cache_file(csite).symlink_to(victim)
    run(RunOptions(paths=[csite]))
    assert victim.read_text("utf-8") == "keep me"
    assert not _cache_file(csite).is_symlink()
    # the delta file too (a run that changed one page writes it)
    _delta_file(csite).unlink(missing_ok=True)
    _delta_file(csite).symlink_to(victim)
    (csite / "p1.md").write_text((csite / "p1.md").read_text("utf-8") + "\nMore.\n", "utf-8")
    result = run(RunOptions(paths=[csite / "p1.md"]))
    assert victim.read_text("utf-8") == "keep me"
    assert _delta_file(csite).is_file() and not _delta_file(csite).is_symlink()
    assert _outcome(result) == _outcome(run(RunOptions(paths=[csite / "p1.md"], cache=False)))


def test_a_delta_path_that_is_a_folder_turns_the_cache_off_with_one_notice(csite: Path) -> None:
    run(RunOptions(paths=[csite]))
    _delta_file(csite).mkdir()
    (csite / "p1.md").write_text((csite / "p1.md").read_text("utf-8") + "\nMore.\n", "utf-8")
    result = run(RunOptions(paths=[csite / "p1.md"]))
    assert len(_cache_notices(result)) == 1
    assert _outcome(result) == _outcome(run(RunOptions(paths=[csite / "p1.md"], cache=False)))
    assert _both(csite) == (_outcome(run(RunOptions(paths=[csite], cache=False))),) * 2


def test_concurrent_runs_never_corrupt_the_cache(csite: Path) -> None:
    expected = _cli(csite, "--no-cache").stdout
    for round_ in range(3):
        (csite / "p1.md").write_text(
            (csite / "p1.md").read_text("utf-8") + f"\nRound {round_}.\n", "utf-8"
        )
        expected = _cli(csite, "--no-cache").stdout
        env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_LINT")}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "finops_lint", "check", "--format", "json"],
                cwd=csite,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert out == expected
            assert "result cache" not in err
        main = cache_store.parse(_cache_file(csite).read_bytes(), 2**62)  # whole and valid
        for n in range(main.shards):
            shard = _store(csite).shard_path(n, main.shards)
            if shard.exists():
                assert parse_shard(shard.read_bytes(), n, main.shards, main.key, 2**62) is not None
        after = _cli(csite)
        assert after.stdout == expected and "result cache" not in after.stderr


def test_the_lock_is_held_while_writing(csite: Path) -> None:
    import fcntl

    run(RunOptions(paths=[csite]))
    before = _record(csite)
    (csite / "p2.md").write_text("---\ntitle: changed\n---\n# Changed\n", "utf-8")
    lock = csite / ".finops-lint-cache" / "check-v4.lock"
    with open(lock, "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = run(RunOptions(paths=[csite]))  # another run is writing: this one does not
        assert not _cache_notices(result)
        assert _record(csite) == before
    run(RunOptions(paths=[csite]))
    assert _record(csite) != before


def test_init_adds_the_cache_folder_to_gitignore_once(tmp_path: Path) -> None:
    from finops_lint.init import ignore_cache

    (tmp_path / ".gitignore").write_text("_site/\n.jekyll-cache", "utf-8")
    assert "added .finops-lint-cache/" in ignore_cache(tmp_path)
    assert ignore_cache(tmp_path) == ""
    lines = (tmp_path / ".gitignore").read_text("utf-8").splitlines()
    assert lines == ["_site/", ".jekyll-cache", ".finops-lint-cache/"]
    victim = tmp_path / "victim"
    victim.write_text("keep", "utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / ".gitignore").symlink_to(victim)
    assert ignore_cache(other).startswith("hint:")
    assert victim.read_text("utf-8") == "keep"


def test_a_one_page_run_stats_the_unchanged_pages_and_reads_none(csite: Path) -> None:
    import time

    from finops_lint.site import build, prefetch, source

    old = time.time() - 60  # not racy: the stat alone vouches for these files
    for path in csite.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    run(RunOptions(paths=[csite]))
    (csite / "p0.md").write_text((csite / "p0.md").read_text("utf-8") + "\nMore.\n", "utf-8")
    read: list[str] = []
    with pytest.MonkeyPatch.context() as spying:
        for module in (build, source):
            real = module.read_bytes

            def spy(path: Any, *args: Any, _real: Any = real, **kwargs: Any) -> bytes:
                read.append(Path(path).name)
                return bytes(_real(path, *args, **kwargs))

            spying.setattr(module, "read_bytes", spy)
        real_if = prefetch.read_if_front_matter

        def spy_if(path: str) -> bytes | None:
            read.append(Path(path).name)
            return real_if(path)

        spying.setattr(prefetch, "read_if_front_matter", spy_if)
        cached = _outcome(run(RunOptions(paths=[csite / "p0.md"])))
    # the Site reads the changed page only (its fence and its text, one open)
    assert [name for name in read if name.endswith(".md")] == ["p0.md"]
    assert cached == _outcome(run(RunOptions(paths=[csite / "p0.md"], cache=False)))


def test_a_run_holds_one_parsed_findings_file_at_a_time(
    csite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan and the save go through the findings files one at a time and forget
    each before the next: a deletion on a big site plans every page again, and all
    64 files parsed at once were hundreds of MB at 100,000 pages."""
    from finops_lint.cache import results

    for n in range(3, 40):
        (csite / f"p{n}.md").write_text(_page(n, [0, 1], ["Part A"]), "utf-8")
    run(RunOptions(paths=[csite]))
    held: list[int] = []
    real = results.ResultCache._shard

    def counting(self: results.ResultCache, n: int) -> dict[str, Any]:
        out = real(self, n)
        held.append(sum(1 for parsed in self._shards.values() if parsed))
        return out

    monkeypatch.setattr(results.ResultCache, "_shard", counting)
    (csite / "p0.md").unlink()  # a link target of every page: all are planned again
    cached, fresh = _both(csite)
    assert cached == fresh
    assert len(held) > 20 and max(held) == 1


@pytest.mark.parametrize("entries", [0, 1, 2047, 2048, 2049, 5000])
def test_the_main_file_written_in_pieces_is_one_json_document(entries: int) -> None:
    """The main file is encoded a few thousand entries at a time (38 MB at 100,000
    pages): the same bytes as one json.dumps of the whole, at every chunk boundary."""
    from finops_lint.cache.facts import dump_facts

    cache = cache_store.CacheData(key="k" * 32, written_ns=5)
    cache.files = {f"p{i}\u00e9.md": (i, 2, 3, "ab", False) for i in range(entries)}
    cache.facts = {f"p{i}\u00e9.md": (True, None) for i in range(entries)}
    cache.layouts = {f"l{i}": ("x", True) for i in range(entries % 7)}
    cache.problems = [("a.md", 3, "msg")] if entries else []
    whole = {
        "format": cache_store.FORMAT,
        "version": cache_store.VERSION,
        "key": cache.key,
        "shards": cache.shards,
        "written_ns": cache.written_ns,
        "files": {rel: list(sig) for rel, sig in sorted(cache.files.items())},
        "site": cache.site,
        "tree": cache.tree,
        "problems": [list(p) for p in cache.problems],
        "facts": dump_facts(cache.facts, cache.facts_read),
        "layouts": {rel: list(v) for rel, v in sorted(cache.layouts.items())},
    }
    expected = json.dumps(whole, separators=(",", ":"), allow_nan=False).encode("utf-8")
    assert cache_store.dump(cache) == expected


def test_a_page_type_s_repeated_sentence_follows_the_other_pages(csite: Path) -> None:
    """PH004 groups a sentence repeated on pages of one type, reading the other pages'
    source first and parsing only those that may hold it: when another page gains,
    loses or splits the sentence with markup, a one-page run of an unchanged page
    gives what a run without the cache gives."""
    (csite / ".finops-lint.yaml").write_text(
        "extends: jekyll\npage-types:\n  note:\n    match: ['_notes/*.md']\n", "utf-8"
    )
    soon = "\nTraining partners coming soon.\n"
    for n in (1, 2, 3):
        text = f"---\ntitle: Note {n}\n---\n# Note {n}\n" + (soon if n < 3 else "")
        (csite / "_notes" / f"n{n}.md").write_text(text, "utf-8")
    third = csite / "_notes" / "n3.md"
    base = third.read_text("utf-8")
    related = []
    for edit in ("", soon, soon.replace("coming", "co**ming**"), soon.upper(), ""):
        third.write_text(base + edit, "utf-8")
        for one in ("_notes/n1.md", "_notes/n2.md", "_notes/n3.md", ""):
            cached, fresh = _both(csite, *([one] if one else []))
            assert cached == fresh, (edit, one)
        notes = [f for f in fresh[0] if f["code"] == "PH004" and "_notes" in f["path"]]
        related.append([len(f.get("related", [])) for f in notes])
    # n1 holds the finding, with n2 (and n3 when it has the sentence as text) related
    assert related == [[1], [2], [1, 0], [2], [1]]


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -2.5,
        "x",
        ["a", 1, [None]],
        {"k": {"n": [1, 2]}, 3: "int key"},
        __import__("datetime").date(2024, 1, 31),
        __import__("datetime").datetime(2024, 1, 31, 10, 5, 1),
        __import__("datetime").datetime.fromisoformat("2024-01-31T10:05:01+02:00"),
    ],
)
def test_front_matter_values_come_back_with_their_types(value: Any) -> None:
    from finops_lint.cache.facts import decode, encode

    back = decode(json.loads(json.dumps(encode(value))))
    assert back == value and type(back) is type(value)


def test_facts_written_as_read_are_the_facts_encoded_again(csite: Path) -> None:
    """`dump` copies an unchanged fact's JSON from the file it read: the file is
    byte for byte the one encoding every fact gives, with one fact changed too."""
    page = csite / "p1.md"  # a date: a fact in the tagged form
    dated = page.read_text("utf-8").replace("title: Page 1", "title: Page 1\ndate: 2024-01-31")
    page.write_text(dated, "utf-8")
    _age(csite, 0, int(time.time()) - 3600)  # not racy: their stat vouches for the facts
    run(RunOptions(paths=[csite]))
    data = cache_store.parse(_cache_file(csite).read_bytes(), time.time_ns())
    assert data.facts_read is not None and data.facts
    assert any(isinstance(url[0].get("date"), date) for _f, url in data.facts.values() if url)
    encoded_again = replace(data, facts_read=None)
    assert cache_store.dump(data) == cache_store.dump(encoded_again)
    rel = sorted(data.facts)[0]
    flag, url = data.facts[rel]
    data.facts = {**data.facts, rel: (not flag, url)}
    encoded_again.facts = data.facts
    assert cache_store.dump(data) == cache_store.dump(encoded_again)
    assert cache_store.parse(cache_store.dump(data), time.time_ns()).facts[rel][0] is not flag


def test_values_json_cannot_hold_are_not_stored() -> None:
    from finops_lint.cache.facts import NotStorable, encode

    for value in (float("nan"), b"bytes", {1, 2}):
        with pytest.raises(NotStorable):
            encode(value)


def test_byte_code_of_the_tool_is_not_in_the_key(tmp_path: Path) -> None:
    """A first run that writes `__pycache__` beside the sources (an editable install)
    must not empty the cache for the second; a changed source must."""
    import hashlib

    from finops_lint.cache.tree import feed_package

    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n", encoding="utf-8")
    (pkg / "sub" / "b.py").write_text("y = 2\n", encoding="utf-8")

    def key() -> str:
        h = hashlib.blake2b(digest_size=16)
        feed_package(h, pkg)
        return h.hexdigest()

    before = key()
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\x00" * 10)
    (pkg / "sub" / "__pycache__").mkdir()
    (pkg / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"\x00" * 10)
    (pkg / "c.pyc").write_bytes(b"\x00")
    assert key() == before
    (pkg / "sub" / "b.py").write_text("y = 3\n", encoding="utf-8")
    assert key() != before


def test_the_previous_format_s_files_are_removed(csite: Path) -> None:
    folder = csite / ".finops-lint-cache"
    folder.mkdir()
    old = [folder / "check-v3.json", folder / "check-v3.p07.json", folder / "check-v3.lock"]
    old.append(folder / "check-v2.json")
    for path in old:
        path.write_text("{}", "utf-8")
    run(RunOptions(paths=[csite]))
    assert not [p for p in old if p.exists()]
    assert _cache_file(csite).is_file()


def test_an_upgraded_dependency_is_in_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip rewrites a library it upgrades: markdown-it-py or PyYAML read pages, so the
    result cache and the replay (both keyed by `tool_state`) must not outlive it."""
    from finops_lint.cache import tree

    lib = tmp_path / "lib"
    (lib / "markdown_it").mkdir(parents=True)
    init = lib / "markdown_it" / "__init__.py"
    init.write_text("__version__ = '3.0.0'\n", encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(lib), *sys.path])

    def state() -> bytes:
        monkeypatch.setattr(tree, "_TOOL_STATE", [])
        return tree.tool_state()

    before = state()
    assert state() == before
    init.write_text("__version__ = '4.0.0'\n", encoding="utf-8")
    assert state() != before
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(lib)])
    assert state() != before  # the installed one is another file


def test_a_page_moved_back_while_the_run_read_the_site_is_not_taken_as_walked(
    csite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache records the tree walked at the start of the run. A page moved away
    before the walk and back before the pages are read keeps its size, mtime and
    inode: the findings (made with the page) must not be reused for the tree without
    it for the tree's name alone. Its folder's mtime tells (cache.tree.Walk)."""
    from finops_lint.cache import results

    run(RunOptions(paths=[csite]))
    away = csite.parent / "p0.md"
    (csite / "p0.md").rename(away)
    walk = results.Walk

    class WalkThenRestore(walk):  # type: ignore[misc, valid-type]
        def __init__(self, root: str) -> None:
            super().__init__(root)
            if away.exists():
                away.rename(csite / "p0.md")

    monkeypatch.setattr(results, "Walk", WalkThenRestore)
    run(RunOptions(paths=[csite]))  # walked without p0.md, read with it
    monkeypatch.setattr(results, "Walk", walk)
    (csite / "p0.md").rename(away)  # the tree walked, exactly
    cached, fresh = _both(csite)
    assert cached == fresh
