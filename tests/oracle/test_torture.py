"""Generated "torture" sites, one per Jekyll or host behaviour: each is built with
the real Jekyll, its broken links, images and anchors are found in the built HTML
(tests/oracle/checker.py), and finops-lint's LK001-LK004 findings must be exactly
that set. Each case also pins the broken set itself, so a checker that sees
nothing cannot pass.

Most cases are rows of CASES (files, host, expected broken set) run by one
parametrised test; the few that assert something else are their own tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.oracle.checker import BuiltSite
from tests.oracle.compare import Comparison, compare
from tests.oracle.hosts import GitHubPages, Host, Netlify
from tests.oracle.jekyll import build, write_site

MODELS = Path(__file__).parent / "plugin_models"
GITHUB_PAGES_DEBIAN_PLUGINS = ("jekyll-relative-links", "jekyll-readme-index")


def fm(permalink: str | None = None, **extra: str) -> str:
    lines = ["---", "title: T"]
    if permalink is not None:
        lines.append(f"permalink: {permalink}")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n---\n\n"


def run_site(
    tmp_path: Path,
    files: dict[str, str],
    host: str = "github-pages",
    extra_config: dict[str, object] | None = None,
    models: bool = False,
) -> Comparison:
    src = write_site(tmp_path / "src", files)
    record = tmp_path / "map.json"
    if host == "github-pages":
        # GitHub Pages runs these on every site: Debian's real plugins, plus the model
        # of jekyll-optional-front-matter (Debian has none).
        site_config = yaml.safe_load(files.get("_config.yml", "")) or {}
        plugins = list(site_config.get("plugins") or [])
        plugins += [p for p in GITHUB_PAGES_DEBIAN_PLUGINS if p not in plugins]
        extra_config = {**(extra_config or {}), "plugins": plugins}
        models = True
    build(src, tmp_path / "out", extra_config, record=record, models=MODELS if models else None)
    built = BuiltSite.load(record)
    model: Host = Netlify(src) if host == "netlify" else GitHubPages()
    return compare(built, model, src)


@dataclass(frozen=True)
class Case:
    """A torture site: its source files, where it is served, and what is broken there."""

    files: dict[str, str]
    broken: set[tuple[str, str, str]]  # (code, source page, href as written or rewritten)
    host: str = "github-pages"
    extra_config: dict[str, object] = field(default_factory=dict)
    models: bool = False


RELATIVE = {
    "CNAME": "example.org\n",
    "index.md": fm() + "# Home\n",
    "guide/a.md": fm()
    + "[b](b.md) [b2](./b.md#part) [b3](b.md#nope) [top](../index.md) [root](/guide/b.md)\n"
    "[gone](missing.md) ![img](pic.png) [doc](../_things/t.md)\n\n"
    '<a href="b.md">html is not rewritten</a>\n',
    "guide/b.md": fm() + "# B\n\n## Part\n",
    "guide/pic.png": "png",
    "_things/t.md": fm() + "# T\n\n[back](../index.md) [a](../guide/a.md)\n",
}
#: What jekyll-relative-links leaves broken in RELATIVE, whether or not it runs on collections.
RELATIVE_BROKEN = {
    ("LK004", "guide/a.md", "/guide/b/#nope"),
    ("LK001", "guide/a.md", "missing.md"),
    ("LK001", "guide/a.md", "b.md"),
}

HOSTED = {
    "_config.yml": "permalink: pretty\ninclude: [_redirects]\n",
    "_redirects": "/old/ /new/ 301\n/shadow/ /new/ 301\n/forced/ /new/ 301!\n"
    "/gone/ /404.html 404\n",
    "new.md": fm() + "# New\n\n## Only in new\n",
    "shadow.md": fm() + "# Shadow\n",
    "forced.md": fm() + "# Forced\n",
    "plain.html": fm("/plain.html") + "<h1>Plain</h1>\n",
    "index.md": fm()
    + "[a](/old/) [b](/shadow/#only-in-new) [c](/forced/#only-in-new) [d](/gone/)\n"
    "[e](/plain/) [f](/plain) [g](/plain.html) [h](/new) [i](/new/index.html)\n",
}


CASES: dict[str, Case] = {
    # Files Jekyll does not build are read on GitHub: a `_` folder that is no
    # collection, a collection without output. Their links lead to files, `/` being the
    # repository root. And jekyll-relative-links' fragment: `x.md#` before more text
    # runs on over the next link, which stays as written; `x.md#` last on its line is
    # not rewritten at all.
    "unbuilt_documents_and_bare_fragments": Case(
        {
            "_config.yml": "collections:\n  notes: {output: false}\n",
            "CNAME": "example.org\n",
            "index.md": fm() + "[a](index.md#) [b](about.md)\n\n[c](about.md#)\n",
            "about.md": fm() + "# About\n",
            "_notes/n.md": fm() + "[up](../about.md) [root](/index.md)\n",
            "_misc/m.md": fm() + "[up](../index.md) [root](/about.md) [img](../pic.png)\n",
            "pic.png": "png",
        },
        {
            ("LK001", "index.md", "about.md"),
            ("LK001", "index.md", "about.md#"),
        },
    ),
    # Markdown that is no link on the built page: a definition right under a line of
    # text (paragraph text), a link in block HTML without markdown="1", in kramdown's
    # comment extension, in math or in an abbreviation's definition. A link text
    # wrapped over two lines is a link.
    "markdown_that_is_no_link": Case(
        {
            "_config.yml": "",
            "CNAME": "example.org\n",
            "index.md": fm()
            + "See [a][] here.\n[a]: /gone-a/\n\n"
            + "<div>\n\n[b](/gone-b/)\n\n</div>\n\n"
            + '<div markdown="1">\n[c](/gone-c/)\n</div>\n\n'
            + "{::comment}\n[d](/gone-d/)\n{:/comment}\n\n"
            + "$$ [e](/gone-e/) $$\n\n"
            + "The HTML spec.\n\n*[HTML]: Hyper Text [g](/gone-g/)\n\n"
            + "A link text [wrapped over\ntwo lines](/gone-f/).\n",
        },
        {("LK001", "index.md", "/gone-c/"), ("LK001", "index.md", "/gone-f/")},
    ),
    # jekyll-relative-links puts an empty line before each definition it rewrites
    # (one naming a source file): under a line of text, that one and those under it
    # are definitions again; those above it stay paragraph text.
    "definitions_under_text_rewritten_by_relative_links": Case(
        {
            "_config.yml": "",
            "CNAME": "example.org\n",
            "index.md": fm()
            + "[a][r0] [b][r1] [c][r2]\n[r0]: /gone-a/\n[r1]: about.md\n[r2]: /gone-c/\n",
            "about.md": fm() + "# About\n",
        },
        {("LK001", "index.md", "/gone-c/")},
    ),
    "baseurl_from_config_yml": Case(
        {
            "_config.yml": "baseurl: /docs\npermalink: pretty\n",
            "CNAME": "example.org\n",
            "index.md": fm() + "[a](/docs/about/) [b]({{ site.baseurl }}/about/) "
            "[c]({{ '/about/' | relative_url }})\n"
            "[d](about/) [e](/about/) [f](/docs/nope/)\n\n"
            "![i](/docs/img/a.png) ![j](/img/a.png) ![k](/img/none.png)\n\n"
            '<img src="/img/a.png" alt="raw HTML is not rewritten">\n',
            "about.md": fm() + "# About\n",
            "img/a.png": "png",
        },
        # ![j](/img/a.png) works: jekyll-relative-links (on by default on GitHub Pages)
        # rewrites a root path that names a source file to relative_url of it.
        {
            ("LK001", "index.md", "/about/"),
            ("LK001", "index.md", "/docs/nope/"),
            ("LK002", "index.md", "/img/none.png"),
            ("LK002", "index.md", "/img/a.png"),
        },
    ),
    # GitHub Pages injects the project's baseurl; `site: {baseurl: ...}` tells us.
    "baseurl_injected_by_the_host_and_set_in_our_config": Case(
        {
            "_config.yml": "permalink: pretty\n",
            ".finops-lint.yaml": "site:\n  baseurl: /proj\n  host: github-pages\n",
            "index.md": fm() + "[a]({{ site.baseurl }}/about/) [b](/about/) [c](/proj/about/)\n",
            "about.md": fm() + "# About\n",
        },
        {("LK001", "index.md", "/about/")},
        extra_config={"baseurl": "/proj"},
    ),
    "permalink_styles_and_placeholders": Case(
        {
            "_config.yml": "permalink: /:categories/:year/:title:output_ext\n",
            "CNAME": "example.org\n",
            "_posts/2024-03-05-hello-world.md": fm(categories="news") + "# Hello\n",
            "_posts/2024-03-06-own.md": fm("/blog/:year/:month/:title/") + "# Own\n",
            "page.md": fm() + "# Page\n",
            "folder/deep.md": fm("/:path/:basename:output_ext") + "# Deep\n",
            "index.md": fm()
            + "[a](/news/2024/hello-world.html) [b](/news/2024/03/05/hello-world.html)\n"
            "[c](/blog/2024/03/own/) [d](/2024/own.html) [e](/page.html) [f](/page)\n"
            "[g](/page/) [h](/folder/deep.html) [i](/deep.html)\n",
        },
        {
            ("LK001", "index.md", "/news/2024/03/05/hello-world.html"),
            ("LK001", "index.md", "/2024/own.html"),
            ("LK001", "index.md", "/page/"),
            ("LK001", "index.md", "/deep.html"),
        },
    ),
    "collections_output_and_own_permalink": Case(
        {
            "_config.yml": (
                "collections:\n"
                "  recipes: {output: true, permalink: '/r/:name/'}\n"
                "  notes: {output: false}\n"
                "  guides: {output: true}\n"
            ),
            "CNAME": "example.org\n",
            "_recipes/soup.md": fm() + "# Soup\n",
            "_notes/n1.md": fm() + "# Note\n",
            "_guides/g1.md": fm() + "# Guide\n\n## Part one\n",
            "_guides/g2.md": fm("/elsewhere/") + "# G2\n",
            "index.md": fm()
            + "[a](/r/soup/) [b](/recipes/soup/) [c](/notes/n1/) [d](/notes/n1.html)\n"
            "[e](/guides/g1.html) [f](/guides/g1) [g](/guides/g1/) [h](/elsewhere/)\n"
            "[i](/guides/g2.html) [j](/guides/g1.html#part-one) [k](/guides/g1.html#part-two)\n",
        },
        {
            ("LK001", "index.md", "/recipes/soup/"),
            ("LK001", "index.md", "/notes/n1/"),
            ("LK001", "index.md", "/notes/n1.html"),
            ("LK001", "index.md", "/guides/g1/"),
            ("LK001", "index.md", "/guides/g2.html"),
            ("LK004", "index.md", "/guides/g1.html#part-two"),
        },
    ),
    # [b](/team.html) names the source file team.html: jekyll-relative-links rewrites it
    # to /team/; the same path in an HTML <a> is left alone and is broken.
    "html_pages_and_raw_html_links": Case(
        {
            "_config.yml": "permalink: pretty\n",
            "CNAME": "example.org\n",
            "team.html": fm("/team/") + '<p><a href="/team/">self</a> <a href="/nope/">gone</a>\n'
            '<img src="/img/missing.png" alt="x"> <img src="/img/a.png" alt="y"></p>\n'
            '<!-- <a href="/commented/">c</a> -->\n',
            "index.md": fm() + '[a](/team/) [b](/team.html)\n\n<a href="/nope2/">raw</a> '
            '<img src="/img/gone.png">\n\n'
            '<p><a href="/team/">inside a block</a> <a href="/team.html">html</a></p>\n',
            "img/a.png": "png",
        },
        {
            ("LK001", "team.html", "/nope/"),
            ("LK002", "team.html", "/img/missing.png"),
            ("LK001", "index.md", "/team.html"),
            ("LK001", "index.md", "/nope2/"),
            ("LK002", "index.md", "/img/gone.png"),
        },
    ),
    # GitHub Pages: jekyll-readme-index (Debian's) and jekyll-optional-front-matter,
    # which Debian lacks: tests/oracle/plugin_models has a model of it written from its
    # README and generator (Markdown files without front matter become pages, except
    # README, LICENSE, CONTRIBUTING and the like).
    "readme_index_and_optional_front_matter": Case(
        {
            "_config.yml": "permalink: pretty\nplugins: [jekyll-readme-index]\n",
            "CNAME": "example.org\n",
            "docs/README.md": "# Docs\n\n[up](/) [plain](/plain/) [x](/nowhere/)\n",
            "other/index.md": fm() + "# Other index\n",
            "other/README.md": "# Other readme\n",
            "plain.md": "# Plain, no front matter\n",
            "CONTRIBUTING.md": "# How to contribute\n",
            "index.md": fm()
            + "[a](/docs/) [b](/other/) [c](/plain/) [d](/CONTRIBUTING/) [e](/CONTRIBUTING.md)\n"
            "[f](/other/README.md) [g](/docs/README/)\n",
        },
        {
            ("LK001", "docs/README.md", "/nowhere/"),
            ("LK001", "index.md", "/CONTRIBUTING/"),
            ("LK001", "index.md", "/docs/README/"),
        },
        models=True,
    ),
    # jekyll-relative-links 0.7 (read from its generator.rb): Markdown links in pages
    # to pages, documents and static files are rewritten; collection documents are left
    # alone, as are HTML links; anything else stays as written.
    "jekyll_relative_links_rewrites_pages_and_static_files": Case(
        {
            **RELATIVE,
            "_config.yml": "permalink: pretty\nplugins: [jekyll-relative-links]\n"
            "collections:\n  things: {output: true}\n",
        },
        RELATIVE_BROKEN
        | {
            ("LK001", "_things/t.md", "../index.md"),
            ("LK001", "_things/t.md", "../guide/a.md"),
        },
    ),
    "jekyll_relative_links_in_collections_when_asked": Case(
        {
            **RELATIVE,
            "_config.yml": "permalink: pretty\nplugins: [jekyll-relative-links]\n"
            "relative_links: {collections: true}\ncollections:\n  things: {output: true}\n",
        },
        RELATIVE_BROKEN,
    ),
    # Definitions right under a line of text are paragraph text, unless
    # jekyll-relative-links rewrites one (its path names a source file): it puts an
    # empty line before it, so it and those under it are made. A query, a title in
    # single quotes or a folder is never rewritten, and a run of such definitions
    # shows as text: their links' anchors are no claim about the site.
    "definitions_glued_to_text": Case(
        {
            "_config.yml": "title: Glued\n",
            "CNAME": "example.org\n",
            "index.md": fm("/p-index/") + "# Home\n",
            "about.md": fm() + "# About\n\n[l0][r0] [l1][r1] [l2][r2] [l4][r4] [l5][r5]\n"
            "[r0]: index.md?v=1\n[r1]: /p-index/#part\n[r2]: /old/\n[r4]: index.md\n"
            "[r5]: /old/\n\nSecond [m0][q0] [m1][q1]\n[q0]: index.md 'Single'\n"
            "[q1]: /p-index/#part2\n\nThird [n0][s0] [n1][s1]\n[s0]: about.md#about\n"
            "[s1]: /p-index/#gone\n",
        },
        {
            ("LK001", "about.md", "/old/"),
            ("LK004", "about.md", "/p-index/#gone"),
        },
    ),
    # jekyll-redirect-from makes its pages in its order (documents, then pages by
    # file name) after the site's pages, and Jekyll writes documents last: at one URL
    # the last redirect claimed wins, a redirect replaces a page, a document wins.
    "redirect_from_claims_in_jekylls_order": Case(
        {
            "_config.yml": "plugins: [jekyll-redirect-from]\n"
            "collections:\n  things:\n    output: true\n",
            "index.md": fm()
            + "# Home\n\n[a](/old/#zed-part) [b](/about.html#part) [c](/old2/#b-part)"
            " [d](/old2/#a-part) [e](/things/t.html#t-part)\n",
            "about.md": fm() + "# About\n\n## Part\n",
            "zed.md": fm(redirect_from="[/old/, /about.html]") + "# Zed\n\n## Zed part\n",
            "_things/t.md": fm(redirect_from="/old/") + "# T\n\n## T part\n",
            "_things/u.md": fm(redirect_from="/things/t.html") + "# U\n",
            "aaa.md": fm(redirect_from="/old2/") + "# A\n\n## A part\n",
            "bbb.md": fm(redirect_from="/old2/") + "# B\n\n## B part\n",
        },
        {
            ("LK004", "index.md", "/about.html#part"),
            ("LK004", "index.md", "/old2/#a-part"),
        },
    ),
    # Two pages, or a page and a document, written to one file: Jekyll writes the
    # pages (by file name), then the static files, then the documents; the last wins.
    "shared_destinations_in_jekylls_write_order": Case(
        {
            "_config.yml": "collections:\n  things:\n    output: true\n"
            "    permalink: /things/:name/\n",
            "index.md": fm() + "# Home\n\n[a](/things/t/#doc-part) [b](/things/t/#page-part)"
            " [c](/q/#y-part) [d](/q/#z-part)\n",
            "Ab.md": fm("/things/t/") + "# Page\n\n## Page part\n",
            "_things/t.md": fm() + "# Doc\n\n## Doc part\n",
            "a/y.md": fm("/q/") + "# Y\n\n## Y part\n",
            "b/z.md": fm("/q/") + "# Z\n\n## Z part\n",
        },
        {
            ("LK004", "index.md", "/things/t/#page-part"),
            ("LK004", "index.md", "/q/#y-part"),
        },
    ),
    # Under text, a definition is one only if jekyll-relative-links rewrites it or
    # one above it from the text down: a built URL (`/b.html`) or a missing file is
    # not rewritten, a file with no suffix is, and in a collection document (the
    # plugin's default) nothing is. The lines left are text: no link to check.
    "glued_definitions_the_site_decides": Case(
        {
            "_config.yml": "collections:\n  things:\n    output: true\n",
            "CNAME": "example.org\n",  # GitHub Pages: jekyll-relative-links runs
            "index.md": fm() + "# Home\n",
            "b.md": fm() + "# B\n\n## B part\n",
            "LICENSE": "licence text\n",
            "about.md": fm()
            + "# About\n\nSee [a][r0] and [b][r1].\n[r0]: /b.html#nope\n[r1]: /b.html#b-part\n\n"
            "Then [c][s0] and [d][s1].\n[s0]: missing.md\n[s1]: /b.html#nope2\n\n"
            "And [e][t0] [f][t1].\n[t0]: b.md#b-part\n[t1]: /b.html#nope3\n\n"
            "Also [g][u0].\n[u0]: LICENSE\n",
            "_things/t.md": fm() + "# T\n\nText [h][v0].\n[v0]: ../b.md#nope4\n",
        },
        {("LK004", "about.md", "/b.html#nope3")},
    ),
    "netlify_serves_redirects_shadowing_and_pretty_urls": Case(
        HOSTED,
        {
            ("LK004", "index.md", "/shadow/#only-in-new"),
            ("LK001", "index.md", "/gone/"),
        },
        host="netlify",
    ),
    # The same source as the Netlify site: GitHub Pages ignores _redirects, serves
    # /x/ only from x/index.html; `site: {host: github-pages}` says so.
    "github_pages_serves_files_only": Case(
        {**HOSTED, ".finops-lint.yaml": "site:\n  host: github-pages\n"},
        {
            ("LK001", "index.md", "/old/"),
            ("LK004", "index.md", "/shadow/#only-in-new"),
            ("LK004", "index.md", "/forced/#only-in-new"),
            ("LK001", "index.md", "/gone/"),
            ("LK001", "index.md", "/plain/"),
        },
    ),
}


@pytest.mark.parametrize("name", CASES, ids=str)
def test_torture_site(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    result = run_site(tmp_path, case.files, case.host, case.extra_config, case.models)
    got = {(b.code, b.source, b.href) for b in result.oracle.broken}
    assert got == case.broken, f"the built site's broken set changed: {sorted(got)}"
    assert not result.missed and not result.extra, result.explain()


def test_without_jekyll_relative_links_a_source_path_is_broken(tmp_path: Path) -> None:
    files = {
        **RELATIVE,
        "netlify.toml": "",
        "_config.yml": "permalink: pretty\ncollections:\n  things: {output: true}\n",
    }
    result = run_site(tmp_path, files, host="netlify")
    got = {(b.code, b.href) for b in result.oracle.broken if b.source == "guide/a.md"}
    assert ("LK001", "b.md") in got and ("LK002", "pic.png") in got
    assert not result.missed and not result.extra, result.explain()


def test_excluded_files_are_repository_documents(tmp_path: Path) -> None:
    """`exclude`d files are not site pages (the build has none of them); their
    relative links lead to files, as GitHub shows them, so only a link to a file
    that does not exist is broken. The truth for those is the file system."""
    files = {
        "_config.yml": "permalink: pretty\nexclude: [docs/, CONTRIBUTING.md]\n",
        "netlify.toml": "",
        "index.md": fm() + "[a](/about/) [b](/docs/guide/)\n",
        "about.md": fm() + "# About\n",
        "CONTRIBUTING.md": "# Contributing\n\n[the guide](docs/guide.md) [gone](docs/nope.md)\n",
        "docs/guide.md": fm()
        + "[c](../CONTRIBUTING.md) [d](other.md) [e](img/x.png) [f](../index.md) [g](../)\n"
        "[h](../../outside.md)\n",
        "docs/img/x.png": "png",
    }
    result = run_site(tmp_path, files, host="netlify")
    built = {item["url"] for item in BuiltSite.load(tmp_path / "map.json").items}
    assert "/docs/guide/" not in built and "/CONTRIBUTING/" not in built
    # the built site: only the link to the excluded page is broken
    got = {(b.code, b.source, b.href) for b in result.oracle.broken}
    assert got == {("LK001", "index.md", "/docs/guide/")}
    assert not result.missed, result.explain()
    # the repository documents: exactly the links to files that do not exist
    src = tmp_path / "src"
    on_disk = {
        (b.source, b.href)
        for b in result.extra
        if not (src / b.source).parent.joinpath(b.href).resolve().is_relative_to(src)
        or not (src / b.source).parent.joinpath(b.href).exists()
    }
    assert (
        {(b.source, b.href) for b in result.extra}
        == on_disk
        == {
            ("CONTRIBUTING.md", "docs/nope.md"),
            ("docs/guide.md", "other.md"),
            ("docs/guide.md", "../../outside.md"),
        }
    )


def test_repository_documents_resolve_against_files(tmp_path: Path) -> None:
    from finops_lint.engine import RunOptions, run

    src = write_site(
        tmp_path,
        {
            "_config.yml": "exclude: [docs/, CONTRIBUTING.md]\n",
            "CONTRIBUTING.md": "# Contributing\n\n[ok](docs/guide.md) [gone](docs/nope.md)\n",
            "docs/guide.md": "# Guide\n\n[c](../CONTRIBUTING.md) [d](other.md) [e](img/x.png) "
            "[f](../../outside.md)\n",
            "docs/img/x.png": "png",
        },
    )
    found = run(RunOptions(paths=[src], root=src, select=["LK001"])).findings
    got = {(Path(f.path).name, f.line, f.column) for f in found}
    assert got == {("CONTRIBUTING.md", 3, 28), ("guide.md", 3, 29), ("guide.md", 3, 58)}
    assert all(not (src / "docs" / p).exists() for p in ("nope.md", "other.md"))
