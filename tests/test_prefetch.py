"""The Site's files read ahead in two processes (site.prefetch, workers.split_in_two)
give the Site, and what it learns for the result cache, that reading them in the
build gives."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import finops_lint.site.build as build
from finops_lint import workers
from finops_lint.cache.facts import KnownFacts
from finops_lint.site import Site
from finops_lint.site.prefetch import FileFacts, read_file_facts
from finops_lint.workers import HalfExchange, split_in_two
from tests.corpus import framework_site


def _shape(site: Site) -> dict[str, Any]:
    """What the Site says of every page and file."""
    return {
        "pages": {
            rel: (p.url, p.output, p.collection, p.output_ext, p.destination, p._url_data, p.data)
            for rel, p in sorted(site.pages.items())
        },
        "statics": dict(sorted(site.static_by_path.items())),
        "problems": sorted(site.problems),
    }


def _learning() -> KnownFacts:
    return KnownFacts({}, lambda rel: False, lambda rel: True)


def _broken_site(tmp_path: Path) -> Path:
    """A small site with the cases the reading must keep: no front matter, an empty
    front matter, a permalink, bytes that are not UTF-8, a static file."""
    root = tmp_path / "site"
    (root / "_docs").mkdir(parents=True)
    (root / "_config.yml").write_text("collections:\n  docs:\n    output: true\n")
    (root / "index.md").write_text("---\ntitle: Home\n---\n# Home\n")
    (root / "plain.md").write_text("# No front matter\n")
    (root / "empty.md").write_text("---\n---\nBody\n")
    (root / "moved.md").write_text("---\npermalink: /elsewhere/\ntitle: Moved\n---\n")
    (root / "latin.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    (root / "style.css").write_text("body {}\n")
    for n in range(30):
        (root / "_docs" / f"d{n}.md").write_text(f"---\ntitle: Doc {n}\norder: {n}\n---\n")
    return root


@pytest.mark.parametrize("where", ["corpus", "small"])
def test_reading_ahead_in_two_processes_builds_the_same_site(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = framework_site() if where == "corpus" else _broken_site(tmp_path)
    before_known = _learning()
    before = Site.build(root, known=before_known)
    monkeypatch.setattr(build, "MIN_FILES", 1)  # read ahead even a small site
    calls: list[int] = []

    def split(items: list[str], compute: Any) -> Any:
        calls.append(len(items))
        return split_in_two(items, compute)

    after_known = _learning()
    after = Site.build(root, known=after_known, split=split)
    assert calls and calls[0] > 5
    assert _shape(after) == _shape(before)
    assert after_known.learned == before_known.learned
    rel = next(r for r, p in sorted(after.pages.items()) if p.data)
    assert after.pages[rel].data == before.pages[rel].data  # read again on first use


def test_the_build_reads_what_it_did_not_read_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files whose facts the split left out (a child that died) are read by the build."""
    root = _broken_site(tmp_path)
    before = Site.build(root)
    monkeypatch.setattr(build, "MIN_FILES", 1)

    def half(items: list[str], compute: Any) -> Any:
        return compute(items[::2])

    assert _shape(Site.build(root, split=half)) == _shape(before)


def test_split_in_two_computes_every_item_once_in_two_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = os.getpid()
    items = [f"f{n}" for n in range(9)]
    out = split_in_two(items, lambda part: {i: os.getpid() for i in part})
    assert out == {i: parent for i in items}  # fewer than MIN_FILES: not worth a fork
    monkeypatch.setattr(build, "MIN_FILES", 1)
    out = split_in_two(items, lambda part: {i: os.getpid() for i in part})
    assert sorted(out) == items
    if hasattr(os, "fork") and (os.cpu_count() or 1) >= 2:
        assert {pid for pid in out.values()} == {
            parent,
            next(p for p in out.values() if p != parent),
        }
        assert sum(pid == parent for pid in out.values()) == 5  # every other item


