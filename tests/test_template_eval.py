"""LK014's evaluation of a link whose path does not read `page` (every binding once,
`templates._broken_page_free`) finds what the page-by-page walk finds: the same
values, in the same order, credited to the same first rendering page, for the whole
site and for each page alone.

The sites are random: items whose values may or may not build an existing path,
pages that render the cards with different values of the keys the conditions
compare, conditions that read `page` and conditions that do not, paths that are the
same on every page and relative paths that are not.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finops_lint.engine import RunOptions, run
from finops_lint.site import templates
from finops_lint.site.templates import Broken, TemplateLinks
from finops_lint.workspace import Workspace
from tests.oracle.jekyll import write_site

CARDS = """\
{% assign sorted = site.items | sort: "weight" %}
{% for item in sorted %}
{% if item.kind == 'tool' %}
<img src="/img/tools/{{ item.icon | downcase }}.png" alt="x">
{% endif %}
{% for tag in item.tags %}{% if tag == page.focus %}
<img src="/img/tags/{{ tag }}.svg" alt="tag">
<a href="/topics/{{ item.icon }}/">{{ item.title }}</a>
{% endif %}{% endfor %}
{% if item.tags contains page.focus %}
<img src="img/rel/{{ item.icon }}.png" alt="relative: depends on the page's URL">
{% endif %}
{% unless page.plain %}<img src="//example.org/img/{{ item.icon }}.png" alt="y">{% endunless %}
{% endfor %}
{% for a in site.items %}{% for b in site.things %}{% if a.kind == b.kind %}
<img src="/img/pairs/{{ a.icon }}-{{ b.icon }}.png" alt="two site loops">
{% endif %}{% endfor %}{% endfor %}
"""

LAYOUT = """\
<html><body>
{% if page.banner %}<img src="/img/banners/{{ page.banner }}.png">{% endif %}
{{ content }}
</body></html>
"""

WORDS = ["alpha", "beta", "gamma"]
ICONS = ["hammer", "Hammer", "saw"]


def _site(items: list[tuple[str, str, list[str]]], pages: list[tuple[str, str, bool]]) -> dict:
    files: dict[str, str] = {
        "_config.yml": "permalink: pretty\ncollections:\n  items: {output: true}\n"
        "  things: {output: true}\n",
        "_layouts/default.html": LAYOUT,
        "_includes/cards.html": CARDS,
        "img/tools/hammer.png": "png",
        "img/tags/alpha.svg": "svg",
        "img/banners/home.png": "png",
        "topics/hammer/index.md": "---\ntitle: T\n---\n# Hammer\n",
        "sub/p1/img/rel/saw.png": "png",
        "p0/img/rel/hammer.png": "png",
        "img/pairs/saw-saw.png": "png",
        "_things/t.md": "---\ntitle: T\nkind: tool\nicon: saw\n---\n",
    }
    for n, (kind, icon, tags) in enumerate(items):
        files[f"_items/i{n}.md"] = (
            f"---\ntitle: I{n}\nkind: {kind}\nicon: {icon}\nweight: {n}\n"
            f"tags: [{', '.join(tags)}]\n---\n"
        )
    for n, (focus, banner, plain) in enumerate(pages):
        folder = "sub/" if n % 2 else ""
        files[f"{folder}p{n}.md"] = (
            f"---\ntitle: P{n}\nlayout: default\nfocus: {focus}\nbanner: {banner}\n"
            f"plain: {str(plain).lower()}\n---\n# P{n}\n\n{{% include cards.html %}}\n"
        )
    return files


def _key(b: Broken) -> tuple[str, str, str, str, str, int, str]:
    return (b.path, b.key, b.value, b.href, b.link.template, b.link.line, b.rendered_on)


def _walks(src: Path) -> tuple[list, list]:
    result = run(RunOptions(paths=[src], root=src, select=["LK014"]))
    ws = Workspace(src, result.config, src)
    assert ws.site is not None

    def links() -> TemplateLinks:
        assert ws.site is not None
        return TemplateLinks(src, ws.site, lambda rel: ws.facts(rel).data)

    rels = sorted(ws.site.pages)
    fast = [[_key(b) for b in links().broken(focus)] for focus in [None, *rels]]
    real = templates._page_free
    templates._page_free = lambda link: False  # type: ignore[assignment]
    try:
        slow = [[_key(b) for b in links().broken(focus)] for focus in [None, *rels]]
    finally:
        templates._page_free = real
    # Every value read from the whole front matter, not from the values kept of it.
    kept = TemplateLinks._value_of
    TemplateLinks._value_of = lambda self, rel, key: self._data_of(rel).get(key)  # type: ignore[method-assign]
    try:
        whole = [[_key(b) for b in links().broken(focus)] for focus in [None, *rels]]
    finally:
        TemplateLinks._value_of = kept  # type: ignore[method-assign]
    assert fast == whole
    return fast, slow


items_st = st.lists(
    st.tuples(
        st.sampled_from(["tool", "guide"]),
        st.sampled_from(ICONS),
        st.lists(st.sampled_from(WORDS), max_size=3),
    ),
    min_size=1,
    max_size=6,
)
pages_st = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(["home", "Home"]), st.booleans()),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=items_st, pages=pages_st)
def test_one_evaluation_per_binding_finds_what_the_page_walk_finds(
    items: list[tuple[str, str, list[str]]], pages: list[tuple[str, str, bool]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = write_site(Path(tmp) / "src", _site(items, pages))
        fast, slow = _walks(src)
    assert fast == slow
    # A page alone gets what the whole-site walk gives it, in the same order.
    whole, rels = fast[0], sorted({k[0] for k in fast[0]})
    for rel in rels:
        alone = next(one for one in fast[1:] if one and one[0][0] == rel)
        assert [k[:6] for k in alone] == [k[:6] for k in whole if k[0] == rel], rel


def test_the_walks_differ_when_the_first_page_is_not_the_first_rendering_page(
    tmp_path: Path,
) -> None:
    """The comparison above can fail: the broken tag icon is rendered on the second
    page only (its focus matches), and both walks credit that page."""
    src = write_site(
        tmp_path / "src",
        _site([("guide", "saw", ["gamma"])], [("alpha", "home", True), ("gamma", "home", True)]),
    )
    fast, slow = _walks(src)
    assert fast == slow
    whole = fast[0]
    tag = [k for k in whole if k[3] == "/img/tags/gamma.svg"]
    assert tag and all(k[6] == "sub/p1.md" for k in tag), whole
    relative = [k for k in whole if k[3] == "img/rel/saw.png"]
    assert relative == [], "/sub/p1/img/rel/saw.png exists: gamma's page is /sub/p1/"


@pytest.mark.parametrize("plain", [True, False])
def test_a_condition_on_page_alone_still_drops_the_binding(tmp_path: Path, plain: bool) -> None:
    src = write_site(tmp_path / "src", _site([("guide", "saw", [])], [("alpha", "home", plain)]))
    fast, slow = _walks(src)
    assert fast == slow
    hrefs = {k[3] for k in fast[0]}
    assert ("//example.org/img/saw.png" in hrefs) is False  # external: never reported
    assert "/topics/saw/" not in hrefs  # its tags never match a page's focus


def test_the_values_kept_are_those_the_templates_read(tmp_path: Path) -> None:
    """A site-wide pass reads every page's front matter: it keeps the values the
    templates' Liquid reads (`_keys_read`), not the whole front matter, and leaves
    no page holding its front matter; what it finds is what whole front matter
    finds. A key outside the kept ones is read again, not taken as missing."""
    files = _site(
        [("tool", "hammer", ["alpha"]), ("guide", "saw", ["beta"])],
        [("alpha", "Home", False), ("beta", "home", True)],
    )
    files["_items/i0.md"] = files["_items/i0.md"].replace("---\n", "---\nbig: [1, 2, 3]\n", 1)
    src = write_site(tmp_path / "src", files)
    result = run(RunOptions(paths=[src], root=src, select=["LK014"]))
    ws = Workspace(src, result.config, src)
    site = ws.jekyll_site
    assert site is not None
    whole = TemplateLinks(src, site, lambda rel: ws.facts(rel).data).broken()
    ws = Workspace(src, result.config, src)
    site = ws.jekyll_site
    assert site is not None
    links = ws.template_links
    assert links is not None
    assert [_key(b) for b in links.broken()] == [_key(b) for b in whole] != []
    keys = links._keys_read()
    assert {"kind", "icon", "tags", "focus", "banner", "plain"} <= keys
    assert not keys & {"title", "big", "url", "content"}
    assert all(page._data is None for page in site.pages.values())
    kept_keys, values = links._values["_items/i0.md"]
    assert kept_keys is keys and "big" not in values and values["icon"] == "hammer"
    assert links._value_of("_items/i0.md", "big") == [1, 2, 3]
    assert links._value_of("_items/i0.md", "title") == "I0"
    assert links._value_of("_items/i0.md", "icon") == "hammer"
    assert links._value_of("_items/i0.md", "nothing") is None
