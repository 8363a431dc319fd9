"""The framework corpus: finops-lint's LK001-LK004 and LK014 findings equal the broken
links, images and anchors of the site the real Jekyll builds from it, served as
Netlify serves it (the corpus has netlify.toml and _redirects).

Links that exist only inside HTML comments are not on the built page (no finding,
no broken link), and the assets NOTICE.md says are missing are broken on both
sides (CORPUS_ARTEFACTS). Any other allowed difference would be listed in ALLOWED
with its reason (each must still occur: a stale entry fails); today there is none.
The icons `/img/search-icons/{{ resource.type }}.png` that Liquid builds from front
matter (`type: Guide` where the file is guide.png) are LK014's, credited to the
template on both sides.
"""

from __future__ import annotations

from tests.oracle.checker import Broken, BuiltSite
from tests.oracle.compare import Comparison

#: (kind, code, href prefix, reason). "missed": broken in the build, not reported.
ALLOWED: list[tuple[str, str, str, str]] = []
#: Findings both sides agree on that are artefacts of the corpus, not the site.
CORPUS_ARTEFACTS = {
    (
        "LK001",
        "_pages/introduction/what-is-finops.md",
        "/img/resources/Intro-to-FinOps-1-0.pptx",
    ): "NOTICE.md: the .pptx assets were not available, so they are missing from the build too",
}


def _allowed(b: Broken, kind: str) -> str | None:
    for k, code, prefix, reason in ALLOWED:
        if k == kind and b.code == code and b.href.startswith(prefix):
            return reason
    return None


def test_corpus_lk_findings_equal_the_built_sites_broken_set(
    corpus_comparison: Comparison,
) -> None:
    result = corpus_comparison
    assert result.oracle.checked > 1000  # the checker really read the site's links
    missed = {b for b in result.missed if _allowed(b, "missed") is None}
    extra = {b for b in result.extra if _allowed(b, "extra") is None}
    assert not missed and not extra, result.explain()
    for kind, code, prefix, _reason in ALLOWED:
        seen = result.missed if kind == "missed" else result.extra
        assert any(b.code == code and b.href.startswith(prefix) for b in seen), (
            f"allowed difference no longer occurs, remove it: {kind} {code} {prefix}"
        )
    both = {(b.code, b.source, b.href) for b in result.oracle.broken & result.lint}
    for key in CORPUS_ARTEFACTS:
        assert key in both


def test_links_only_inside_html_comments_are_not_lk001(
    built_corpus: BuiltSite, corpus_comparison: Comparison
) -> None:
    """The old /framework/domains/... links in project--shared-costs.md are inside
    <!-- --> comments: the built page has no such link, so LK001 stays silent."""
    result = corpus_comparison
    commented = "_resources/project--shared-costs.md"
    assert "/framework/domains/allocate/" in (built_corpus.source / commented).read_text(
        encoding="utf-8"
    )
    assert not any(b.source == commented for b in result.lint)
    assert not any(b.source == commented for b in result.oracle.broken)


def test_layouts_break_only_what_notice_says_is_missing(corpus_comparison: Comparison) -> None:
    """Links the layouts render (from front matter) are checked too; finops-lint's
    LK010 owns front matter links. The only broken one is a .pptx NOTICE.md lists
    as missing from the corpus."""
    assert corpus_comparison.oracle.layout_broken == {
        ("/tools-services/deloitte/index.html", "/tools-services/assets/deloitte/Deloitte-CFM.pptx")
    }
