"""Torture site: #fragments in and to `.html` pages, and ids that layouts and
includes write.

A built page's ids come from its own body (kramdown's heading ids for Markdown,
the HTML as written for `.html` pages), from its layout chain and from the
includes those render. finops-lint's LK003/LK004 must find exactly the broken
fragments the built HTML has: an element's `id`, or an `<a>`'s `name` (a form
field's `name` is no anchor), compared case-sensitively after decoding.
"""

from __future__ import annotations

from pathlib import Path

from tests.oracle.compare import assert_broken_set
from tests.oracle.test_torture import fm, run_site

LAYOUT = """\
<!DOCTYPE html>
<html><body>
<header id="top-nav"><a name="legacy-top"></a></header>
<!-- <div id="commented-out"></div> -->
{% include footer.html %}
{{ content }}
</body></html>
"""

DYNAMIC = """\
<!DOCTYPE html>
<html><body>
<div id="{{ page.slug }}"></div>
{{ content }}
</body></html>
"""

FILES = {
    "_config.yml": "permalink: pretty\n",
    "CNAME": "example.org\n",
    "_layouts/default.html": LAYOUT,
    "_layouts/dynamic.html": DYNAMIC,
    "_includes/footer.html": (
        '<footer id="site-footer"><form><input name="email"></form></footer>\n'
    ),
    "_includes/aside.html": '<aside id="aside-box"></aside>\n',
    "team.html": fm("/team/", layout="default")
    + '<h2 id="members">Members</h2>\n<a name="old-members"></a>\n'
    '<span id="a&amp;b">amp</span> <span id=unquoted>u</span>\n'
    "{% include aside.html %}\n"
    '<p><a href="#members">ok</a> <a href="#old-members">ok</a> <a href="#top-nav">layout</a>\n'
    '<a href="#site-footer">include of the layout</a> <a href="#aside-box">own include</a>\n'
    '<a href="#a&amp;b">entity</a> <a href="#unquoted">u</a> <a href="#TOP">top</a>\n'
    '<a href="#email">form field</a> <a href="#nope">gone</a> <a href="#Members">case</a>\n'
    '<a href="#commented-out">comment</a> <a href="#legacy-top">a name in the layout</a></p>\n',
    "bare.html": fm("/bare/") + '<h2 id="here">Here</h2>\n'
    '<p><a href="#here">ok</a> <a href="#top-nav">no layout, no such id</a></p>\n',
    "slugged.html": fm("/slugged/", layout="dynamic", slug="made-by-liquid")
    + '<p><a href="#made-by-liquid">made by Liquid: unknowable offline, and fine</a></p>\n',
    "index.md": fm(layout="default")
    + "# Home\n\n[a](#top-nav) [b](#site-footer) [c](#email) [d](#nowhere)\n\n"
    "[e](/team/#members) [f](/team/#nope) [g](/team/#top-nav) [h](/team/#email)\n"
    "[i](/bare/#here) [j](/bare/#top-nav) [k](/slugged/#made-by-liquid)\n",
}


def test_anchors_in_and_to_html_pages_with_layout_ids(tmp_path: Path) -> None:
    result = run_site(tmp_path, FILES)
    assert_broken_set(
        result,
        {
            ("LK003", "team.html", "#email"),
            ("LK003", "team.html", "#nope"),
            ("LK003", "team.html", "#Members"),
            ("LK003", "team.html", "#commented-out"),
            ("LK003", "bare.html", "#top-nav"),
            ("LK003", "index.md", "#email"),
            ("LK003", "index.md", "#nowhere"),
            ("LK004", "index.md", "/team/#nope"),
            ("LK004", "index.md", "/team/#email"),
            ("LK004", "index.md", "/bare/#top-nav"),
        },
    )
