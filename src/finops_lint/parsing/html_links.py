"""Links and ids in raw HTML (`<a href>`, `<img src>`, `id=`, `<a name>`), with the
exact positions the Markdown scanner in ``links`` gives; the masked page text is the
input, so comments, code and front matter are already blank.

Our own scan rather than ``html.parser``: the input is a Markdown page with HTML in
it, not an HTML document, and each hit needs its page line and column. A tag match
stops at the next ``<``, so text such as ``When x < 3`` neither hides a later tag
nor makes the scan quadratic (tests/test_parsing.py, tests/test_scaling.py).
"""

from __future__ import annotations

import html
import re

from finops_lint.parsing.links import LineIndex, Link, make_link
from finops_lint.regex import lazy

_HTML_ATTR = re.compile(
    r"<(a|img|link|script|source|iframe)\b[^<>]*?\s(href|src)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))",
    re.IGNORECASE | re.DOTALL,
)
#: An element's `id`, or an `<a>`'s `name`: what a #fragment scrolls to (HTML's
#: "find a potential indicated element"). Quoted or unquoted; `name` on a form
#: field is no anchor.
_HTML_ID_TAG = re.compile(r"<([a-zA-Z][\w:-]*)(\s[^<>]*?)?/?>", re.DOTALL)
_HTML_ID_ATTR = re.compile(
    r"(?<!\S)(id|name)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"'`=<]+))",
    re.IGNORECASE,
)

_A_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)
_TAG_TEXT = re.compile(r"<[^<>]*>")
_LABELLED = lazy(r"\s(?:aria-label|aria-labelledby|title)\s*=\s*[\"']?[^\s\"'>]", re.I)


def scan_html_links(masked: str, index: LineIndex) -> list[Link]:
    """`<a href>` and `<img src>` (and resources) in raw HTML, with positions.

    An `<a>`'s text is its content up to `</a>` with tags removed; an element
    inside (an image, an icon) or an `aria-label`/`title` counts as text, so only
    `<a href="...">` followed by nothing but spaces and `</a>` has ``text == ""``.
    """
    links: list[Link] = []
    if "<" not in masked:
        return links
    for m in _HTML_ATTR.finditer(masked):
        tag = m.group(1).lower()
        value = next(g for g in (m.group(3), m.group(4), m.group(5)) if g is not None)
        vstart = next(m.start(k) for k in (3, 4, 5) if m.group(k) is not None)
        kind = "image" if tag == "img" else "link"
        if tag in ("script", "link", "source", "iframe"):
            kind = "resource"
        text = ""
        end = m.end()
        if tag == "a":
            open_end = masked.find(">", m.end())
            close = _A_CLOSE.search(masked, open_end + 1) if open_end != -1 else None
            if close is not None and "<a" not in masked[open_end + 1 : close.start()].lower():
                inner = masked[open_end + 1 : close.start()]
                text = " ".join(_TAG_TEXT.sub(" ", inner).split())
                if not text and "<" in inner:
                    text = "<element>"  # an image or icon inside: not judged here
                end = close.end()
            else:
                text = "<unknown>"  # no closing tag found: do not call it empty
            if not text and _LABELLED.search(masked[m.start() : open_end + 1]):
                text = "<label>"
        links.append(make_link(kind, "html", text, value, m.start(), end, vstart, index))
    return links


def html_ids(masked: str) -> list[str]:
    """The ids raw HTML gives the page (character references decoded, as the
    browser reads attributes)."""
    if "<" not in masked:
        return []
    out = []
    for tag in _HTML_ID_TAG.finditer(masked):
        attrs = tag.group(2)
        if not attrs:
            continue
        is_a = tag.group(1).lower() == "a"
        for m in _HTML_ID_ATTR.finditer(attrs):
            if m.group(1).lower() == "name" and not is_a:
                continue
            value = next(v for v in (m.group(2), m.group(3), m.group(4)) if v is not None)
            if "&" in value:
                value = html.unescape(value)
            if value:
                out.append(value)
    return out
