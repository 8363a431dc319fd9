"""Tests for the Site model: Jekyll URLs, Netlify redirects, link resolution."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_lint.site import Resolution, Site, SitePage
from finops_lint.site.redirects import parse_netlify_toml, parse_redirects_file
from finops_lint.site.urls import sanitize_url, slugify
from tests.corpus import corpus_dir


def make_site(tmp_path: Path, files: dict[str, str | bytes], **kwargs: object) -> Site:
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return Site.build(tmp_path, **kwargs)  # type: ignore[arg-type]


FM = "---\ntitle: x\n---\nbody\n"


def fm(**keys: str) -> str:
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in keys.items()) + "---\nbody\n"


# ------------------------------------------------------------------ URLs


def test_default_style_is_date_and_pages_get_html(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"_config.yml": "", "about.md": FM, "docs/index.md": FM})
    assert site.pages["about.md"].url == "/about.html"
    assert site.pages["docs/index.md"].url == "/docs/"
    assert site.resolve("/about", "docs/index.md").kind == "page"  # Netlify serves about.html


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("pretty", "/about/"),
        ("date", "/about.html"),
        ("ordinal", "/about.html"),
        ("none", "/about.html"),
        ("/:categories/:title/", "/about/"),
    ],
)
def test_permalink_styles_for_pages(tmp_path: Path, style: str, expected: str) -> None:
    site = make_site(tmp_path, {"_config.yml": f"permalink: {style}\n", "about.md": FM})
    assert site.pages["about.md"].url == expected


def test_front_matter_permalink_placeholders_and_sanitising(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "_config.yml": "permalink: pretty\n",
            "a/b.md": fm(permalink="/x/:basename/"),
            "a/c.md": fm(permalink="/introduction//c/"),
            "a/d.html": fm(permalink="json/d.json"),
            "a/e.md": fm(permalink="/e"),
        },
    )
    assert site.pages["a/b.md"].url == "/x/b/"
    assert site.pages["a/c.md"].url == "/introduction/c/"
    assert site.pages["a/d.html"].url == "/json/d.json"
    assert site.pages["a/d.html"].destination == "/json/d.json"
    assert site.pages["a/e.md"].destination == "/e.html"
    # both trailing-slash variants reach a page written as e.html
    assert site.resolve("/e/", "a/b.md").page is site.pages["a/e.md"]
    assert site.resolve("/e", "a/b.md").page is site.pages["a/e.md"]


def test_collections_output_and_patterns(tmp_path: Path) -> None:
    config = (
        "permalink: pretty\n"
        "collections:\n"
        "  caps:\n    output: true\n"
        "  hidden:\n    output: false\n"
        "  posts2:\n    output: true\n    permalink: /p/:year/:month/:title:output_ext\n"
        "  named:\n    output: true\n    permalink: /n/:collection/:name/:slug/\n"
    )
    site = make_site(
        tmp_path,
        {
            "_config.yml": config,
            "_caps/sub/Forecasting.md": FM,
            "_caps/logos/x.svg": "<svg/>",
            "_hidden/a.md": FM,
            "_hidden/img.png": b"\x89PNG",
            "_posts2/2021-03-04-Hello World.md": FM,
            "_named/My File.md": fm(slug="Custom Slug"),
        },
    )
    assert site.pages["_caps/sub/Forecasting.md"].url == "/caps/sub/Forecasting/"
    assert site.pages["_caps/sub/Forecasting.md"].collection == "caps"
    assert site.static_files["/caps/logos/x.svg"] == "_caps/logos/x.svg"
    assert site.resolve("/caps/logos/x.svg", "_caps/sub/Forecasting.md").kind == "static"
    hidden = site.pages["_hidden/a.md"]
    assert hidden.output is False
    assert site.resolve(hidden.url, "_caps/sub/Forecasting.md").kind == "missing"
    assert "/hidden/img.png" not in site.static_files
    assert site.pages["_posts2/2021-03-04-Hello World.md"].url == "/p/2021/03/Hello-World.html"
    assert site.pages["_named/My File.md"].url == "/n/named/my-file/custom-slug/"


def test_unknown_placeholder_is_a_problem(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "_config.yml": "collections:\n  c:\n    output: true\n",
            "_c/a.md": fm(permalink="/:nope/"),
        },
    )
    assert any("unknown placeholder :nope" in p[2] for p in site.problems)


def test_defaults_merge_and_precedence(tmp_path: Path) -> None:
    config = (
        "collections:\n  caps:\n    output: true\n"
        "defaults:\n"
        "  - scope: {path: ''}\n    values: {layout: base, identifier: any}\n"
        "  - scope: {path: '', type: caps}\n    values: {identifier: framework}\n"
        "  - scope: {path: 'docs'}\n    values: {permalink: /docs-default/}\n"
    )
    site = make_site(
        tmp_path,
        {
            "_config.yml": config,
            "_caps/a.md": fm(title="A"),
            "docs/b.md": FM,
            "c.md": fm(layout="own"),
        },
    )
    assert site.pages["_caps/a.md"].data == {
        "layout": "base",
        "identifier": "framework",
        "title": "A",
    }
    assert site.pages["c.md"].data["layout"] == "own"
    assert site.pages["docs/b.md"].url == "/docs-default/"


def test_underscore_dot_include_exclude(tmp_path: Path) -> None:
    config = "include:\n  - _pages/\n  - .well-known\nexclude:\n  - drafts/\n  - '*.log'\n"
    site = make_site(
        tmp_path,
        {
            "_config.yml": config,
            "_pages/x.md": fm(permalink="/x/"),
            "_includes/i.html": "<p>",
            "_data/d.yml": "a: 1",
            ".hidden/h.md": FM,
            ".well-known/security.txt": "x",
            "drafts/d.md": FM,
            "build.log": "x",
            "node_modules/m/index.md": FM,
            "Gemfile": "x",
            "notes.md~": FM,
            "plain.md": "no front matter",
        },
    )
    assert "_pages/x.md" in site.pages
    assert site.resolve("/x/", "_pages/x.md").kind == "page"
    assert not any(
        p.startswith(("_includes", "_data", ".hidden", "drafts", "node_modules"))
        for p in [*site.pages, *site.static_files.values()]
    )
    assert "/.well-known/security.txt" in site.static_files
    assert "/build.log" not in site.static_files and "/Gemfile" not in site.static_files
    assert "/plain.md" in site.static_files  # no front matter: copied as is
    assert "plain.md" not in site.pages


def test_published_false_and_duplicates(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "_config.yml": "",
            "a.md": fm(permalink="/same/"),
            "b.md": fm(permalink="/same/"),
            "c.md": fm(permalink="/c/", published="false"),
        },
    )
    assert [p.path for p in site.pages_by_url["/same/"]] == ["a.md", "b.md"]
    assert site.pages["c.md"].output is False
    assert site.resolve("/c/", "a.md").kind == "missing"


# ------------------------------------------------------------------ resolve


@pytest.fixture()
def small(tmp_path: Path) -> Site:
    return make_site(
        tmp_path,
        {
            "_config.yml": "url: https://www.example.org\npermalink: pretty\n"
            "collections:\n  caps:\n    output: true\n",
            "_caps/forecasting.md": fm(permalink="/framework/capabilities/forecasting/"),
            "_caps/img/chart.png": b"\x89PNG",
            "docs/guide.md": FM,
            "docs/index.html": FM,
            "img/a b.png": b"\x89PNG",
            "img/logo.svg": "<svg/>",
        },
    )


def test_resolve_variants(small: Site) -> None:
    src = "docs/guide.md"
    page = small.pages["_caps/forecasting.md"]
    for target in [
        "/framework/capabilities/forecasting/",
        "/framework/capabilities/forecasting",
        "/framework/capabilities/forecasting/index.html",
        "/framework//capabilities/forecasting/",
        "/framework/x/../capabilities/forecasting/?a=1#Heading%20One",
        "https://www.example.org/framework/capabilities/forecasting/",
        "http://example.org/framework/capabilities/forecasting/",
        "//www.example.org/framework/capabilities/forecasting/",
        "{{ site.baseurl }}/framework/capabilities/forecasting/",
        "{{ site.url }}{{ site.baseurl }}/framework/capabilities/forecasting/",
        "{{ '/framework/capabilities/forecasting/' | relative_url }}",
        "{% link _caps/forecasting.md %}",
    ]:
        result = small.resolve(target, src)
        assert result.kind == "page", target
        assert result.page is page, target
    assert (
        small.resolve("/framework/x/../capabilities/forecasting/#Heading%20One", src).fragment
        == "Heading One"
    )
    assert small.resolve("/img/a%20b.png", src).static_path == "img/a b.png"
    assert small.resolve("/img/logo.svg?v=2", src).kind == "static"
    assert small.resolve("/caps/img/chart.png", src).kind == "static"


def test_resolve_relative_against_output_url_and_source(small: Site) -> None:
    # docs/guide.md is served at /docs/guide/: "../img/logo.svg" from there is /docs/img/...
    wrong = small.resolve("../img/logo.svg", "docs/guide.md")
    assert (wrong.kind, wrong.via_source_path, wrong.url) == ("missing", True, "/img/logo.svg")
    assert small.resolve("../../img/logo.svg", "docs/guide.md").kind == "static"
    assert small.resolve("../", "docs/guide.md").page is small.pages["docs/index.html"]
    # file-relative link to a source file: only jekyll-relative-links (not on this
    # site) would rewrite it; the browser asks for /docs/_caps/forecasting.md
    by_source = small.resolve("../_caps/forecasting.md#x", "docs/guide.md")
    assert by_source.kind == "missing" and by_source.via_source_path
    assert by_source.url == "/framework/capabilities/forecasting/"
    assert by_source.reason is not None
    assert "jekyll-relative-links does not run on this site" in by_source.reason
    assert by_source.fragment == "x"
    assert small.resolve("#top", "docs/guide.md").page is small.pages["docs/guide.md"]


def test_resolve_skip_external_missing(small: Site) -> None:
    for target in [
        "mailto:a@b.org",
        "tel:123",
        "javascript:void(0)",
        "data:image/png;base64,x",
        "{{ page.image }}",
        "{% include x.html %}",
        "&#109;&#97;&#105;&#108;&#116;&#111;&#58;a@b.org",
    ]:
        assert small.resolve(target, "docs/guide.md").kind == "skip", target
    assert small.resolve("https://other.org/x", "docs/guide.md").kind == "external"
    missing = small.resolve("https://www.example.org/nope/", "docs/guide.md")
    assert missing.kind == "missing" and missing.url == "/nope/"
    assert small.is_site_host("https://EXAMPLE.org/x")
    assert not small.is_site_host("https://example.com/")


def test_baseurl(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {"_config.yml": "baseurl: /docs\nurl: https://ex.org\npermalink: pretty\n", "a.md": FM},
    )
    assert site.pages["a.md"].url == "/a/"
    assert site.resolve("/docs/a/", "a.md").kind == "page"
    assert site.resolve("{{ site.baseurl }}/a/", "a.md").kind == "page"
    assert site.resolve("https://ex.org/docs/a/", "a.md").kind == "page"
    assert site.resolve("/a/", "a.md").kind == "missing"  # outside the baseurl


# ------------------------------------------------------------------ redirects

REDIRECTS = """\
# comment
https://old.example.org/* https://www.example.org/:splat 301!
/old/ /new/
/news/* /blog/:splat 302
/posts/:year/:slug /blog/:slug
/forced/ /new/ 301!
/exists/ /new/
/gone/ /404/ 404
/ext/ https://elsewhere.org/x
/rewrite/* /new/ 200
/loop-a/ /loop-b/
/loop-b/ /loop-a/
/q id=:id /blog/:id
/country/ /new/ 302 Country=us
this-is-bad
/x /y 3000
/a*b /c
"""


@pytest.fixture()
def redirected(tmp_path: Path) -> Site:
    return make_site(
        tmp_path,
        {
            "_config.yml": "url: https://www.example.org\npermalink: pretty\n"
            "include: [_redirects]\nplugins: [jekyll-redirect-from]\n",
            "_redirects": REDIRECTS,
            "netlify.toml": '[[redirects]]\n  from = "/toml/"\n  to = "/new/"\n  force = true\n'
            '[[redirects]]\n  from = "/*"\n  to = "/404/"\n  status = 404\n',
            "new.md": FM,
            "exists.md": FM,
            "forced.md": FM,
            "404.md": fm(permalink="/404/"),
            "blog/one.md": FM,
            "blog/2020/x.md": FM,
            "moved.md": fm(redirect_from="[/older/, /oldest]"),
            "away.md": fm(redirect_to="https://elsewhere.org/"),
        },
    )


def test_redirect_rules(redirected: Site) -> None:
    r = redirected.resolve("/old/", "new.md")
    assert (r.kind, r.url, r.redirect_chain, r.status) == ("redirect", "/new/", ["/old/"], 301)
    assert redirected.resolve("/old", "new.md").kind == "redirect"  # trailing slash normalised
    r = redirected.resolve("/news/2020/x/", "new.md")
    assert (r.kind, r.url, r.status) == ("redirect", "/blog/2020/x/", 302)
    assert redirected.resolve("/posts/2021/one/", "new.md").url == "/blog/one/"
    assert redirected.resolve("/forced/", "new.md").kind == "redirect"  # force beats the file
    assert redirected.resolve("/exists/", "new.md").kind == "page"  # file shadows the rule
    gone = redirected.resolve("/gone/", "new.md")
    assert gone.kind == "missing" and "404" in (gone.reason or "")
    ext = redirected.resolve("/ext/", "new.md")
    assert (ext.kind, ext.final_url) == ("external-redirect", "https://elsewhere.org/x")
    rewrite = redirected.resolve("/rewrite/anything", "new.md")
    assert rewrite.kind == "page" and rewrite.redirect_chain == []
    assert redirected.resolve("/loop-a/", "new.md").kind == "missing"
    assert redirected.resolve("/q?id=one", "new.md").url == "/blog/one/"
    assert redirected.resolve("/country/", "new.md").kind == "missing"  # conditions not applied
    assert redirected.resolve("/toml/", "new.md").kind == "redirect"


def test_catch_all_404_does_not_make_everything_resolve(redirected: Site) -> None:
    assert redirected.resolve("/no/such/page/", "new.md").kind == "missing"
    assert redirected.resolve("/404/", "new.md").kind == "page"


def test_host_alias_from_full_url_rule(redirected: Site) -> None:
    assert "https://old.example.org" in redirected.hosts
    assert redirected.is_site_host("https://old.example.org/new/")
    r = redirected.resolve("https://old.example.org/new/", "new.md")
    assert (r.kind, r.url, r.status) == ("redirect", "/new/", 301)
    assert r.redirect_chain == ["https://old.example.org/new/"]
    assert redirected.resolve("https://old.example.org/nothing/", "new.md").kind == "missing"


def test_redirect_from_and_redirect_to(redirected: Site) -> None:
    r = redirected.resolve("/older/", "new.md")
    assert (r.kind, r.url) == ("redirect", "/moved/")
    assert redirected.resolve("/oldest", "new.md").url == "/moved/"
    away = redirected.resolve("/away/", "new.md")
    assert (away.kind, away.final_url) == ("external-redirect", "https://elsewhere.org/")


@pytest.mark.parametrize(
    ("files", "runs"),
    [
        ({"netlify.toml": ""}, False),  # not in plugins: nor in a Gemfile
        ({"netlify.toml": "", "Gemfile": "gem 'jekyll-redirect-from'\n"}, True),
        ({"_config.yml": "plugins: [jekyll-redirect-from]\n"}, True),
        ({"CNAME": "example.org\n"}, False),  # not one of GitHub Pages' defaults
        # GitHub Pages builds with its own gems: only `plugins:` turns it on
        ({"CNAME": "example.org\n", "Gemfile": "gem 'jekyll-redirect-from'\n"}, False),
        ({"CNAME": "example.org\n", "_config.yml": "plugins: [jekyll-redirect-from]\n"}, True),
    ],
)
def test_redirect_from_needs_the_plugin(tmp_path: Path, files: dict[str, str], runs: bool) -> None:
    """Without jekyll-redirect-from, `redirect_from` and `redirect_to` are plain front
    matter: the old URL is not served and the page is a page (tests/oracle: a site
    built without the plugin)."""
    site = make_site(
        tmp_path,
        {
            "moved.md": fm(redirect_from="/older/"),
            "away.md": fm(redirect_to="https://elsewhere.org/"),
            **files,
        },
    )
    older = site.resolve("/older/", "moved.md")
    away = site.resolve("/away.html", "moved.md")
    if runs:
        assert (older.kind, older.url) == ("redirect", "/moved.html")
        assert away.kind == "external-redirect"
    else:
        assert older.kind == "missing"
        assert away.kind == "page"


def test_malformed_redirects_are_problems(redirected: Site) -> None:
    lines = {(p[0], p[1]) for p in redirected.problems}
    assert ("_redirects", 15) in lines  # "this-is-bad"
    assert ("_redirects", 16) in lines  # status 3000 is not a status token
    assert ("_redirects", 17) in lines  # '*' in the middle


def test_redirect_parsers_never_raise() -> None:
    rules, problems = parse_redirects_file("/a /b 301!\n/c\n\n/d /e 302 # trailing comment\n")
    assert [(r.from_path, r.to, r.status, r.force) for r in rules] == [
        ("/a", "/b", 301, True),
        ("/d", "/e", 302, False),
    ]
    assert problems and problems[0][1] == 2
    rules, problems = parse_netlify_toml("[[redirects]\nfrom=")
    assert rules == [] and problems and problems[0][0] == "netlify.toml"


def test_a_placeholder_named_twice_matches_with_the_first_value() -> None:
    """`/a/:id/:id` (or `:splat` before a `*`) is no pattern `re` compiles as written:
    it used to stop the run with an internal error."""
    rules, problems = parse_redirects_file("/a/:id/:id /b/:id 301\n/c/:splat/* /d/:splat 301\n")
    assert problems == []
    assert rules[0].match("/a/1/2") == "/b/1"
    assert rules[0].match("/a/1") is None
    assert rules[1].match("/c/q/r/s") == "/d/r/s"


NETLIFY_TOML_CONSTRUCTS = """\
[build]
  publish = "_site"

[[redirects]]
  from = "/old/*"
  to = "/new/:splat"
  force = false # not forced

[[redirects]]
  "from" = "/quoted-key"
  to = "/quoted-target/"

[[redirects]]
  from = "/docs"
  to = "/docs/search/"
  query = {q = ":q"}

[[redirects]]
  from = "/by-country"
  to = "/us/"
  conditions = {Country = [
    "US",
    "CA",
  ]}

[[redirects]]
  from = "/with-headers"
  to = "/escaped-\\u0041/"
  status = 302
  [redirects.headers]
    X-From = "Netlify"
"""


def test_netlify_toml_is_read_as_toml() -> None:
    """Comments after values, quoted keys, inline tables, multi-line arrays, sub-tables
    and escapes: what a hand-written line reader gets wrong (it rejected this file)."""
    rules, problems = parse_netlify_toml(NETLIFY_TOML_CONSTRUCTS)
    assert problems == []
    assert [
        (r.line, r.from_path, r.to, r.status, r.force, r.query, r.conditional) for r in rules
    ] == [
        (4, "/old/*", "/new/:splat", 301, False, {}, False),
        (9, "/quoted-key", "/quoted-target/", 301, False, {}, False),
        (13, "/docs", "/docs/search/", 301, False, {"q": ":q"}, False),
        (18, "/by-country", "/us/", 301, False, {}, True),
        (26, "/with-headers", "/escaped-A/", 302, False, {}, False),
    ]


def test_invalid_config_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"_config.yml": "permalink: [\ncollections: 3\n", "a.md": FM})
    assert site.problems and site.problems[0][0] == "_config.yml"
    assert "a.md" in site.pages
    site2 = make_site(tmp_path / "two", {"_config.yml": "collections: 3\nexclude: 5\n"})
    messages = [p[2] for p in site2.problems]
    assert any("collections" in m for m in messages) and any("exclude" in m for m in messages)


def test_bad_front_matter_and_binary_files_do_not_raise(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "_config.yml": "permalink: pretty\n",
            "bad.md": "---\npermalink: [\n---\n",
            "bom.md": "\ufeff---\npermalink: /bom/\n---\n",
            "bin.md": b"---\n\x00\xff\n---\n",
            "alias.md": "---\na: &x [1]\nb: *x\npermalink: /alias/\n---\n",
        },
    )
    assert site.pages["bad.md"].url == "/bad/"  # Jekyll ignores invalid front matter
    assert site.pages["bom.md"].url == "/bom/"
    assert site.pages["alias.md"].url == "/alias/"
    assert site.pages["alias.md"].data["b"] == [1]
    assert "bin.md" in site.pages


def test_helpers() -> None:
    assert sanitize_url("a//b/../c") == "/a/b/c"
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("Hello World.v2", mode="pretty", cased=True) == "Hello-World.v2"
    page = SitePage("a.md", "/a/", None, {"x": 1}, True)
    assert page.data == {"x": 1}
    assert Resolution("page").ok and not Resolution("missing").ok


# ------------------------------------------------------------------ corpus


def _corpus() -> Path | None:
    base = corpus_dir()
    return base / "finops-framework" if base is not None else None


@pytest.fixture(scope="module")
def corpus() -> Site:
    root = _corpus()
    if root is None:
        if os.environ.get("FINOPS_LINT_REQUIRE_CORPUS") == "1":
            pytest.fail(
                "FINOPS_LINT_REQUIRE_CORPUS=1 but the FinOps corpus was not found "
                "(set FINOPS_LINT_CORPUS or put it at ../shared/corpus/finops-framework)"
            )
        pytest.skip(
            "FinOps framework corpus not found: set FINOPS_LINT_CORPUS or place it at "
            "../shared/corpus/finops-framework relative to the project"
        )
    return Site.build(root, extra_hosts=("https://www.finops.org", "https://finops.org"))


#: Every internal link and image of the corpus that reaches nothing on the deployed site,
#: checked by hand: (page, target).
CORPUS_BROKEN = [
    # a file never committed to the repository
    ("_pages/introduction/what-is-finops.md", "/img/resources/Intro-to-FinOps-1-0.pptx"),
    # v0.1 framework archive and old capability / domain names: gone, no redirect
    (
        "_resources/project--accurate-cloud-forecasts.md",
        "/framework/archive/v0.1/capabilities/tagging-labeling/",
    ),
    (
        "_resources/project--accurate-cloud-forecasts.md",
        "/framework/archive/v0.1/domains/allocate/",
    ),
    ("_resources/project--accurate-cloud-forecasts.md", "/framework/capabilities/learning/"),
    ("_resources/project--accurate-cloud-forecasts.md", "/framework/archive/v0.1/kpis/"),
    (
        "_resources/project--accurate-cloud-forecasts.md",
        "/framework/archive/v0.1/domains/organizational-alignment/",
    ),
    ("_resources/project--engineers-action.md", "/framework/capabilities/tagging-labeling/"),
    ("_resources/project--engineers-action.md", "/framework/domains/allocate/"),
    ("_resources/project--engineers-action.md", "/framework/abilities/unit-economics/"),
    ("_resources/project--engineers-action.md", "/framework/capabilities/automation/"),
    ("_resources/project--engineers-action.md", "/framework/capabilities/autoscaling/"),
    ("_resources/project--shared-costs.md", "/framework/capabilities/tagging-labeling/"),
    ("_resources/project--shared-costs.md", "/framework/domains/allocate/"),
    ("_resources/project--shared-costs.md", "/framework/domains/forecast"),
    ("_resources/project--shared-costs.md", "/framework/domains/rate-optimization"),
    ("_resources/project--shared-costs.md", "/framework/domains/report"),
    # typo: the image is /img/reducing-waste/bigquery-2.png
    ("_resources/story--bigquery-commitments.md", "/img/reducing-waste-bigquery-2.png"),
    # a file never committed to the repository
    ("_tools-services/deloitte.md", "/tools-services/assets/deloitte/Deloitte-CFM.pptx"),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("page", "target"), CORPUS_BROKEN)
def test_corpus_broken_links(corpus: Site, page: str, target: str) -> None:
    assert page in corpus.pages
    assert corpus.resolve(target, page).kind == "missing"


#: Links that look broken but work on the deployed site: (page, target, kind, final url).
CORPUS_WORKING = [
    # trailing-slash variants of pretty URLs
    ("_pages/about/ambassadors.md", "/ambassadors/apply", "page", "/ambassadors/apply/"),
    ("_pages/framework/personas.md", "/framework/capabilities", "page", "/framework/capabilities/"),
    # permalink without trailing slash (written as forecasting.html), linked both ways
    (
        "_pages/framework/phases.md",
        "/framework/capabilities/forecasting/",
        "page",
        "/framework/capabilities/forecasting",
    ),
    # "//" in a permalink: Jekyll squeezes it
    (
        "_pages/framework/phases.md",
        "/introduction/what-is-finops/",
        "page",
        "/introduction/what-is-finops/",
    ),
    # pages defined in .html files
    (
        "_pages/members/vendor-certification.md",
        "/members/finops-certified-platform/",
        "page",
        "/members/finops-certified-platform/",
    ),
    ("_pages/search.html", "/resources/", "page", "/resources/"),
    # collection assets of output collections
    (
        "_pages/membership/enterprise.html",
        "/tools-services/logos/aia.svg",
        "static",
        "/tools-services/logos/aia.svg",
    ),
    (
        "_tools-services/deloitte.md",
        "/tools-services/assets/deloitte/presentation.png?2",
        "static",
        "/tools-services/assets/deloitte/presentation.png",
    ),
    # query strings (cache busting), '//' and '%20', a leading '/..'
    (
        "_pages/framework/phases.md",
        "/img/framework/phases.svg?5",
        "static",
        "/img/framework/phases.svg",
    ),
    (
        "_pages/framework/whats-new.md",
        "https://www.finops.org/img//resources/FinOps%20Poster_310821.pdf",
        "static",
        "/img/resources/FinOps Poster_310821.pdf",
    ),
    (
        "_resources/story--unit-economics-government-pov.md",
        "/../img/stories/unit-economics-government-unit-metrics.png",
        "static",
        "/img/stories/unit-economics-government-unit-metrics.png",
    ),
    # site host without www, over http
    (
        "_resources/project--container-cost-allocation.md",
        "http://finops.org/membership/",
        "page",
        "/membership/",
    ),
    # pages that exist only as JSON output of .html sources
    ("_pages/framework/phases.md", "/json/capabilities.json", "page", "/json/capabilities.json"),
    # redirects in _redirects and netlify.toml
    ("_pages/projects/overview.md", "/resources/stories/", "redirect", "/resources/"),
    (
        "_pages/introduction/how-to-use.md",
        "https://www.finops.org/",
        "redirect",
        "/introduction/what-is-finops/",
    ),
    ("_pages/framework/phases.md", "/framework/lifecycle/", "redirect", "/framework/phases/"),
    (
        "_pages/framework/phases.md",
        "/framework/functions/forecasting/",
        "redirect",
        "/framework/capabilities/forecasting",
    ),
    (
        "_pages/framework/phases.md",
        "https://framework.finops.org/framework/phases/",
        "redirect",
        "/framework/phases/",
    ),
    (
        "_resources/project--engineers-action.md",
        "https://www.finops.org/certification/",
        "external-redirect",
        "https://learn.finops.org/",
    ),
    # obfuscated mailto in HTML entities
    (
        "_pages/introduction/how-to-use.md",
        "&#109;&#97;&#105;&#108;&#116;&#111;&#58;&#104;&#101;&#108;&#108;&#111;&#64;&#102;&#105;"
        "&#110;&#111;&#112;&#115;&#46;&#111;&#114;&#103;",
        "skip",
        None,
    ),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("page", "target", "kind", "final"), CORPUS_WORKING)
def test_corpus_working_links(
    corpus: Site, page: str, target: str, kind: str, final: str | None
) -> None:
    result = corpus.resolve(target, page)
    assert (result.kind, result.final_url) == (kind, final)


@pytest.mark.corpus
def test_corpus_shape(corpus: Site) -> None:
    assert corpus.problems == []
    assert set(corpus.hosts) == {
        "https://www.finops.org",
        "https://finops.org",
        "https://framework.finops.org",
    }
    shared = corpus.pages_by_url["/resources/not-here/"]
    assert len(shared) == 85 and all(p.collection == "resources" for p in shared)
    assert {u: len(p) for u, p in corpus.pages_by_url.items() if len(p) > 1} == {
        "/resources/not-here/": 85
    }
    assert corpus.pages["_capabilities/forecasting.md"].data["identifier"] == "framework"
    assert corpus.pages["_pages/about/index.md"].url == "/about/"
    assert "drafts/internship-guide.md" not in corpus.pages  # no front matter: static
    assert "/drafts/internship-guide.md" in corpus.static_files
    assert not any(p.startswith(("_templates/", "_includes/", "_data/")) for p in corpus.pages)
    # a catch-all 404 rule does not make unknown URLs work
    assert corpus.resolve("/no/such/page/", "_pages/framework/phases.md").kind == "missing"


@pytest.mark.corpus
def test_corpus_every_link_resolves_or_is_known_broken(corpus: Site) -> None:
    """Rough link extraction over the whole corpus: the only misses are CORPUS_BROKEN."""
    import re

    link = re.compile(
        r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|"
        r"(?:src|href)\s*=\s*[\"']([^\"']*)[\"']"
    )
    missing = set()
    for page in corpus.pages.values():
        text = (corpus.root / page.path).read_text(encoding="utf-8", errors="replace")
        for m in link.finditer(text):
            target = m.group(1) or m.group(2)
            if corpus.resolve(target, page.path).kind == "missing":
                missing.add((page.path, target))
    assert missing == set(CORPUS_BROKEN)


@pytest.mark.corpus
def test_corpus_build_is_fast(corpus: Site) -> None:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        Site.build(corpus.root, extra_hosts=("https://www.finops.org",))
        times.append(time.perf_counter() - start)
    assert sorted(times)[2] < 0.5  # generous for slow CI machines; ~40 ms locally


_REDIRECT_TOKENS = st.sampled_from(
    [
        "/a", "/:x", "/:x/:x", "/*", "/a/*", "*", ":splat", "/:splat", "/b/:splat", "/:splat/*",
        "/a/:x*", "/:_", "/::", "/:1", "/(a)", "/[a]", "/%zz", "/é", "/a?b=c", "foo=:bar",
        "301", "302!", "200", "404", "999", "https://x.org/:x", "//x", "Country=us", "#c", "!",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.lists(_REDIRECT_TOKENS, max_size=5).map(" ".join), max_size=4).map("\n".join),
    st.sampled_from(["/a", "/a/", "/x/y", "/", "/a/b/c", "/é", "/%20"]),
)
def test_any_redirects_file_parses_and_matches_without_raising(text: str, path: str) -> None:
    """Whatever `_redirects` holds, its rules are made and tried on a path without an
    exception: a placeholder named twice once made a pattern `re` refuses."""
    rules, _problems = parse_redirects_file(text)
    for rule in rules:
        rule.match(path)
        rule.match(path, {"foo": "1"})
