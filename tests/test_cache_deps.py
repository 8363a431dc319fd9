"""The result cache after an edit: only the pages whose rules would now get another
answer are checked again (cache/deps.py), and the output is that of a run without
the cache. test_cache.py's property test covers random edit sequences; these tests
pin what is re-checked on the real framework site and how a read no question covers
is handled."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finops_lint import engine, workers
from finops_lint.cache import deps
from finops_lint.config import load_config
from finops_lint.engine import RunOptions, RunResult, run
from finops_lint.rules import xref
from finops_lint.workspace import Workspace, load_documents
from tests.corpus import framework_site

DELETED = "_capabilities/budget-management.md"  # a page that others link to and name


@pytest.fixture
def fw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the framework site, checked once with the cache (in this process)."""
    site = tmp_path / "fw"
    shutil.copytree(
        framework_site(), site, ignore=shutil.ignore_patterns("_site", ".jekyll-cache", ".git")
    )
    site.chmod(0o755)  # a read-only copy (shared/ is one) runs without a cache
    monkeypatch.setenv("FINOPS_LINT_JOBS", "1")
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)
    monkeypatch.chdir(site)
    run(RunOptions(paths=[site]))
    yield site


def _outcome(result: RunResult) -> Any:
    notices = [n for n in result.notices if "result cache" not in n]
    return [f.to_dict() for f in result.findings], result.checked, notices