def test_split_in_two_computes_the_childs_half_when_the_child_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(build, "MIN_FILES", 1)
    parent = os.getpid()

    def compute(part: list[str]) -> dict[str, int]:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return {i: 1 for i in part}

    assert split_in_two(["a", "b", "c"], compute) == {"a": 1, "b": 1, "c": 1}


def test_read_file_facts_of_the_cases(tmp_path: Path) -> None:
    root = _broken_site(tmp_path)
    (root / "liquid.md").write_text("---\nlayout: post # a comment\n---\n{{ page.title }}\n")
    (root / "nothing.md").write_text("---\nlayout: ~\n---\nText\n")
    rels = ["plain.md", "empty.md", "moved.md", "latin.md", "style.css", "liquid.md"]
    facts = read_file_facts(str(root), [*rels, "nothing.md"], also=len)
    assert facts["plain.md"] == FileFacts(False, None)
    assert facts["style.css"] == FileFacts(False, None)
    assert facts["empty.md"] == FileFacts(True, ({}, 1, False), (False, False), 13)
    moved = facts["moved.md"]
    assert moved.front_matter is True and moved.url_keys is not None
    assert moved.url_keys[0] == {"permalink": "/elsewhere/"}
    assert moved.layout == (False, False)
    # not UTF-8: no front matter data, no text to learn more of
    assert facts["latin.md"] == FileFacts(True, ({}, 1, False))
    assert facts["liquid.md"].layout == ("post", True)
    assert facts["nothing.md"].layout == (None, False)
    assert read_file_facts(str(root), rels) == {
        rel: f._replace(also=None) for rel, f in facts.items() if rel != "nothing.md"
    }

    def fails(text: str) -> Any:
        raise ValueError(text)

    # a failing test of a rule's is not learnt (its reader computes it), nor does it
    # stop the reading
    assert read_file_facts(str(root), rels, also=fails) == read_file_facts(str(root), rels)


def test_the_pages_read_ahead_give_the_templates_what_reading_them_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the framework site read ahead (its pages' own layouts and Liquid learnt as
    they are read), the templates' model finds the same layouts and breaks, learns
    the same facts for the result cache, and reads only the pages with Liquid; and
    `also` is learnt of every page read ahead."""
    from finops_lint.site.templates import TemplateLinks

    root = framework_site()

    def model(site: Site) -> tuple[Any, Any, KnownFacts, list[str]]:
        known = _learning()
        read: list[str] = []
        links = TemplateLinks(root, site, lambda rel: site.pages[rel].data, known=known)
        real = links._text

        def text(rel: str) -> str | None:
            read.append(rel)
            return real(rel)

        links._text = text  # type: ignore[method-assign]
        links._read_templates()  # again, counted
        return dict(links._layouts), links.broken(None), known, read

    plain = Site.build(root)
    assert plain.layout_facts == {} and plain.source_facts == {}
    monkeypatch.setattr(build, "MIN_FILES", 1)
    ahead = Site.build(root, split=split_in_two, also=lambda text: text.count("\n"))
    layouts, broken, known, read = model(ahead)
    assert (layouts, broken) == model(plain)[:2]
    assert known.learned_layouts == model(plain)[2].learned_layouts
    with_liquid = {rel for rel, (_own, liquid) in ahead.layout_facts.items() if liquid}
    pages = {rel for rel in read if not rel.startswith(("_layouts/", "_includes/"))}
    assert pages and pages <= with_liquid
    assert len(with_liquid) < len(ahead.pages) / 2
    for rel in ahead.pages:
        text = (root / rel).read_text("utf-8")
        assert ahead.source_facts[rel] == text.count("\n"), rel


def test_pages_read_ahead_are_hashed_as_a_worker_would_hash_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given `digests`, the build puts there each page's content hash as it reads it
    ahead: the hash `Workspace.file_digest` would read the file for (a page over the
    size bound, truncated the same way), and nothing for a file it did not read."""
    from finops_lint.safe_io import MAX_PAGE_BYTES, content_hash, read_bytes

    root = _broken_site(tmp_path)
    (root / "big.md").write_bytes(b"---\ntitle: Big\n---\n" + b"x" * (MAX_PAGE_BYTES + 10))
    monkeypatch.setattr(build, "MIN_FILES", 1)
    digests: dict[str, str | None] = {}
    site = Site.build(root, split=split_in_two, digests=digests)
    read = {rel for rel in site.pages if rel != "plain.md"}  # no front matter: not read
    assert set(digests) == read
    for rel in read:
        expected = content_hash(read_bytes(root / rel, MAX_PAGE_BYTES, truncate=True))
        assert digests[rel] == expected, rel
    assert _shape(site) == _shape(Site.build(root))
    assert "style.css" not in digests
    unasked = read_file_facts(str(root), sorted(read))  # none asked for: none made
    assert unasked and all(facts.digest is None for facts in unasked.values())


