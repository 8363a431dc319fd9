"""FM006's `redirect_from` clashes against the real Jekyll and jekyll-redirect-from.

Each seed writes a small site: pages with distinct permalinks, collection
documents, static files, and `redirect_from` entries (a string or a list) drawn
from a pool of URLs that holds those pages', documents' and files' URLs, the
claiming page's own, fresh ones, and two spellings of one file (`/o2` and
`/o2.html`). One Jekyll build says, for every claim, what is served at its URL:

- a redirect to the claiming page: the claim took effect, and every page that
  was published there is gone (the page's own URL: a redirect to itself);
- anything else: the claim never took effect.

finops-lint's FM006 findings must be exactly those: "never takes effect" on every
dead claim, "writes a redirect over" (or "own URL") on every claim that replaced
a page, and "not on the site" on every other page replaced. More seeds:
FINOPS_LINT_REDIRECT_SEEDS=1-60.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from finops_lint.engine import RunOptions, run
from tests.oracle.jekyll import build, write_site

CONFIG = (
    "plugins: [jekyll-redirect-from]\n"
    "collections:\n  things:\n    output: true\n    permalink: /things/:name/\n"
)
PAGE_URLS = ["/a/", "/b.html", "/sub/c/", "/d", "/e.php", "/f/g/"]
FRESH_URLS = ["/old/", "/old2/", "/o.html", "/o2", "/o2.html", "/things/t0", "old3"]
STATICS = {"s0.txt": "/s0.txt", "sub/s1.txt": "/sub/s1.txt"}
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)"')
CLAIM_LINE = re.compile(r"^(?:redirect_from:|\s*-)\s*(\S+)\s*$")


def _seeds() -> list[int]:
    spec = os.environ.get("FINOPS_LINT_REDIRECT_SEEDS", "1-8")
    first, _, last = spec.partition("-")
    return list(range(int(first), int(last or first) + 1))


def _dest(url: str) -> str:
    """The file jekyll-redirect-from's page (or a page with that permalink) is written
    to: a folder's index.html, a URL with an extension as it is, else URL.html."""
    url = "/" + url.lstrip("/")
    if url.endswith("/"):
        return url + "index.html"
    return url if os.path.splitext(url)[1] else url + ".html"


def _site(rng: random.Random) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """(files, {source path: URL} of pages and documents, [(claimer, URL as written)])."""
    files = {"_config.yml": CONFIG}
    urls: dict[str, str] = {}
    for n, url in enumerate(rng.sample(PAGE_URLS, rng.randint(2, 5))):
        urls[f"{'sub/' if n % 2 else ''}p{n}.md"] = url
    for n in range(rng.randint(1, 2)):
        urls[f"_things/t{n}.md"] = f"/things/t{n}/"
    for rel in STATICS:
        files[rel] = f"static {rel}\n"
    pool = [*urls.values(), *STATICS.values(), *FRESH_URLS]
    claims: list[tuple[str, str]] = []
    for rel, url in urls.items():
        lines = ["---", f"title: {rel}"]
        if not rel.startswith("_things/"):
            lines.append(f"permalink: {url}")
        if rng.random() < 0.7:
            chosen: list[str] = []
            for candidate in rng.sample(pool, rng.randint(1, 3)):
                if all(_dest(candidate) != _dest(c) for c in chosen):
                    chosen.append(candidate)
            if len(chosen) == 1 and rng.random() < 0.5:
                lines.append(f"redirect_from: {chosen[0]}")
            else:
                lines += ["redirect_from:", *(f"  - {c}" for c in chosen)]
            claims += [(rel, c) for c in chosen]
        lines += ["---", "", f"# Page {rel}", "", f"marker {rel}", ""]
        files[rel] = "\n".join(lines)
    return files, urls, claims


def _served(out: Path, url: str) -> str | None:
    """What the built site has at a URL: 'redirect:TARGET', the page's text, or None."""
    path = out / _dest(url).lstrip("/")
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    m = CANONICAL.search(text)
    if m is not None and "Redirecting" in text:
        return "redirect:" + m.group(1)
    return text


def _expected(out: Path, urls: dict[str, str], claims: list[tuple[str, str]]) -> set[tuple]:
    found: set[tuple] = set()
    for claimer, written in claims:
        served = _served(out, written)
        if served != "redirect:" + urls[claimer]:
            found.add(("dead", claimer, written))
            continue
        for rel, url in urls.items():
            if rel.startswith("_things/") or _dest(url) != _dest(written):
                continue
            found.add(("replaces", claimer, written))
            if rel != claimer:
                found.add(("replaced", rel, None))
    return found


def _found(src: Path) -> set[tuple]:
    result = run(RunOptions(paths=[src], root=src, select=["FM006"], cache=False))
    out: set[tuple] = set()
    for f in result.findings:
        rel = os.path.relpath(Path.cwd() / f.path, src).replace(os.sep, "/")
        if "not on the site:" in f.message and f.message.startswith("this page"):
            out.add(("replaced", rel, None))
            continue
        line = (src / rel).read_text(encoding="utf-8").splitlines()[f.line - 1]
        m = CLAIM_LINE.match(line)
        assert m is not None, f"{f} is not on a redirect_from item: {line!r}"
        kind = "dead" if "never takes effect" in f.message else "replaces"
        out.add((kind, rel, m.group(1)))
    return out


@pytest.mark.parametrize("seed", _seeds())
def test_redirect_from_clashes_match_jekyll(tmp_path: Path, seed: int) -> None:
    files, urls, claims = _site(random.Random(seed))
    src = write_site(tmp_path / "src", files)
    out = build(src, tmp_path / "out")
    expected = _expected(out, urls, claims)
    assert _found(src) == expected, f"seed {seed}: claims {claims}"


def test_the_seeds_reach_every_kind_of_clash(tmp_path: Path) -> None:
    """The generator makes each outcome the test compares (no build: the model's
    own findings), so a seed range cannot pass by having none."""
    kinds: set[str] = set()
    for seed in _seeds():
        files, _urls, _claims = _site(random.Random(seed))
        src = write_site(tmp_path / f"s{seed}", files)
        kinds |= {kind for kind, _rel, _w in _found(src)}
    assert kinds == {"dead", "replaces", "replaced"}