def _parsed_in(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages a run parses (their rules run), as they are loaded."""
    seen: list[str] = []
    real = workers.load_documents

    def spy(files: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(t.rel for t in files)
        return real(files, *args, **kwargs)

    monkeypatch.setattr(workers, "load_documents", spy)
    return seen


def _pages(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text("utf-8")
        for p in site.rglob("*.md")
        if ".finops-lint-cache" not in p.parts
    }


def test_deleting_a_page_rechecks_the_pages_that_link_to_it_or_name_it(
    fw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _pages(fw)
    (fw / DELETED).unlink()
    parsed = _parsed_in(monkeypatch)
    words: list[str] = []
    real_closest = xref.closest

    def counted(word: str, names: Any, cutoff: float) -> Any:
        words.append(word)
        return real_closest(word, names, cutoff)

    monkeypatch.setattr(xref, "closest", counted)
    cached = run(RunOptions(paths=[fw]))
    # the did-you-mean of a name missing on many pages is computed once per run, also
    # through the recording view of the reference set (a new object for every page)
    assert words and len(words) == len(set(words)), words
    monkeypatch.undo()
    monkeypatch.chdir(fw)
    monkeypatch.setenv("FINOPS_LINT_JOBS", "1")
    fresh = run(RunOptions(paths=[fw], cache=False))
    assert _outcome(cached) == _outcome(fresh)
    # the pages that link to it (by URL) or name it (page-identifier) see the change
    naming = {
        rel
        for rel, text in pages.items()
        if rel != DELETED
        and ("capabilities/budget-management" in text or "capability_budget-management" in text)
    }
    assert naming, "the corpus changed: pick another page"
    assert naming <= set(parsed), sorted(naming - set(parsed))
    broken = {f.path for f in cached.findings if "budget-management" in f.message}
    assert broken  # and the links to it are now reported
    # most pages asked nothing whose answer changed: their findings are reused
    assert len(parsed) < len(pages) / 2, (len(parsed), len(pages))


def test_editing_a_page_body_rechecks_only_what_reads_it(
    fw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _pages(fw)
    edited = fw / "_capabilities/forecasting.md"
    edited.write_text(edited.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    parsed = _parsed_in(monkeypatch)
    cached = run(RunOptions(paths=[fw]))
    assert "_capabilities/forecasting.md" in parsed
    assert len(parsed) < len(pages) / 5, (len(parsed), len(pages))
    again = _parsed_in(monkeypatch)
    assert _outcome(run(RunOptions(paths=[fw]))) == _outcome(cached)
    assert again == []  # then nothing at all
    fresh = run(RunOptions(paths=[fw], cache=False))
    assert _outcome(cached) == _outcome(fresh)


def test_an_anchor_removed_rechecks_the_links_to_it(
    fw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link to forecasting.md#some-heading: the heading goes, the link is reported."""
    target = fw / "_capabilities/forecasting.md"
    text = target.read_text("utf-8")
    linking = fw / "_pages/linking-page.md"
    linking.write_text(
        "---\ntitle: Linking\npermalink: /linking/\n---\n# Linking\n\n"
        "[forecasting](/framework/capabilities/forecasting/#moved-away)\n",
        "utf-8",
    )
    target.write_text(text + "\n## Moved away\n\nText.\n", "utf-8")
    first = run(RunOptions(paths=[fw]))
    assert not [f for f in first.findings if "moved-away" in f.message]
    target.write_text(text, "utf-8")  # the heading is gone; linking-page.md is unchanged
    cached = run(RunOptions(paths=[fw]))
    found = [f for f in cached.findings if "moved-away" in f.message]
    assert [f.code for f in found] == ["LK004"]
    assert _outcome(cached) == _outcome(run(RunOptions(paths=[fw], cache=False)))


# ------------------------------------------------------------ the recording itself


def _recorder(root: Path) -> tuple[deps.Recorder, Workspace]:
    ws = Workspace(root, load_config(root, None, search_from=root), root)
    return deps.Recorder(deps.Oracle(ws), [deps.Asked()]), ws


def _small_site(root: Path) -> None:
    (root / "_config.yml").write_text("permalink: pretty\n", "utf-8")
    (root / "a.md").write_text("---\ntitle: A\n---\n# A\n\n[b](/b/)\n", "utf-8")
    (root / "b.md").write_text("---\ntitle: B\n---\n# B\n\n## Part\n", "utf-8")


def test_a_read_no_question_covers_makes_the_page_unknown(tmp_path: Path) -> None:
    _small_site(tmp_path)
    rec, ws = _recorder(tmp_path)
    assert ws.site is not None
    site = deps.RecordingSite(ws.site, rec)
    assert site.resolve("/b/", "a.md").kind == "page"
    assert site.config is ws.site.config  # the run key holds the config: no question
    asked = rec.frames[-1]
    assert list(asked.answers) == [("resolve", "/b/", "a.md", True)] and not asked.unknown
    assert asked.record() is not None
    assert len(site.pages) == 2  # every page: no question says which were read
    assert asked.unknown and asked.record() is None

    rec, ws = _recorder(tmp_path)
    wsp = deps.RecordingWorkspace(ws, rec)
    assert wsp.display_path("a.md") == "a.md"
    assert not rec.frames[-1].unknown
    _ = wsp.external_results
    assert rec.frames[-1].unknown


def test_whether_a_path_is_internal_is_no_question_but_a_url_s_host_is(
    tmp_path: Path,
) -> None:
    """A relative or site-root path is internal whatever the site holds (the target
    alone says): asking is no question. Whether an absolute URL is depends on the
    site's hosts, which a Netlify host rule in a site file can add: a question."""
    _small_site(tmp_path)
    rec, ws = _recorder(tmp_path)
    assert ws.site is not None
    site = deps.RecordingSite(ws.site, rec)
    for target in ["/b/", "b.md", "../x", "{{ site.baseurl }}/b/", "#top", "mailto:a@b.c"]:
        assert site.is_internal(target) == ws.site.is_internal(target)
    assert site.is_internal("https://example.org/b/") is False
    assert list(rec.frames[-1].answers) == [("internal", "https://example.org/b/", "absolute")]
    (tmp_path / "_redirects").write_text("https://example.org/* https://www.x.org/:splat 301!\n")
    (tmp_path / "_config.yml").write_text("permalink: pretty\nurl: https://www.x.org\n")
    _rec, other = _recorder(tmp_path)
    assert other.site is not None
    # the same paths, another site: the same answers; the URL's answer changed
    for target in ["/b/", "b.md", "../x", "{{ site.baseurl }}/b/", "#top", "mailto:a@b.c"]:
        assert other.site.is_internal(target) == ws.site.is_internal(target), target
    assert other.site.is_internal("https://example.org/b/") is True


def test_a_question_is_answered_again_from_the_files(tmp_path: Path) -> None:
    """The same question gets another answer when what a rule reads changed: the text
    of a document, where a link leads; and the same answer when nothing did."""
    _small_site(tmp_path)
    questions = [("doc", "b.md"), ("resolve", "/b/", "a.md", True), ("page", "b.md")]

    def answers() -> list[str]:
        _rec, ws = _recorder(tmp_path)
        oracle = deps.Oracle(ws)
        return [oracle.answer(q) for q in questions]

    before = answers()
    assert answers() == before
    (tmp_path / "b.md").write_text("---\ntitle: B\n---\n# B\n\n## Other\n", "utf-8")
    changed = answers()
    assert changed[0] != before[0] and changed[2] != before[2]
    (tmp_path / "b.md").unlink()
    gone = answers()
    assert all(g != c for g, c in zip(gone, changed, strict=True))


def test_membership_is_its_own_question(tmp_path: Path) -> None:
    _small_site(tmp_path)
    rec, _ws = _recorder(tmp_path)
    names = deps._Members(frozenset({"x", "y"}), rec, ("names", "t", ("k",)))
    rec.oracle.value = lambda q: (  # type: ignore[method-assign]
        "x" in {"x", "y"} if q[0] == "member" else bool({"x"}) if q[0] == "nonempty" else {"x"}
    )
    assert "x" in names and names
    assert [q[0] for q in rec.frames[-1].answers] == ["member", "nonempty"]
    assert sorted(names) == ["x"]  # reading the whole set asks for the whole set
    assert ("names", "t", ("k",)) in rec.frames[-1].answers


def test_a_remembered_hint_still_asks_for_the_whole_set_it_came_from(tmp_path: Path) -> None:
    """XR001's "did you mean" hint is remembered for the run, keyed by which set of
    names it came from; a page that gets it from the memo depends on every name all
    the same, and its recording view asks for the whole set."""
    _small_site(tmp_path)
    pages = []
    memo: xref.CloseMemo = {}
    for _page in ("a.md", "b.md"):
        rec, _ws = _recorder(tmp_path)
        names = deps._Members(frozenset({"capability_x", "y"}), rec, ("names", "t", ("k",)))
        rec.oracle.value = lambda q: frozenset({"capability_x", "y"})  # type: ignore[method-assign]
        hint = xref._closest_cached(memo, names, ("names", "t", ("k",)), "capability_y", 0.6)
        assert hint == "capability_x"
        pages.append(list(rec.frames[-1].answers))
    assert pages[0] == pages[1] == [("names", "t", ("k",))]
    assert len(memo) == 1


def test_a_run_memo_passes_its_questions_to_every_page_that_uses_it(tmp_path: Path) -> None:
    _small_site(tmp_path)
    os.chdir(tmp_path)
    ws = Workspace(tmp_path, load_config(tmp_path, None, search_from=tmp_path), tmp_path)
    run_values: dict[Any, Any] = {}
    records = []
    for _page in ("a.md", "b.md"):
        ctx = workers.TracedContext(ws.config, None, ws.site, {}, ws, {}, run_values)
        ctx.recorder.start_page()
        value = ctx.run_memo("shared", lambda c=ctx: c.workspace.document("b.md") is not None)
        assert value is True
        records.append(workers.page_questions(ctx.recorder))
    assert records[0] == records[1]
    assert records[0] is not None and records[0][1] == [("doc", "b.md")]


def _traced_rules(tmp_path: Path, checks: dict[str, Any]) -> workers.Outcome:
    """Check a.md with rules made of `checks` (code -> check), traced."""
    from finops_lint.discover import discover
    from finops_lint.rules.base import Rule

    os.chdir(tmp_path)
    ws = Workspace(tmp_path, load_config(tmp_path, None, search_from=tmp_path), tmp_path)
    files, _ = discover([tmp_path / "a.md"], tmp_path, ws.config, tmp_path)
    docs, _ = load_documents(files, ws.config)
    rules = [Rule(code, code, "error", "", "", check) for code, check in checks.items()]
    return workers.check_documents(
        docs, ws, rules, RunOptions(paths=[tmp_path]), workers.Job(trace=True)
    )


def test_the_rules_that_looked_beyond_a_page_are_those_that_read_through_the_views(
    tmp_path: Path,
) -> None:
    """A rule looked beyond its page when it read the Site or the Workspace, or used a
    page memo whose computation did (the rule that computed it and every rule that
    reused it); holding `ctx.site` without reading through it is not looking."""
    _small_site(tmp_path)

    def links(ctx: Any) -> Any:
        return ctx.memo("links", lambda: ctx.site.resolve("/b/", "a.md").kind)

    def computes(doc: Any, ctx: Any) -> Iterator[Any]:
        assert links(ctx) == "page"
        yield from ()

    def reuses(doc: Any, ctx: Any) -> Iterator[Any]:
        site = ctx.site  # held, and the value read from the memo
        assert site is not None and links(ctx) == "page"
        yield from ()

    def holds(doc: Any, ctx: Any) -> Iterator[Any]:
        assert ctx.site is not None and ctx.workspace is not None
        assert ctx.memo("local", lambda: doc.rel_path) == "a.md"
        yield from ()

    def free(doc: Any, ctx: Any) -> Iterator[Any]:
        assert ctx.site.config is not None  # (a read the run key covers: still a read)
        yield from ()

    def unknown(doc: Any, ctx: Any) -> Iterator[Any]:
        assert ctx.site.pages is not None
        yield from ()

    checks = {"T1": computes, "T2": reuses, "T3": holds, "T4": free, "T5": unknown}
    outcome = _traced_rules(tmp_path, checks)
    assert outcome.beyond == {"a.md": ["T1", "T2", "T4", "T5"]}
    assert outcome.asked["a.md"] is None  # T5 read what no question covers
    outcome = _traced_rules(tmp_path, {"T2": reuses, "T3": holds})
    assert outcome.beyond == {"a.md": ["T2"]}
    record = outcome.asked["a.md"]
    assert record is not None and record[1] == [("resolve", "/b/", "a.md", True)]


def test_a_document_whose_text_an_answer_holds_is_no_question_of_its_own(
    tmp_path: Path,
) -> None:
    """Pages sharing a URL: the URL's answer holds each page's text, so reading each
    page after it adds nothing (else every page of a group of n asks n questions)."""
    (tmp_path / "_config.yml").write_text("permalink: pretty\n", "utf-8")
    for n in range(5):
        (tmp_path / f"s{n}.md").write_text(f"---\npermalink: /same/\n---\n{n}\n", "utf-8")
    rec, ws = _recorder(tmp_path)
    assert ws.site is not None
    site, wsp = deps.RecordingSite(ws.site, rec), deps.RecordingWorkspace(ws, rec)
    sharing = site.pages_by_url.get("/same/")
    assert len(sharing) == 5
    assert all(wsp.document(p.path) is not None for p in sharing)
    assert list(rec.frames[-1].answers) == [("url", "/same/")]
    wsp.document("_config.yml")  # a file no answer holds: a question
    assert ("doc", "_config.yml") in rec.frames[-1].answers
    # and the answer changes with any of the texts
    record = rec.frames[-1].record()
    assert record is not None
    (tmp_path / "s3.md").write_text("---\npermalink: /same/\n---\nchanged\n", "utf-8")
    _rec, fresh_ws = _recorder(tmp_path)
    assert not deps.still_holds(record, deps.Oracle(fresh_ws))
    (tmp_path / "s3.md").write_text("---\npermalink: /same/\n---\n3\n", "utf-8")
    _rec, fresh_ws = _recorder(tmp_path)
    assert deps.still_holds(record, deps.Oracle(fresh_ws))


def test_recording_asks_for_a_page_s_template_breaks_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of a few pages (no fork, nothing prepared) asks LK014 for each page's
    breaks, not the whole site's (seconds at 10,000 pages), whatever the cache does."""
    from finops_lint.workspace import Workspace as RealWorkspace

    (tmp_path / "_config.yml").write_text("permalink: pretty\n", "utf-8")
    (tmp_path / "_layouts").mkdir()
    (tmp_path / "_layouts" / "page.html").write_text(
        '<img src="/img/{{ page.icon }}.png" alt="">{{ content }}\n', "utf-8"
    )
    for n in range(24):
        (tmp_path / f"p{n}.md").write_text(f"---\nlayout: page\nicon: i{n}\n---\n# P{n}\n", "utf-8")
    asked: list[str | None] = []
    real = RealWorkspace.template_breaks

    def spy(self: Any, focus: str | None = None) -> Any:
        asked.append(focus)
        return real(self, focus)

    monkeypatch.setattr(RealWorkspace, "template_breaks", spy)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    result = run(RunOptions(paths=[tmp_path]))
    assert len([f for f in result.findings if f.code == "LK014"]) == 24
    assert asked and None not in asked


def test_a_page_s_breaks_answer_follows_its_template_s_text(tmp_path: Path) -> None:
    """LK014's answer names each link by its template, place and the template file's
    content: an edit of the template anywhere (the link's parts, an enclosing
    condition) is another answer, an unchanged site the same one; and a page's answer,
    made once a run, still notes the page's file each time it is given."""
    (tmp_path / "_config.yml").write_text("permalink: pretty\n", "utf-8")
    (tmp_path / "_layouts").mkdir()
    layout = tmp_path / "_layouts" / "page.html"
    layout.write_text('<img src="/img/{{ page.icon }}.png" alt="">{{ content }}\n', "utf-8")
    (tmp_path / "p.md").write_text("---\nlayout: page\nicon: Missing\n---\n# P\n", "utf-8")

    def answer() -> str:
        _rec, ws = _recorder(tmp_path)
        oracle = deps.Oracle(ws)
        q = ("breaks", "p.md")
        value = oracle.value(q)
        assert value.get("p.md"), "the fixture's icon builds a path to nothing"
        return oracle.answer_of(q, value)

    first = answer()
    assert answer() == first
    layout.write_text('<img src="/img/{{ page.icon }}.png" alt="x">{{ content }}\n', "utf-8")
    assert answer() != first  # the same link at the same place, another template text

    _rec, ws = _recorder(tmp_path)
    oracle = deps.Oracle(ws)
    assert ws.site is not None
    page = ws.site.pages["p.md"]
    for _ in range(2):
        oracle._reading = []
        assert oracle.page(page) == oracle.page(page)
        assert oracle._reading == ["p.md", "p.md"]


# ------------------------------------------------------------ the site memo helper


def _helper_memo(monkeypatch: pytest.MonkeyPatch) -> list[dict[Any, Any]]:
    """The run memos the site memo helper gives, as runs take them (two CPUs or not)."""
    taken: list[dict[Any, Any]] = []
    real = workers.MemoHelper.collect

    def spy(self: workers.MemoHelper) -> dict[Any, Any]:
        memo = real(self)
        taken.append(memo)
        return memo

    monkeypatch.setattr(workers.MemoHelper, "collect", spy)
    monkeypatch.setattr(workers, "_cpus", lambda: 2)
    # the pages are checked in this process (so spies see them), the helper forked
    monkeypatch.delenv("FINOPS_LINT_JOBS", raising=False)
    monkeypatch.setattr(engine, "worker_count", lambda files, options: 1)
    return taken


def _memo_keys(memo: dict[Any, Any]) -> set[Any]:
    return {k for k in memo if isinstance(k, tuple) and k and isinstance(k[0], str)}


def test_the_helper_s_values_are_the_ones_the_rules_compute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the framework site (PH004's boilerplate on the domain pages, FM006's shared
    `/resources/not-here/`), a whole-site run's memo starts with the helper's values,
    and each is the value the rules compute without it."""
    site = tmp_path / "fw"
    shutil.copytree(framework_site(), site, ignore=shutil.ignore_patterns("_site", ".git"))
    monkeypatch.chdir(site)
    taken = _helper_memo(monkeypatch)
    computed: list[dict[Any, Any]] = []
    real_check = workers.check_documents

    def keep(*args: Any, **kwargs: Any) -> Any:
        computed.append(args[5] if len(args) > 5 else kwargs["run_values"])
        return real_check(*args, **kwargs)

    monkeypatch.setattr(workers, "check_documents", keep)
    from finops_lint.rules import placeholders

    looked: list[str] = []
    real_filter = placeholders.may_match_source

    def counted(body: str, *args: Any) -> bool:
        looked.append(body)
        return real_filter(body, *args)

    monkeypatch.setattr(placeholders, "may_match_source", counted)
    early: list[workers.MemoHelper | None] = []
    real_early = workers.MemoHelper.start_before_site.__func__  # type: ignore[attr-defined]

    def before_site(cls: type[workers.MemoHelper], ws: Workspace, *args: Any) -> Any:
        assert "jekyll_site" not in ws.__dict__  # (a cached_property: not built yet)
        early.append(real_early(cls, ws, *args))
        return early[-1]

    monkeypatch.setattr(workers.MemoHelper, "start_before_site", classmethod(before_site))
    with_helper = run(RunOptions(paths=[site], cache=False))
    assert looked == []  # no page of this process computed PH004's sentences
    assert len(early) == 1 and early[0] is not None  # 274 pages: forked before the Site
    seeded = taken[0]
    keys = _memo_keys(seeded)
    assert {k[0] for k in keys} == {"PH004 sentences by type", "FM006 sink"}
    assert ("FM006 sink", "/resources/not-here/") in keys
    assert any(seeded[k] for k in keys if k[0] == "PH004 sentences by type")

    monkeypatch.setattr(workers, "SITE_MEMOS", [])
    computed.clear()
    without = run(RunOptions(paths=[site], cache=False))
    assert _outcome(with_helper) == _outcome(without)
    assert looked  # without the helper, they are computed here
    own = computed[-1]
    for key in keys & _memo_keys(own):
        assert own[key] == seeded[key], key
    assert keys & _memo_keys(own)  # the rules asked for some of them


def test_a_helper_forked_before_the_site_stops_when_the_run_is_not_whole_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of one folder (`_resources/`: 140 files, fewer than half of the Site's
    286 pages) starts the helper before the Site, on the count of its own files; once
    the Site is built, the helper is stopped unread, as `MemoHelper.start` would not
    have started it, and the findings are those of a run without a helper."""
    site = tmp_path / "fw"
    shutil.copytree(framework_site(), site, ignore=shutil.ignore_patterns("_site", ".git"))
    monkeypatch.chdir(site)
    taken = _helper_memo(monkeypatch)
    monkeypatch.setattr(engine, "worker_count", lambda files, options: 2)
    stopped: list[bool] = []
    real_stop = workers.MemoHelper.stop

    def stop(self: workers.MemoHelper) -> None:
        stopped.append(self.child.pid != 0)  # (still running: not collected)
        real_stop(self)

    monkeypatch.setattr(workers.MemoHelper, "stop", stop)
    folder = site / "_resources"
    with_early = run(RunOptions(paths=[folder], cache=False))
    assert taken == []  # never collected
    assert stopped and stopped[0]  # stopped while it ran (or before it was reaped)
    monkeypatch.setattr(workers, "SITE_MEMOS", [])
    without = run(RunOptions(paths=[folder], cache=False))
    assert _outcome(with_early) == _outcome(without)


def test_what_the_site_s_reading_ahead_learns_for_ph004_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole-site run whose Site reads its pages ahead (as at 1,000 pages and more)
    learns PH004's test of each page's source there, and so does the Site a helper
    started before the Site builds for itself (below 1,000 files): the helper then
    reads no page for it, and its values, the findings and the result cache are
    those of a run that learns none."""
    import finops_lint.site.build as build
    from finops_lint.rules import placeholders
    from finops_lint.workspace import NOT_LEARNT

    site = tmp_path / "fw"
    shutil.copytree(framework_site(), site, ignore=shutil.ignore_patterns("_site", ".git"))
    monkeypatch.chdir(site)
    taken = _helper_memo(monkeypatch)
    log = tmp_path / "asked.log"  # written by the helper, a forked process
    real_fact = Workspace.source_fact

    def spy(self: Workspace, code: str, rel: str) -> Any:
        found = real_fact(self, code, rel)
        if found is not NOT_LEARNT:  # what the recipe would have read
            text = self.text(rel)
            says = placeholders._says_unfinished(self.config)
            assert says is not None and found == (text is not None and says(text)), rel
        with log.open("a", encoding="utf-8") as out:
            out.write("learnt\n" if found is not NOT_LEARNT else "read\n")
        return found

    def asked() -> set[str]:
        lines = set(log.read_text("utf-8").split())
        log.unlink()
        return lines

    monkeypatch.setattr(Workspace, "source_fact", spy)
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("FINOPS_LINT_CACHE_DIR", str(cache))
    with monkeypatch.context() as unlearnt:  # no fact learnt: the helper reads each page
        for module in (engine, workers):
            unlearnt.setattr(module, "source_facts_reader", lambda *_args: None)
        before = run(RunOptions(paths=[site]))
    assert asked() == {"read"}
    cache_before = _cache_files(cache)
    assert len(cache_before) > 10
    for many in (False, True):  # 274 pages: the helper's own Site; or read ahead
        shutil.rmtree(cache)
        if many:
            monkeypatch.setattr(build, "MIN_FILES", 1)
        after = run(RunOptions(paths=[site]))
        assert asked() == {"learnt"}
        assert _outcome(after) == _outcome(before)
        assert _memo_shape(taken[-1]) == _memo_shape(taken[0])
        assert _cache_files(cache) == cache_before
    assert len(taken) == 3


def _cache_files(folder: Path) -> dict[str, Any]:
    """What the result cache's shards hold of each page: its file, the rules run, the
    findings and the questions asked (not the tree's state the run saw, which holds
    times)."""
    out: dict[str, Any] = {}
    for shard in sorted(folder.glob("*.p[0-9]*.json")):
        for rel, entry in json.loads(shard.read_bytes())["pages"].items():
            out[rel] = [entry[0], *entry[2:]]
    return out


def _memo_shape(memo: dict[Any, Any]) -> dict[Any, Any]:
    """A run memo with the questions its values asked as comparable tuples."""
    return {
        key: (v.answers, v.covering, v.unknown) if isinstance(v, deps.Asked) else v
        for key, v in memo.items()
    }


def test_the_helper_s_questions_recheck_the_pages_that_share_its_values(
    fw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The boilerplate sentence is reported on the first domain page that has it, with
    the others as related locations: removing it there moves the finding to the next
    page, which a cached run (its memo from the helper) must check again."""
    taken = _helper_memo(monkeypatch)
    shutil.rmtree(fw / ".finops-lint-cache")
    sentence = "Reference of courses and training partners coming soon."
    cold = run(RunOptions(paths=[fw]))
    assert taken and _memo_keys(taken[0])
    first = sorted(f.path for f in cold.findings if sentence in f.message)
    assert len(first) == 1
    edited = fw / first[0]
    edited.write_text(
        edited.read_text("utf-8").replace(sentence, "Courses: see the list."), "utf-8"
    )
    cached = run(RunOptions(paths=[fw]))
    moved = [f.path for f in cached.findings if sentence in f.message]
    assert moved and moved != first
    assert _outcome(cached) == _outcome(run(RunOptions(paths=[fw], cache=False)))