def test_the_templates_values_read_ahead_in_two_processes_give_the_same_breaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A whole-site pass of the templates' model reads every page's values first, half
    of them in a forked process: the breaks (LK014's findings) are those found reading
    each value when a template asks for it, and every page's values were read ahead."""
    import finops_lint.site.templates as templates
    from finops_lint.site.templates import TemplateLinks

    root = framework_site()
    site = Site.build(root)

    def data_of(rel: str) -> dict[str, Any]:
        return site.pages[rel].peek_data()

    asked: list[list[str]] = []
    # 274 pages: fewer than MIN_FILES, read as asked (no fork)
    TemplateLinks(root, site, data_of).broken(None, lambda items, _c: asked.append(items) or {})
    assert asked == []
    monkeypatch.setattr(templates, "MIN_FILES", 1)

    def split(items: list[str], compute: Any) -> dict[str, Any]:
        asked.append(items)
        return split_in_two(items, compute)

    plain = TemplateLinks(root, site, data_of)
    ahead = TemplateLinks(root, site, data_of)
    found = ahead.broken(None, split)
    assert found and found == plain.broken(None)
    assert len(asked) == 1 and sorted(asked[0]) == sorted(site.pages)
    assert set(ahead._values) == set(site.pages)
    keys = ahead._keys_read()
    for rel, (kept, values) in ahead._values.items():
        data = data_of(rel)
        assert kept == keys and values == {k: data[k] for k in keys if k in data}, rel


def test_one_open_of_a_file_reads_what_the_fence_test_and_the_read_gave(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`read_bytes_if`, and `read_if_front_matter` (the reading ahead's one open of a
    file), give None where `has_front_matter` says no, and else the bytes
    `read_bytes(truncate=True)` reads: small and large files (a large one is looked at
    before it is read on), a fence whose spaces run past the 65 bytes looked at, a
    BOM, bytes over the size bound, a FIFO, a folder, a missing file. A binary format
    is not opened, as `has_front_matter` does not open it."""
    import finops_lint.safe_io as safe_io
    from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes, read_bytes_if
    from finops_lint.site.source import (
        FENCE_LOOK,
        has_front_matter,
        read_if_front_matter,
        starts_with_fence,
    )

    monkeypatch.setattr(safe_io, "_WHOLE_BELOW", 1000)  # "large" files, made small
    cases = {
        "page.md": b"---\ntitle: A\n---\nBody\n",
        "large.md": b"---\ntitle: B\n---\n" + b"word " * 600,
        "large-static.js": b"var x = 1;\n" * 300,
        "spaces.md": b"---" + b" " * 70 + b"\ntitle: C\n---\n",
        "bom.md": b"\xef\xbb\xbf---\ntitle: D\n---\n",
        "over.md": b"---\ntitle: E\n---\n" + b"x" * 3000,
        "empty.md": b"",
        "fence-only.md": b"---",
        "image.png": b"---\nnot: an image\n---\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "folder.md").mkdir()
    names = [*cases, "pipe.md", "folder.md", "missing.md"]
    for limit in (2000, MAX_PAGE_BYTES):
        for name in names:
            path = str(tmp_path / name)
            got = read_bytes_if(path, limit, FENCE_LOOK, partial(starts_with_fence, path))
            want = read_bytes(path, limit, truncate=True) if has_front_matter(path) else None
            assert got == want, (name, limit)
            if limit == MAX_PAGE_BYTES:
                assert read_if_front_matter(path) == want, name
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, *a: opened.append(str(p)) or real_open(p, *a))
    assert read_if_front_matter(str(tmp_path / "image.png")) is None
    assert opened == []  # a binary format is not opened


def test_front_matter_read_ahead_is_what_parsing_the_page_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page's front matter read ahead (`Site.front_matter_read`) is the data, the
    positions and the reader a parse of the page gives; a parse given it for another
    text reads that text; front matter only PyYAML reads is not read ahead; a page's
    `data` is the same read ahead or not; and past `KEEP_FRONT_MATTER` characters a
    process keeps no more."""
    import finops_lint.site.prefetch as prefetch
    from finops_lint.parsing.frontmatter import parse_front_matter

    root = _broken_site(tmp_path)
    (root / "anchored.md").write_text("---\nbase: &b x\ntitle: *b\n---\n")
    (root / "block.md").write_text("---\ntitle: Block\nitems:\n  - name: a\n    url: /a/\n---\n")
    (root / "bad.md").write_text("---\ntitle: [unclosed\n---\n")
    monkeypatch.setattr(build, "MIN_FILES", 1)
    site = Site.build(root, split=split_in_two, checked=100)
    read = site.front_matter_read
    assert "anchored.md" not in read and "bad.md" not in read and "plain.md" not in read
    assert read["block.md"].plain is False and read["index.md"].plain is True
    assert len(read) == len(site.pages) - 4  # empty, anchors, invalid, not UTF-8
    for rel, ahead in read.items():
        text = (root / rel).read_text("utf-8")
        fresh, taken = parse_front_matter(text), parse_front_matter(text, ahead)
        assert taken.data is ahead.data and fresh.data == taken.data, rel
        assert (taken._plain, taken._block) == (fresh._plain, fresh._block), rel
        assert taken.key_positions == fresh.key_positions, rel
        assert taken.value_positions == fresh.value_positions, rel
    other = "---\ntitle: Other\n---\n"
    assert parse_front_matter(other, read["index.md"]).data == {"title": "Other"}
    assert _shape(site) == _shape(Site.build(root))
    assert Site.build(root, split=split_in_two).front_matter_read == {}  # not asked for
    monkeypatch.setattr(prefetch, "KEEP_FRONT_MATTER", 1)  # the first read in each process
    kept = Site.build(root, split=split_in_two, checked=100)
    assert 1 <= len(kept.front_matter_read) <= 2
    assert _shape(kept) == _shape(site)


def test_the_workers_parse_takes_the_front_matter_read_ahead_of_the_same_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`load_documents` given the front matter read ahead parses each page to the same
    Document, and reads the front matter of a page changed since it was read ahead."""
    from finops_lint.config import load_config
    from finops_lint.discover import discover
    from finops_lint.workspace import load_documents

    root = _broken_site(tmp_path)
    monkeypatch.setattr(build, "MIN_FILES", 1)
    site = Site.build(root, split=split_in_two, checked=100)
    config = load_config(root, None, search_from=root)
    files, _ = discover([root], root, config, root)
    (root / "moved.md").write_text("---\npermalink: /elsewhere/\ntitle: Changed\n---\n")
    plain, _ = load_documents(files, config)
    taken, _ = load_documents(files, config, None, site.front_matter_read)
    assert [d.rel_path for d in taken] == [d.rel_path for d in plain]
    for a, b in zip(plain, taken, strict=True):
        assert a.front_matter.data == b.front_matter.data, a.rel_path
        assert a.data == b.data and a.front_matter.key_positions == b.front_matter.key_positions
    moved = next(d for d in taken if d.rel_path == "moved.md")
    assert moved.data["title"] == "Changed"
    read = site.front_matter_read
    reused = [
        d for d in taken if d.rel_path in read and d.front_matter.data is read[d.rel_path].data
    ]
    assert len(reused) == len(read) - 1  # all but the changed page


def test_a_whole_site_run_reads_each_front_matter_ahead_to_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the framework site read ahead, a whole-site run reads every page's front
    matter in the Site's reading ahead, for its workers, templates and helper to take,
    and finds what a run that reads none ahead finds; a run of one page reads none."""
    import shutil

    import finops_lint.site.prefetch as prefetch
    from finops_lint.engine import RunOptions, run

    root = tmp_path / "fw"
    shutil.copytree(framework_site(), root, ignore=shutil.ignore_patterns("_site", ".git"))
    monkeypatch.chdir(root)
    monkeypatch.setattr(build, "MIN_FILES", 1)
    built: list[Site] = []
    real = Site.build.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Site], *args: Any, **kwargs: Any) -> Site:
        built.append(real(cls, *args, **kwargs))
        return built[-1]

    monkeypatch.setattr(Site, "build", classmethod(spy))

    def outcome(paths: list[Path]) -> Any:
        result = run(RunOptions(paths=paths, cache=False))
        return [f.to_dict() for f in result.findings], result.checked, result.notices

    whole = outcome([root])
    assert len(built[-1].front_matter_read) > len(built[-1].pages) * 0.9
    one = outcome([root / "_capabilities" / "forecasting.md"])
    assert built[-1].front_matter_read == {}
    # a run that checks external links parses every page before its rules: the same
    import finops_lint.engine as engine

    taken: list[int] = []
    real_load = engine.load_documents

    def load(files: Any, config: Any, hashes: Any = None, read: Any = None) -> Any:
        taken.append(len(read or {}))
        return real_load(files, config, hashes, read)

    monkeypatch.setattr(engine, "load_documents", load)
    monkeypatch.setattr(engine, "_check_external", lambda *_args: None)  # (no network)
    run(RunOptions(paths=[root], cache=False, external=True))
    assert taken == [len(built[-1].front_matter_read)] and taken[0] > 200
    monkeypatch.setattr(prefetch, "KEEP_FRONT_MATTER", 0)  # none kept
    assert outcome([root]) == whole
    assert built[-1].front_matter_read == {}
    assert one[1] == ["_capabilities/forecasting.md"]


