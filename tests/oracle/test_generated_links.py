"""Generated sites against the real Jekyll: random page layouts, permalinks,
collections, headings, `redirect_from`, a folder README, GitHub Pages or Netlify
(with `_redirects`), and from every page links to random forms of the other
pages' paths and URLs (relative and site-root Markdown paths, built URLs with and
without `.html`, a trailing slash or `index.html`, anchors that exist or not,
static files, missing files). The built site decides which links are broken
(tests/oracle/checker.py); finops-lint's LK001-LK004 findings must be exactly those.
Some links sit in block HTML (a `<div>`, `<details>`), where kramdown prints them
as text unless the tag has `markdown="1"`; some are reference links, whose
definitions may sit right under the last paragraph (then they are its text).

The torture cases (test_torture.py) pin one behaviour each; this test looks for
the combinations nobody wrote down. Each example is one Jekyll build, so CI runs a
few; `--hypothesis-seed` runs others.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oracle.checker import BuiltSite, HtmlLink, check_link
from tests.oracle.hosts import GitHubPages, Netlify
from tests.oracle.jekyll import jekyll_or_skip
from tests.oracle.test_torture import fm, run_site

#: The pages a generated site may hold (the collection is `things`).
PAGES = [
    "index.md",
    "about.md",
    "guide/a.md",
    "guide/b.md",
    "guide/index.md",
    "guide/deep/c.md",
    "docs/README.md",
    "guide/page.html",
    "_things/t.md",
    "_things/sub/u.md",
]
STATICS = ["img/pic.png", "guide/pic.png", "guide/file.pdf"]
HEADINGS = ["Part", "Other part", "Part", "Café au lait", "snake_case", "Step 2: done"]
#: No bare `#`: in `[a](x.md#) [b](x.md)` jekyll-relative-links' fragment runs on over
#: `[b]`, which stays as written; finops-lint keeps one rewrite per path and page, so
#: it takes `[b]` as rewritten (a known gap: `x.md#` alone, or last on its line, is right).
ANCHORS = ["#part", "#part-1", "#other-part", "#caf-au-lait", "#café-au-lait", "#snake_case",
           "#step-2-done", "#nope", "#Part"]  # fmt: skip
HTML_WRAPPERS = [
    "<div>\n{}\n</div>\n\n",
    '<div class="note">\n\n{}\n\n</div>\n\n',
    '<div markdown="1">\n{}\n</div>\n\n',
    "<details>\n<summary>More</summary>\n\n{}\n\n</details>\n\n",
]
SITE_CONFIGS = [
    "",
    "plugins: [jekyll-redirect-from]\n",
    "permalink: pretty\n",
    "permalink: /:path/:basename:output_ext\n",
    "collections:\n  things: {output: true}\n",
    "permalink: pretty\ncollections:\n  things: {output: true, permalink: '/t/:path/'}\n",
    "collections:\n  things: {output: false}\n",
    "baseurl: /docs\npermalink: pretty\n",
]


def _url_forms(path: str, permalink: str | None) -> list[str]:
    """Ways a person might write the URL of the page at `path` (right or wrong)."""
    stem = posixpath.splitext(path)[0].lstrip("_")
    forms = [f"/{stem}.html", f"/{stem}", f"/{stem}/", f"/{stem}/index.html"]
    if stem.endswith("index"):
        forms.append("/" + stem[: -len("index")])
    if permalink:
        forms += [permalink, permalink.rstrip("/") or "/", permalink + "index.html"]
    return forms


def _relative(source: str, target: str) -> str:
    rel = posixpath.relpath(target, posixpath.dirname(source) or ".")
    return rel


@st.composite
def sites(draw: st.DrawFn) -> dict[str, str]:
    config = draw(st.sampled_from(SITE_CONFIGS))
    pages = draw(st.lists(st.sampled_from(PAGES), min_size=2, max_size=6, unique=True))
    if "index.md" not in pages:
        pages.append("index.md")
    host = draw(st.sampled_from(["github-pages", "github-pages", "netlify"]))
    permalinks: dict[str, str | None] = {}
    for page in pages:
        kind = draw(st.sampled_from(["none", "none", "slash", "html"]))
        name = posixpath.splitext(posixpath.basename(page))[0]
        folder = posixpath.dirname(page).lstrip("_")
        prefix = f"/{folder}" if folder else ""
        permalinks[page] = {
            "none": None,
            "slash": f"{prefix}/p-{name}/",
            "html": f"{prefix}/p-{name}.html",
        }[kind]
    statics = draw(st.lists(st.sampled_from(STATICS), max_size=2, unique=True))
    targets: list[tuple[str, str | None]] = [(p, permalinks.get(p)) for p in PAGES]
    files: dict[str, str] = {"_config.yml": config}
    if host == "netlify":
        files["netlify.toml"] = ""
        files["_redirects"] = "/old/ /about.html 301\n/gone/ /nowhere/ 301\n"
        files["_config.yml"] += "include: [_redirects]\n"
    else:
        files["CNAME"] = "example.org\n"
    for s in statics:
        files[s] = "binary"
    for page in pages:
        headings = draw(st.lists(st.sampled_from(HEADINGS), max_size=3))
        links = []
        for _ in range(draw(st.integers(3, 8))):
            target, permalink = draw(st.sampled_from(targets))
            form = draw(
                st.sampled_from(
                    [
                        _relative(page, target),
                        "./" + _relative(page, target),
                        "/" + target,
                        *_url_forms(target, permalink),
                        _relative(page, draw(st.sampled_from(STATICS))),
                        "/" + draw(st.sampled_from(STATICS)),
                        _relative(page, "missing.md"),
                    ]
                )
            )
            if draw(st.integers(0, 5)) == 0:
                form = draw(
                    st.sampled_from(["/old/", "/gone/", "/from-guide/", "/from-x/", "/docs/"])
                )
            variant = draw(st.integers(0, 9))
            if variant == 0:
                form = form.replace("a", "A", 1)  # hosts serve paths case-sensitively
            elif variant == 1:
                form += "?v=1"
            elif variant == 2:
                form = form.replace(".md", ".markdown", 1)
            if "baseurl" in config and form.startswith("/") and draw(st.booleans()):
                form = "/docs" + form
            anchor = draw(st.sampled_from(["", "", "", *ANCHORS]))
            if page.endswith(".html"):
                links.append(f'<a href="{form}{anchor}">l{len(links)}</a>')
            else:
                links.append(f"[l{len(links)}]({form}{anchor})")
        if page.endswith(".html"):
            ids = "".join(f'<h2 id="{h.lower().replace(" ", "-")}">{h}</h2>\n' for h in headings)
            body = ids + "<p>" + " ".join(links) + "</p>\n"
        else:
            definitions = []
            for k, written in enumerate(links):
                if draw(st.integers(0, 3)) == 0:  # reference style, defined at the end
                    text, _, dest = written[1:-1].partition("](")
                    links[k] = f"[{text}][r{k}]"
                    definitions.append(f"[r{k}]: {dest}")
            body = "".join(f"## {h}\n\n" for h in headings)
            cut = draw(st.integers(0, len(links)))
            wrap = ""
            for group in (links[:cut], links[cut:]):
                if group:  # kramdown leaves Markdown in block HTML as text, unless markdown="1"
                    wrap = draw(st.sampled_from(["", "", "", *HTML_WRAPPERS]))
                    body += wrap.format(" ".join(group)) if wrap else " ".join(group) + "\n\n"
            if definitions:
                # right under the last paragraph, they are more text of it (no links)
                glued = not wrap and draw(st.booleans())
                body = body.rstrip("\n") + ("\n" if glued else "\n\n")
                body += "\n".join(definitions) + "\n"
        extra = {}
        if draw(st.integers(0, 4)) == 0:
            extra["redirect_from"] = f"/from-{posixpath.basename(posixpath.dirname(page)) or 'x'}/"
        files[page] = fm(permalinks[page], **extra) + "# Title\n\n" + body
    files["__host__"] = host
    return files


@settings(
    max_examples=3,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(files=sites())
def test_generated_sites_links_match_jekyll(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, str]
) -> None:
    jekyll_or_skip()
    tmp: Path = tmp_path_factory.mktemp("gen-links")
    host = files.pop("__host__")
    result = run_site(tmp, files, host=host)
    # A page Jekyll does not build (in a `_` folder that is no collection) is a
    # repository document: its relative links lead to files, as on GitHub.
    built = BuiltSite.load(tmp / "map.json")
    built_sources = {built.rel_source(item) for item in built.items if item.get("source")}
    src = tmp / "src"
    extra = set()
    for b in result.extra:
        if b.source in built_sources:
            extra.add(b)
            continue
        if b.code != "LK001":  # an anchor: a claim about the built page it names
            model = Netlify(src) if host == "netlify" else GitHubPages()
            if check_link(built, model, "/", "index.html", HtmlLink("a", b.href)) is None:
                extra.add(b)
            continue
        path = b.href.partition("#")[0]  # from `/`: the repository root, as on GitHub
        base = src if path.startswith("/") else (src / b.source).parent
        target = base.joinpath(path.lstrip("/")).resolve()
        if target.is_relative_to(src) and target.exists():
            extra.add(b)  # a file that exists is no broken link in a repository document
    assert not result.missed and not extra, (
        result.explain() + "\n\n" + "\n".join(f"--- {k}\n{v}" for k, v in sorted(files.items()))
    )
