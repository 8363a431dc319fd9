"""FM006 against the real Jekyll: what a listing sink builds to, and why the advice
is `sitemap: false` and never `published: false`."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from finops_lint.engine import RunOptions, run
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


STATIC_FILES = {"s0.txt": "/s0.txt", "sub/s1.txt": "/sub/s1.txt", "q.html": "/q.html"}
URL_POOL = [*STATIC_FILES.values(), "/p/", "/r.html"]


@pytest.mark.parametrize("seed", range(1, 9))
def test_page_and_static_file_at_one_url_match_jekyll(tmp_path: Path, seed: int) -> None:
    """Pages and documents with permalinks drawn from the static files' URLs: what
    the built file holds says which one Jekyll wrote last (static files after pages,
    documents after static files), and FM006 must say the same of each page."""
    rng = random.Random(seed)
    files = {"_config.yml": "collections:\n  things:\n    output: true\n"}
    for rel in STATIC_FILES:
        files[rel] = f"static file {rel}\n"
    pages = {f"p{n}.md": rng.choice(URL_POOL) for n in range(rng.randint(1, 3))}
    pages |= {f"_things/t{n}.md": rng.choice(URL_POOL) for n in range(rng.randint(1, 3))}
    for rel, url in pages.items():
        files[rel] = f"---\ntitle: {rel}\npermalink: {url}\n---\n\npage {rel}\n"
    src = write_site(tmp_path / "src", files)
    out = build(src, tmp_path / "out")
    expected: set[tuple[str, str]] = set()
    by_url = {url: rel for rel, url in STATIC_FILES.items()}
    for rel, url in pages.items():
        static = by_url.get(url)
        if static is None:
            continue
        built = (out / url.lstrip("/")).read_text(encoding="utf-8")
        if built == f"static file {static}\n":
            expected.add((rel, "lost"))
        elif f"page {rel}" in built:
            expected.add((rel, "wins"))
    result = run(RunOptions(paths=[src], root=src, select=["FM006"], cache=False))
    found = {
        (
            os.path.relpath(Path.cwd() / f.path, src).replace(os.sep, "/"),
            "lost" if f.message.startswith("this page is not on the site") else "wins",
        )
        for f in result.findings
        if "static file" in f.message
    }
    assert found == expected, f"seed {seed}: {pages}"