def test_a_site_of_few_files_is_read_the_same_way_in_one_process(tmp_path: Path) -> None:
    """Below `MIN_FILES` the build does not fork, but reads its files as a reading
    process would (`read_file_facts`: one open each), keeping their facts (layouts,
    `also`, hashes, the front matter on a run that checks most pages) for the run's
    later readers; the Site is the one it builds without them."""
    root = _broken_site(tmp_path)
    split_calls: list[int] = []
    readers: set[int] = set()

    def split(items: list[str], compute: Any) -> Any:
        split_calls.append(len(items))

        def read(part: list[str]) -> Any:
            readers.add(os.getpid())
            return compute(part)

        return split_in_two(items, read)

    digests: dict[str, str | None] = {}
    site = Site.build(root, split=split, also=len, digests=digests, checked=100)
    assert split_calls and readers == {os.getpid()}  # 37 files: no fork
    assert _shape(site) == _shape(Site.build(root))
    pages = set(site.pages)
    assert set(site.layout_facts) == pages - {"latin.md"}  # (not UTF-8: no text)
    assert set(site.source_facts) == pages - {"latin.md"}
    assert set(digests) == pages
    assert set(site.front_matter_read) == pages - {"latin.md", "empty.md"}
    assert Site.build(root, split=split).front_matter_read == {}  # a run of few pages


