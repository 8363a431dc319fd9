"""Grow the FinOps framework site to any number of pages, for the big-site bench.

Every page of an output collection (``_capabilities``, ``_domains``,
``_resources``, ``_tools-services``: 235 of the 274 pages) is copied beside
itself as ``NAME-cK.md`` (K = 1, 2, ...), with its ``permalink`` and
``page-identifier`` suffixed the same way (``/framework/capabilities/forecasting``
-> ``/framework/capabilities/forecasting-c3``, ``capability_forecasting`` ->
``capability_forecasting_c3``), so every copy has its own URL and identifier while
its collection, layout, page type, front matter and links stay real: its links
still point at the original pages, which exist, and Liquid loops over a
collection see the copies as members. Copies are made round-robin over the
collection pages (copy 1 of every page, then copy 2, ...) until the site has the
requested number of Markdown pages; everything else (config, layouts, includes,
data, the other pages) is copied unchanged.

    python bench/grow_site.py --pages 10000 [--corpus PATH] [--out bench/.work/sites/fw-10000]

The output folder is rebuilt from scratch when it exists and was made by this
script (it holds ``.grown-site``); any other existing folder is refused.
Standard library only; Python >= 3.10.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARKER = ".grown-site"
COLLECTIONS = ("_capabilities", "_domains", "_resources", "_tools-services")

_FRONT = re.compile(r"\A(---[ \t]*\r?\n)(.*?\r?\n)(---[ \t]*\r?\n?)", re.S)
_PERMALINK = re.compile(r"^(permalink:[ \t]*)(['\"]?)(.+?)\2([ \t]*)$", re.M)
_IDENT = re.compile(r"^(page-identifier:[ \t]*)(['\"]?)(.+?)\2([ \t]*)$", re.M)


def default_corpus() -> Path:
    return ROOT.parent / "shared" / "corpus" / "finops-framework"


def suffix_permalink(url: str, k: int) -> str:
    """``/a/b`` -> ``/a/b-cK``; ``/a/b/`` -> ``/a/b-cK/``; ``/a/b.html`` -> ``/a/b-cK.html``."""
    trail = "/" if url.endswith("/") and len(url) > 1 else ""
    body = url[: -len(trail)] if trail else url
    head, _, last = body.rpartition("/")
    stem, dot, ext = last.rpartition(".")
    last = f"{stem}-c{k}.{ext}" if dot and stem and "/" not in ext else f"{last}-c{k}"
    return f"{head}/{last}{trail}" if head or body.startswith("/") else f"{last}{trail}"


def copy_text(text: str, k: int) -> str:
    """The page's text with its permalink and page-identifier suffixed for copy k."""
    m = _FRONT.match(text)
    if m is None:
        return text
    front = m.group(2)
    front = _PERMALINK.sub(
        lambda p: (
            f"{p.group(1)}{p.group(2)}{suffix_permalink(p.group(3), k)}{p.group(2)}{p.group(4)}"
        ),
        front,
        count=1,
    )
    front = _IDENT.sub(
        lambda p: f"{p.group(1)}{p.group(2)}{p.group(3)}_c{k}{p.group(2)}{p.group(4)}",
        front,
        count=1,
    )
    return m.group(1) + front + m.group(3) + text[m.end() :]


def grow(corpus: Path, out: Path, pages: int) -> dict[str, int]:
    """Write the grown site to out; returns counts (original, copies, total .md pages)."""
    if out.exists():
        if not (out / MARKER).is_file():
            raise SystemExit(f"grow_site: {out} exists and was not made by grow_site.py; refusing")
        shutil.rmtree(out)
    shutil.copytree(corpus, out, symlinks=True)
    for p in [out, *out.rglob("*")]:  # the corpus is read-only; the copy must be writable
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | 0o200)
    (out / MARKER).write_text(f"grown from {corpus} to {pages} pages\n", encoding="utf-8")
    original = sum(1 for p in out.rglob("*.md") if p.is_file())
    sources = sorted(
        p
        for c in COLLECTIONS
        for p in (out / c).rglob("*.md")
        if p.is_file() and p.name != "README.md"
    )
    if not sources and pages > original:
        raise SystemExit(f"grow_site: no collection pages under {corpus}")
    texts = {p: p.read_text(encoding="utf-8") for p in sources}
    need = max(0, pages - original)
    made = 0
    k = 0
    while made < need:
        k += 1
        for src in sources:
            if made >= need:
                break
            dst = src.with_name(f"{src.stem}-c{k}{src.suffix}")
            dst.write_text(copy_text(texts[src], k), encoding="utf-8")
            made += 1
    return {"original": original, "copies": made, "total": original + made}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, required=True, help="Markdown pages wanted (>= 274)")
    ap.add_argument("--corpus", default=str(default_corpus()), help="the framework site")
    ap.add_argument("--out", default=None, help="default bench/.work/sites/fw-PAGES")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus).resolve()
    if not (corpus / "_config.yml").is_file():
        print(f"grow_site: no _config.yml in {corpus}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else HERE / ".work" / "sites" / f"fw-{args.pages}"
    out.parent.mkdir(parents=True, exist_ok=True)
    counts = grow(corpus, out.resolve(), args.pages)
    print(f"{out}: {counts['total']} pages ({counts['original']} + {counts['copies']} copies)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
