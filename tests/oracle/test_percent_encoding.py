"""Torture site: percent-encoding. Jekyll writes page and file URLs percent-encoded
(`my page.md` -> `/my%20page/`, `café.md` -> `/caf%C3%A9/`), and so do
jekyll-relative-links and `{% link %}` when they rewrite a link; a permalink and a
link keep what their author wrote. Browsers decode paths and fragments before they
look anything up. finops-lint's findings must name the href the built HTML has,
and find exactly its broken links, images and fragments.
"""

from __future__ import annotations

from pathlib import Path

from finops_lint.site.urls import uri_normalize
from tests.oracle.compare import assert_broken_set
from tests.oracle.test_torture import fm, run_site

FILES = {
    "_config.yml": "permalink: pretty\nplugins: [jekyll-relative-links]\n",
    "CNAME": "example.org\n",
    "my page.md": fm() + "# My page\n\n## Part one\n",
    "café.md": fm() + "# Café\n\n## Résumé\n\n## Two words\n",
    "über.md": fm("/über/") + "# Über\n\n## Straße\n",
    "a b.png": "png",
    "ü.png": "png",
    "index.md": fm()
    + "[1](my%20page.md) [2](<my page.md>) [3](café.md#résumé) [4](caf%C3%A9.md#r%C3%A9sum%C3%A9)\n"
    "[5](café.md#nope5) [6](/über/) [7](/%C3%BCber/) [8](a%20b.png) [9]({% link café.md %})\n"
    "[10](/caf%C3%A9/#résumé) [11](missing%20file.md) [12](über.md#straße)\n"
    "[13](my%20page.md#part-one) [14](/my%20page/#part-one) [15](/über/#stra%C3%9Fe)\n"
    "[16](/caf%C3%A9/#R%C3%A9sum%C3%A9) [17](/my%20page/#part%20one) [18](#caf%C3%A9)\n"
    "[19]({{ '/my page/' | relative_url }}) [20]({{ '/über/#straße' | relative_url }})\n"
    "[21]({{ '/café/#nope21' | relative_url }}) [22]({% link my page.md %}#nope22)\n\n"
    "![i](a%20b.png) ![j](<a b.png>) ![k](ü.png) ![l](%C3%BC.png) ![m](/a%20b.png)\n"
    "![n](/%C3%BC%20.png) ![o](/ü%2Epng)\n\n"
    '<a href="my page.md">html</a> <a href="/my page/">html2</a> <a href="/café/#résumé">h3</a>\n'
    '<a href="/caf&#xE9;/#r&eacute;sum&eacute;">entities</a> <a href="/my%20page/#nope23">x</a>\n',
}


def test_percent_encoded_hrefs_and_fragments(tmp_path: Path) -> None:
    result = run_site(tmp_path, FILES)
    # Working in the build: [1] [3] [4] [9] [10] [12]-[15] [19] [20], [6] and [7] (the
    # permalink as written and encoded), [8] and the images i-m (`<a b.png>` is left
    # alone and resolves relative to /), o (%2E is '.'), and the HTML links with
    # entities. Rewritten hrefs carry Jekyll's encoding ([5], [21], [22]); browsers
    # decode fragments before comparing, case-sensitively ([16]).
    assert_broken_set(
        result,
        {
            ("LK001", "index.md", "my page.md"),  # [2] (<...>) and the HTML <a>: as written
            ("LK001", "index.md", "missing%20file.md"),
            ("LK002", "index.md", "/%C3%BC%20.png"),
            ("LK003", "index.md", "#caf%C3%A9"),
            ("LK004", "index.md", "/caf%C3%A9/#nope5"),
            ("LK004", "index.md", "/caf%C3%A9/#R%C3%A9sum%C3%A9"),
            ("LK004", "index.md", "/my%20page/#part%20one"),
            ("LK004", "index.md", "/caf%C3%A9/#nope21"),
            ("LK004", "index.md", "/my%20page/#nope22"),
            ("LK004", "index.md", "/my%20page/#nope23"),
        },
    )


def test_uri_normalize_is_addressables() -> None:
    """Addressable 2.8's URI#normalize on paths (read from its uri.rb): per segment,
    decode, NFKC, encode all but RFC 3986 pchar; dot segments removed."""
    assert uri_normalize("/my page/") == "/my%20page/"
    assert uri_normalize("/über/#straße") == "/%C3%BCber/#stra%C3%9Fe"
    assert uri_normalize("/caf%c3%a9/") == "/caf%C3%A9/"
    assert uri_normalize("/a%7eb/%2e/x/../y") == "/a~b/y"
    assert uri_normalize("/a%2Fb/") == "/a%2Fb/"
    assert uri_normalize("/ﬁle/") == "/file/"  # NFKC: the ligature is two letters
    assert uri_normalize("/x/?q=a b") == "/x/?q=a b"
    assert uri_normalize("/plain-path_1.html") == "/plain-path_1.html"