# ------------------------------------------- the reading shared with the memo helper


def _exchange(
    items: list[str],
    parent_compute: Any,
    helper_compute: Any,
    *,
    parent_takes_part: bool = True,
) -> tuple[Any, Any]:
    """Both sides of a `HalfExchange` over `items`: (this process's result, the forked
    helper's), each side with its own `compute` (`parent_takes_part`: False, this
    process closes its side without reading)."""
    pipes = workers._exchange_pipes()
    assert pipes is not None

    def helper(send: Any) -> None:
        exchange = HalfExchange.of_helper(pipes, workers._in_this_process)
        send("part", exchange(items, helper_compute))

    child = workers._fork_child(helper, [])
    exchange = HalfExchange.of_parent(pipes, workers._in_this_process)
    mine = exchange(items, parent_compute) if parent_takes_part else exchange.close()
    parts = [value for kind, value in workers._wait_for(child) if kind == "part"]
    return mine, parts[0] if parts else None


def _by_pid(part: list[str]) -> dict[str, int]:
    return {item: os.getpid() for item in part}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_each_side_reads_half_and_both_get_all_in_one_order() -> None:
    """This process reads the first of every two items, the helper the second; both
    end with every item, in the order one reading in two halves gives (the first
    half's, then the second's); a second use is `then`'s."""
    parent = os.getpid()
    items = [f"f{n}" for n in range(7)]
    mine, theirs = _exchange(items, _by_pid, _by_pid)
    assert list(mine) == items[0::2] + items[1::2] == list(theirs)
    assert mine == theirs
    assert {item for item, pid in mine.items() if pid == parent} == set(items[0::2])
    assert parent not in {mine[item] for item in items[1::2]}  # the helper's half
    pipes = workers._exchange_pipes()
    assert pipes is not None
    used = HalfExchange.of_parent(pipes, workers._in_this_process)  # (no helper)
    used.close()  # used or closed, it is `then` from now on
    assert used(items, _by_pid) == {item: parent for item in items}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_side_that_gets_nothing_reads_the_other_half_itself() -> None:
    parent = os.getpid()
    items = [f"f{n}" for n in range(5)]

    def failing(part: list[str]) -> dict[str, int]:
        raise RuntimeError("the helper fails before it gives its half")

    mine, theirs = _exchange(items, _by_pid, failing)
    assert mine == {item: parent for item in items} and theirs is None
    mine, theirs = _exchange(items, _by_pid, _by_pid, parent_takes_part=False)
    assert mine is None
    assert sorted(theirs) == items and parent not in theirs.values()  # all the helper's

    def big(part: list[str]) -> dict[str, str]:  # more than a pipe holds: it would wait
        return {item: item * 100_000 for item in part}

    mine, theirs = _exchange(items, big, big, parent_takes_part=False)
    assert theirs == {item: item * 100_000 for item in items}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_site_each_side_builds_is_the_site_one_reading_builds(tmp_path: Path) -> None:
    """The Site built from halves read in two processes and handed over, in each of
    them, is the one a single reading of every file builds, with the same facts kept
    for the run's later readers (front matter, `also`, hashes, layouts)."""
    root = _broken_site(tmp_path)

    def facts(split: Any) -> Any:
        digests: dict[str, str | None] = {}
        site = Site.build(root, split=split, also=len, digests=digests, checked=100)
        return (
            _shape(site),
            site.front_matter_read,
            site.source_facts,
            site.layout_facts,
            digests,
        )

    alone = facts(workers._in_this_process)
    pipes = workers._exchange_pipes()
    assert pipes is not None
    child = workers._fork_child(
        lambda send: send("part", facts(HalfExchange.of_helper(pipes, workers._in_this_process))),
        [],
    )
    mine = facts(HalfExchange.of_parent(pipes, workers._in_this_process))
    parts = [value for kind, value in workers._wait_for(child) if kind == "part"]
    assert mine == alone
    assert parts == [alone]
