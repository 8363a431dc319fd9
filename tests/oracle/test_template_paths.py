"""Torture site: paths that layouts and includes build from front matter values.

No source file holds these paths; they exist only in the built HTML. The oracle
credits each broken one to the template whose Liquid-built attribute matches it
(tests/oracle/checker.py), and finops-lint's LK014 must report exactly the values
that build them: one finding per page and key, at the key, with the template as
the related location.
"""

from __future__ import annotations

from pathlib import Path

from finops_lint.engine import RunOptions, run
from finops_lint.site.templates import Broken
from tests.oracle.compare import assert_broken_set
from tests.oracle.test_torture import fm, run_site

CARDS = """\
{% assign sorted = site.items | sort: "weight" %}
{% for item in sorted %}
{% if item.kind == 'tool' %}
<img src="{{ site.baseurl }}/img/tools/{{ item.icon | downcase }}.png" alt="{{ item.title }}">
{% elsif item.kind == 'guide' %}
<img src="{{ site.baseurl }}/img/guides/{{ item.icon }}.png" alt="{{ item.title }}">
{% endif %}
{% unless item.hidden %}
<a href="{{ site.baseurl }}/topics/{{ item.topic | slugify }}/">{{ item.title }}</a>
{% endunless %}
{% for tag in item.tags %}{% if tag == page.focus %}
<img src="{{ site.baseurl }}/img/tags/{{ tag }}.svg" alt="tag">
{% endif %}{% endfor %}
{% endfor %}
<!-- <img src="/img/commented/{{ page.focus }}.png" alt="a comment is no link"> -->
{% capture unused %}<img src="/img/captured/{{ page.focus }}.png" alt="x">{% endcapture %}
"""

LAYOUT = """\
<!DOCTYPE html>
<html><body>
{% if page.banner %}<img src="{{ site.baseurl }}/img/banners/{{ page.banner }}.png">{% endif %}
{{ content }}
</body></html>
"""

FILES = {
    "_config.yml": "permalink: pretty\nbaseurl: /site\ncollections:\n  items: {output: true}\n",
    "CNAME": "example.org\n",
    "_layouts/default.html": LAYOUT,
    "_includes/cards.html": CARDS,
    "index.md": fm(layout="default", banner="home", focus="alpha")
    + "# Home\n\n{% include cards.html %}\n",
    "other.md": fm(layout="default", focus="gamma") + "# Other\n\n{% include cards.html %}\n",
    "about.md": fm(layout="default", banner="About") + "# About\n",
    "topics/cost-allocation.md": fm("/topics/cost-allocation/") + "# Cost allocation\n",
    # a tool: icon downcased (Hammer -> hammer.png, exists); its topic slugified
    "_items/a.md": fm(kind="tool", icon="Hammer", topic="Cost Allocation", weight="1")
    + "tags: [alpha, beta]\n---\n",
    # a tool whose icon and topic reach nothing; its tag is rendered only on other.md
    "_items/b.md": fm(kind="tool", icon="saw", topic="Nope Topic", weight="2")
    + "tags: [gamma]\n---\n",
    # a guide: the elsif branch, no downcase
    "_items/c.md": fm(kind="guide", icon="Missing-Guide", topic="cost allocation", weight="3")
    + "---\n",
    # neither branch renders its icon, and it is hidden: nothing is built from it
    "_items/d.md": fm(kind="video", icon="nothing", topic="Gone", hidden="true") + "---\n",
    "img/tools/hammer.png": "png",
    "img/banners/home.png": "png",
    "img/banners/about.png": "png",
    "img/tags/alpha.svg": "svg",
}


def _items_fm(files: dict[str, str]) -> dict[str, str]:
    """fm() closes its block; the item pages above add a list, so reopen it."""
    out = {}
    for rel, text in files.items():
        if rel.startswith("_items/"):
            text = text.replace("\n---\n\n", "\n", 1)
        out[rel] = text
    return out


def test_paths_built_by_layouts_and_includes_from_front_matter(tmp_path: Path) -> None:
    files = _items_fm(FILES)
    result = run_site(tmp_path, files)
    assert_broken_set(
        result,
        {
            ("LK002", "_layouts/default.html", "/site/img/banners/About.png"),
            ("LK002", "_includes/cards.html", "/site/img/tools/saw.png"),
            ("LK001", "_includes/cards.html", "/site/topics/nope-topic/"),
            ("LK002", "_includes/cards.html", "/site/img/tags/gamma.svg"),
            ("LK002", "_includes/cards.html", "/site/img/guides/Missing-Guide.png"),
        },
    )
    # one finding per page and key, at the key, naming the template
    src = tmp_path / "src"
    found = run(RunOptions(paths=[src], root=src, select=["LK014"])).findings
    got = {(Path(f.path).as_posix().split("src/")[-1], f.line) for f in found}
    assert got == {
        ("about.md", 4),
        ("_items/b.md", 4),
        ("_items/b.md", 5),
        ("_items/b.md", 7),
        ("_items/c.md", 4),
    }
    about = next(f for f in found if f.path.endswith("about.md"))
    assert "the file is 'about.png'" in about.message
    # shown like the finding's own path (from the current directory), not site-relative
    assert [(Path(r.path).as_posix().split("src/")[-1], r.line) for r in about.related] == [
        ("_layouts/default.html", 3)
    ]
    assert Path(about.related[0].path).is_file()


def test_one_page_gets_the_findings_of_the_whole_run(tmp_path: Path) -> None:
    """A run of a few pages evaluates, for each, only the bindings that can use its
    values (no Jekyll needed): the same values as the whole-site evaluation, and
    the same findings as a run of the whole site."""
    from finops_lint.site.templates import TemplateLinks
    from finops_lint.workspace import Workspace
    from tests.oracle.jekyll import write_site

    src = write_site(tmp_path / "src", _items_fm(FILES))
    result = run(RunOptions(paths=[src], root=src, select=["LK014"]))
    ws = Workspace(src, result.config, src)
    assert ws.site is not None
    links = TemplateLinks(src, ws.site, lambda rel: ws.facts(rel).data)

    def key(b: Broken) -> tuple[str, str, str, str, int]:
        return (b.path, b.key, b.href, b.link.template, b.link.line)

    whole = {key(b) for b in links.broken()}
    assert len({(p, k) for p, k, *_ in whole}) == 5
    for rel in ws.site.pages:
        assert {key(b) for b in links.broken(rel)} == {k for k in whole if k[0] == rel}, rel
    for rel in ("about.md", "_items/b.md", "_items/c.md", "index.md"):
        one = run(RunOptions(paths=[src / rel], root=src, select=["LK014"])).findings
        assert {(f.line, f.message) for f in one} == {
            (f.line, f.message) for f in result.findings if f.path.endswith(rel)
        }, rel
