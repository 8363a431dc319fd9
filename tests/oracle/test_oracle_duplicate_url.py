"""FM006 against the real Jekyll: what a listing sink builds to, and why the advice
is `sitemap: false` and never `published: false`."""

from __future__ import annotations

from pathlib import Path

from tests.oracle.jekyll import build, write_site

CONFIG = (
    "markdown: kramdown\nplugins: [jekyll-sitemap]\nurl: https://example.org\n"
    "collections:\n  resources:\n    output: true\n"
)
SINK = (
    "---\ntitle: {t}\nlink: https://example.org/{t}\nlisting: true\n"
    "permalink: /not-here/\n{extra}---\n"
)
LISTING = (
    "---\ntitle: All\npermalink: /all/\n---\n"
    '{% for r in site.resources %}<a href="{{ r.link }}">{{ r.title }}</a>\n{% endfor %}'
)


def _site(tmp_path: Path, extra: str) -> Path:
    files = {"_config.yml": CONFIG, "all.html": LISTING}
    for name in ("alpha", "beta", "gamma"):
        files[f"_resources/{name}.md"] = SINK.format(t=name, extra=extra)
    return build(write_site(tmp_path / "src", files), tmp_path / "out")


def test_sink_builds_one_empty_file_listed_once_per_page_in_the_sitemap(tmp_path: Path) -> None:
    out = _site(tmp_path, "")
    assert (out / "not-here" / "index.html").read_text(encoding="utf-8").strip() == ""
    assert (out / "sitemap.xml").read_text(encoding="utf-8").count("/not-here/") == 3
    listing = (out / "all" / "index.html").read_text(encoding="utf-8")
    assert all(f"https://example.org/{n}" in listing for n in ("alpha", "beta", "gamma"))


def test_sitemap_false_drops_the_url_and_keeps_the_listing(tmp_path: Path) -> None:
    out = _site(tmp_path, "sitemap: false\n")
    assert "/not-here/" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    listing = (out / "all" / "index.html").read_text(encoding="utf-8")
    assert all(f"https://example.org/{n}" in listing for n in ("alpha", "beta", "gamma"))


def test_published_false_empties_the_listing(tmp_path: Path) -> None:
    out = _site(tmp_path, "published: false\n")
    listing = (out / "all" / "index.html").read_text(encoding="utf-8")
    assert "https://example.org/alpha" not in listing
