"""Signs of unfinished work a page still carries: TODO/TBD markers, images from
placeholder-image services, test pages published with the site."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit

from finops_lint import regex
from finops_lint.document import Document, name_parts
from finops_lint.parsing.links import strip_liquid
from finops_lint.parsing.tables import plain_text
from finops_lint.regex import lazy
from finops_lint.rules.base import Issue, RuleContext, rule
from finops_lint.rules.front_matter_values import TEST_TITLE, text_values

#: Authoring markers: always a note to the author, wherever they stand.
#: (`(?<![\w-])(TODO|FIXME|XXX)(?![\w-])`, with each word's first letter matched before
#: the look-behind: a pattern opening with a look-behind is tried at every character.)
_NOTE = re.compile(r"(T(?<![\w-]T)ODO|F(?<![\w-]F)IXME|X(?<![\w-]X)XX)(?![\w-])")
#: "To be decided" markers: only where they stand for the missing value itself.
_TBD_VALUE = lazy(
    r"(?:^|[:|\u2013\u2014]\s*|\s-\s+)(?P<m>\(?TB[DC]\)?)[.!]?\s*$"  # "Owner: TBD", "- TBD"
    r"|(?P<p>\(TB[DC]\))"  # "Inputs (TBD)"
)
_BLOCK_MARKERS = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+]\s+|\d{1,9}[.)]\s+)?")


@lru_cache(maxsize=32)
def _compiled(items: tuple[str, ...]) -> tuple[regex.Pattern, ...]:
    out = []
    for item in items:
        try:
            out.append(regex.compile(item, re.IGNORECASE))
        except re.error:
            continue
    return tuple(out)


def _visible(line: str) -> str:
    """A masked source line as a reader sees it: no list/heading markers, emphasis,
    link destinations or Liquid (same length is not kept; used for matching)."""
    text = _BLOCK_MARKERS.sub("", line, count=1)
    if "{" in text:
        text = strip_liquid(text)
    return plain_text(text)


def _marker(text: str) -> str | None:
    m = _NOTE.search(text)
    if m:
        return m.group(1)
    m = _TBD_VALUE.search(text)
    if m:
        return (m.group("m") or m.group("p")).strip("()")
    return None


@rule(
    "PH008",
    "unfinished-marker",
    "warning",
    "A TODO, FIXME, XXX or TBD marker left in prose, a heading, a list item or a table cell.",
    needs=("blocks", "tables"),
)
def unfinished_marker(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds authoring markers published with the page: `TODO`, `FIXME` and `XXX`
    anywhere in visible text (paragraphs, headings, list items, bold labels,
    table cells), and `TBD` / `TBC` where they stand for the missing value
    itself: `**Owner:** TBD`, `- TBD`, `## Inputs (TBD)`, a cell `TBD yet`.

    **Why it matters:** the marker is a note to the author that the text is not
    finished; published, it tells every reader the same.

    **Precision:** a warning: a person decides whether the section is unfinished.
    Markers must be upper case; `TBD` inside a sentence ("dates TBD on delivery",
    "Sprints (TBD on delivery dates)") is a status the authors wrote on purpose
    and is not reported. Code, comments and Liquid are never read. Text PH003
    already reports as a placeholder (a `TODO:` note) and cells PH001/PH002
    report are not reported again.

    **Bad:**
    ```
    **Owner:** TBD

    | Walk | XXX | 80% |
    ```

    **Good:** the owner's name and the real cell, or no row until there is one.
    """
    text = doc.text  # the markers' substrings: faster than one search of the alternation
    if not doc.is_markdown or not any(m in text for m in ("TODO", "FIXME", "XXX", "TBD", "TBC")):
        return
    texts = _compiled(tuple(ctx.config.placeholders.get("text", [])))
    cell_tokens = {
        w.strip().casefold()
        for key in ("cell-tokens", "row-tokens", "words")
        for w in ctx.config.placeholders.get(key, [])
    }
    for block in doc.blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        lines = doc.visible_lines(block.line, block.end_line)
        visible = [_visible(line) for line in lines]
        whole = " ".join(" ".join(visible).split())
        if not any(_NOTE.search(v) or "TB" in v for v in visible):
            continue
        if any(p.search(whole) for p in texts):
            continue  # PH003 reports the block
        for number, (line, text) in enumerate(zip(lines, visible, strict=True), block.line):
            found = _marker(text)
            if found is not None:
                col = line.find(found) + 1 or 1
                yield Issue(number, col, f"unfinished marker '{found}': '{_short(text)}'")
    for table in doc.tables:
        for row in [table.header, *table.rows]:
            for cell in row.cells:
                value = " ".join(cell.text.split())
                if not value or value.strip("*_`").casefold() in cell_tokens:
                    continue  # PH001/PH002
                found = _marker(value)
                if found is not None:
                    yield Issue(
                        cell.line,
                        cell.column,
                        f"unfinished marker '{found}' in table cell '{_short(cell.raw)}'",
                    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Services that serve stand-in images (grey boxes, kittens, random photos).
PLACEHOLDER_IMAGE_HOSTS = frozenset(
    {
        "placeholder.com",
        "via.placeholder.com",
        "placehold.it",
        "placehold.co",
        "placehold.jp",
        "placekitten.com",
        "placeimg.com",
        "placebear.com",
        "placecage.com",
        "placebeard.it",
        "fillmurray.com",
        "stevensegallery.com",
        "baconmockup.com",
        "dummyimage.com",
        "fakeimg.pl",
        "lorempixel.com",
        "loremflickr.com",
        "picsum.photos",
    }
)


#: The distinctive part of each service's name, for a quick test of a whole page.
_HOST_NAMES = frozenset(
    host.rsplit(".", 1)[0].rsplit(".", 1)[-1] for host in PLACEHOLDER_IMAGE_HOSTS
)


def _may_name_a_host(raw_yaml: str) -> bool:
    """Whether a value of this YAML may hold a service's name: it is in the text, or
    an escape (`\\x63`) may spell it."""
    lowered = raw_yaml.lower()
    return "\\" in raw_yaml or any(name in lowered for name in _HOST_NAMES)


def placeholder_host(url: str) -> str | None:
    """The placeholder-image service a URL points to, if any."""
    if "//" not in url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    while host:
        if host in PLACEHOLDER_IMAGE_HOSTS:
            return host
        host = host.partition(".")[2] if host.count(".") > 1 else ""
    return None


@rule(
    "PH009",
    "placeholder-image",
    "error",
    "An image from a placeholder-image service (via.placeholder.com, placekitten...).",
)
def placeholder_image(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds images and links to placeholder-image services, in the body
    (`![logo](https://via.placeholder.com/150)`, `<img src=...>`) and in front
    matter values (`image:`, `logo-url:`, any key).

    **Why it matters:** the page shows a grey box, a kitten or a random photo
    where the real picture belongs, and the service may disappear.

    **Bad:** `logo-url: https://via.placeholder.com/300x100`

    **Good:** `logo-url: /img/members/acme.png`, a file in the site.
    """
    # A service's name is in the lower-cased URL that names it: the links' targets and
    # the front matter are searched for the names, not the whole page.
    targets = "\n".join(link.target for link in doc.links).lower() if doc.links else ""
    for link in doc.links if targets and any(name in targets for name in _HOST_NAMES) else ():
        host = placeholder_host(link.target)
        if host is not None:
            what = "image" if link.kind == "image" else "link"
            yield Issue(
                link.target_line,
                link.target_column,
                f"{what} from the placeholder-image service {host}: {_short(link.target)}",
            )
    fm = doc.front_matter
    if fm.present and fm.error is None and _may_name_a_host(fm.raw):
        for path, value in text_values(fm.data):
            host = placeholder_host(value)
            if host is not None:
                pos = fm.value_position(path)
                yield Issue(
                    pos.line,
                    pos.column,
                    f"front matter value is from the placeholder-image service {host}: "
                    f"{_short(value)}",
                )


_TEST_NAME = re.compile(
    r"^(?:test|testing|test[-_ ]?page|test[-_ ]?post|my[-_]test|dummy|sample[-_ ]?page|"
    r"untitled|asdf|foo|foobar|hello[-_]world)(?:[-_ ]?\d+)?$",
    re.IGNORECASE,
)


@rule(
    "PH010",
    "published-test-page",
    "warning",
    "A test page (test.md, permalink /test/) published with the site.",
    scope="site",
)
def published_test_page(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds pages whose file name or permalink says they are a test (`test.md`,
    `_resources/test-page-2.md`, `permalink: /foo/`, `hello-world.md`) and that
    Jekyll publishes: a page outside collections, or a document of a collection
    with `output: true`, not `published: false`.

    **Why it matters:** a test page is a real page of the site: it has a URL,
    appears in the sitemap and in search, and, in a collection, on every listing
    page that loops over the collection (`site.resources`).

    **Precision:** a warning; pages Jekyll does not write (`published: false`,
    a collection without output) are not reported. A page whose title already
    says it is a test is PH007's finding.

    **Bad:** `_resources/test.md` with `title: Resource`.

    **Good:** delete the page, or keep it out of the build with `published: false`.
    """
    site = ctx.site
    if site is None or not doc.front_matter.present or doc.front_matter.error:
        return
    page = site.page_for_path(doc.rel_path)
    if page is None or not page.output:
        return
    title = doc.front_matter.data.get("title")
    if isinstance(title, str) and TEST_TITLE.match(" ".join(title.split())):
        return  # PH007
    stem = name_parts(doc.rel_path)[0]
    last = page.url.rstrip("/").rsplit("/", 1)[-1]
    last = last.removesuffix(".html")
    fm = doc.front_matter
    if "permalink" in fm.data and _TEST_NAME.match(last):
        pos = fm.value_position(("permalink",))
        yield Issue(pos.line, pos.column, f"test page published at {page.url}")
    elif _TEST_NAME.match(stem):
        where = f"in the collection '{page.collection}' " if page.collection else ""
        yield Issue(fm.start_line, 1, f"test page '{stem}' is published {where}at {page.url}")
