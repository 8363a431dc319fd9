"""A rule that `needs` parts of a page (`rules.base.PAGE_PARTS`: tables, links...) is
not run on a page with none of them; there it must find nothing and read nothing
beyond the page (a read of the Site or the Workspace is a question the result cache
records for the page).

Each such rule is run with its needs taken away, on a copy of the corpus and on
every fixture folder (the whole folder as a site, every rule selected, the result
cache on, so the rules run traced). On each page with none of its parts, what it
found and whether it looked beyond the page are noted; and the findings equal those
of the same run with the needs in place.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finops_lint.document import Document
from finops_lint.engine import RunOptions, run
from finops_lint.findings import INTERNAL_ERROR
from finops_lint.rules.base import (
    PAGE_PARTS,
    REGISTRY,
    Check,
    RuleContext,
    all_rules,
    needs_bits,
    page_parts,
)
from tests.corpus import framework_site
from tests.test_rule_fixtures import FIXTURES, build_site


def _every_rule() -> list[str]:
    return [r.code for r in all_rules() if r.code != INTERNAL_ERROR and not r.needs_network]


def _needing() -> list[str]:
    return [r.code for r in all_rules() if r.needs]


class Seen:
    """Per rule: the pages without its parts it ran on, and what it did there."""

    def __init__(self) -> None:
        self.lacking: dict[str, int] = {}
        self.wrong: list[str] = []


class _Watching:
    """A rule's context that notes the reads beyond the page."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.read: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name in ("site", "workspace", "run_memo"):
            self.read.append(name)
        return getattr(self.ctx, name)


def _watched(code: str, check: Check, bits: int, seen: Seen) -> Check:
    def watched(doc: Document, ctx: RuleContext) -> list[Any]:
        if page_parts(doc) & bits:
            return list(check(doc, ctx))
        watching = _Watching(ctx)
        issues = list(check(doc, watching))  # type: ignore[arg-type]
        seen.lacking[code] = seen.lacking.get(code, 0) + 1
        if issues:
            seen.wrong.append(f"{code} found {len(issues)} on {doc.rel_path}")
        if watching.read:
            seen.wrong.append(f"{code} read {watching.read} beyond {doc.rel_path}")
        return issues

    return watched


@pytest.fixture
def unneeded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    """Every rule with needs run on every page, watched where the page lacks them."""
    monkeypatch.setenv("FINOPS_LINT_JOBS", "1")  # one process: the wrappers see every call
    monkeypatch.delenv("FINOPS_LINT_NO_CACHE", raising=False)
    monkeypatch.delenv("FINOPS_LINT_CACHE_DIR", raising=False)
    seen = Seen()
    for r in all_rules():
        if r.needs:
            watched = _watched(r.code, r.check, needs_bits(r.needs), seen)
            monkeypatch.setitem(REGISTRY, r.code, dataclasses.replace(r, needs=(), check=watched))
    yield seen


def _findings(root: Path, cache: bool) -> list[dict[str, Any]]:
    """Every rule's findings; with `cache`, as a first run with the result cache makes
    them (every page checked, its reads traced; not where the cache cannot be exact,
    as in a fixture site without the profile's schemas)."""
    shutil.rmtree(root / ".finops-lint-cache", ignore_errors=True)
    result = run(RunOptions(paths=[root], root=root, select=_every_rule(), cache=cache))
    assert result.internal_errors == 0
    return [f.to_dict() for f in result.findings]


def test_rules_find_nothing_on_pages_without_their_parts(
    unneeded: Seen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = [tmp_path / "fw"]
    shutil.copytree(framework_site(), sites[0], ignore=shutil.ignore_patterns("_site", ".git"))
    sites[0].chmod(0o755)  # (shared/ is read-only: a read-only site runs without a cache)
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        build_site(folder, tmp_path / folder.name)
        sites.append(tmp_path / folder.name)
    monkeypatch.chdir(tmp_path)
    every = {site.name: _findings(site, cache=True) for site in sites}
    assert (sites[0] / ".finops-lint-cache").is_dir()  # the corpus ran traced
    assert not unneeded.wrong, "\n".join(sorted(set(unneeded.wrong)))
    # each rule ran where it would not be run, on many pages
    assert {code: unneeded.lacking.get(code, 0) >= 20 for code in _needing()} == {
        code: True for code in _needing()
    }, unneeded.lacking
    monkeypatch.undo()  # the needs back: the rules are not run there
    monkeypatch.setenv("FINOPS_LINT_JOBS", "1")
    monkeypatch.chdir(tmp_path)
    for site in sites:
        assert _findings(site, cache=True) == every[site.name], site.name
        assert _findings(site, cache=False) == every[site.name], site.name


def test_the_parts_of_a_page() -> None:
    from finops_lint.document import parse_document

    def parts(text: str, rel: str = "p.md") -> set[str]:
        bits = page_parts(parse_document(text.encode(), rel, rel))
        return {name for i, name in enumerate(PAGE_PARTS) if bits & (1 << i)}

    assert parts("---\ntitle: T\n---\n") == set()
    assert parts("---\ntitle: T\n---\n\nSome text.\n") == {"blocks"}
    assert parts("# T\n\nSee [a](/a/).\n") == {"blocks", "headings", "links"}
    assert parts("| a | b |\n|---|---|\n| 1 | 2 |\n") >= {"tables"}
    assert "links" not in parts("<!-- [a](/a/) -->\n")  # only in a comment: not on the page
    assert parts("a: 1\n", "_data/x.yml") == {"text-file"}
    assert needs_bits(("links", "tables")) == 4 | 8
    with pytest.raises(ValueError, match="unknown page parts"):
        from finops_lint.rules.base import rule

        rule("ZZ999", "made-up", "error", "x", needs=("pictures",))(lambda doc, ctx: iter(()))
