"""Find links, images and reference definitions with exact positions.

markdown-it-py gives block structure but no inline positions, so links are
found by a small CommonMark-style scanner over the masked page text (code,
comments and front matter blanked). It understands inline links and images,
full/collapsed/shortcut references, autolinks, reference definitions, HTML
``<a href>`` / ``<img src>``, Liquid inside destinations, and the malformed
shapes authors type by mistake (``[text] (url)``, ``[text]()``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from operator import add

from finops_lint.regex import lazy

_REF_DEF = lazy(
    r"^ {0,3}\[((?:[^\[\]\\]|\\.){1,999})\]:[ \t]*(?:\n[ \t]*)?(<[^>\n]*>|\S+)", re.MULTILINE
)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]*)>", re.IGNORECASE)
# "[^<>]" (not "[^>]"): an attempt stops at the next "<", so thousands of unclosed
# tags in one paragraph are scanned once, not once per tag.
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]{1,31}):")
#: "<dest>": no line ending and no unescaped "<" or ">" inside (CommonMark).
_ANGLE_DEST = re.compile(r"(?:[^<>\n\\]|\\.)*>")
#: jekyll-relative-links 0.7's reference definition: `[label]: path#fragment "title"`
#: (its title pattern takes `"..."` only: the single-quoted branch ends in `"`).
RELATIVE_LINKS_TITLE = r"""(\s+"(?:\\"|[^"])*(?<!\\)"|\s+"(?:\\'|[^'])*(?<!\\)')?"""
#: its definition pattern as text (the plugin's LINK_REGEX ends with it: site.relative_links)
RELATIVE_LINKS_DEFINITION_PATTERN = (
    r"^\s*?\[(.*?)\]: (.+?)(#.+?|)?" + RELATIVE_LINKS_TITLE + r"\s*?$"
)
RELATIVE_LINKS_DEFINITION = lazy(RELATIVE_LINKS_DEFINITION_PATTERN)
#: a path that ends in a file name's suffix (`.md`, `.png`), nothing after it
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9_-]+$")
#: a "(title)": no unescaped parentheses inside.
_PAREN_TITLE = re.compile(r"\((?:[^()\\]|\\.)*\)", re.DOTALL)
#: at most this many characters between "[" and its "]"
_BRACKET_LIMIT = 4000
# A tag does not run past the next opener of its kind: an unclosed "{{" or "{%"
# is left as text instead of being rescanned to the end once per opener.
_LIQUID = re.compile(r"\{\{(?:(?!\{\{|\}\}).)*\}\}|\{%(?:(?!\{%|%\}).)*%\}", re.DOTALL)


@dataclass
class Link:
    """A link or image as written in the page."""

    kind: str  # "link" | "image"
    syntax: str  # "inline" | "reference" | "autolink" | "html" | "definition"
    text: str
    target: str  # destination as written (angle brackets removed), may be empty
    line: int
    column: int
    end_line: int
    end_column: int
    target_line: int
    target_column: int
    label: str | None = None  # reference label, normalised
    target_kind: str = ""  # see classify_target

    @property
    def fragment(self) -> str | None:
        if "#" not in self.target:
            return None
        return self.target.split("#", 1)[1]


@dataclass
class Malformed:
    """Link syntax the page's renderer shows as plain text ("[text] (url)"), and why."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str


@dataclass
class RefDefinition:
    """A link reference definition ("[label]: target"), where it and its target are."""

    label: str
    target: str
    line: int
    column: int
    target_line: int
    target_column: int


def normalize_label(label: str) -> str:
    return " ".join(label.split()).casefold()


_HTTP_URL = re.compile(r"https?://", re.IGNORECASE)


def is_http_url(text: str) -> bool:
    """Whether text starts with `http://` or `https://` (any case)."""
    return _HTTP_URL.match(text) is not None


def classify_target(target: str) -> str:
    """relative | site-root | absolute | protocol-relative | anchor | mail | liquid |
    other-scheme | missing-scheme | empty"""
    t = target.strip()
    if not t:
        return "empty"
    if "{{" in t or "{%" in t:
        return "liquid"
    if t.startswith("#"):
        return "anchor"
    if t.startswith("//"):
        return "protocol-relative"
    if t.startswith("/"):
        return "site-root"
    m = _SCHEME.match(t)
    if m:
        scheme = m.group(1).lower()
        if scheme in ("http", "https"):
            return "absolute"
        if scheme == "mailto":
            return "mail"
        return "other-scheme"
    lowered = t.lower()
    if (
        lowered.startswith("www.")
        or re.match(r"^https?//", lowered)
        or re.match(r"^https?:/[^/]", lowered)
    ):
        return "missing-scheme"
    return "relative"


class LineIndex:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str, starts: list[int] | None = None) -> None:
        """`starts`: `line_starts` of the text's lines, when the caller has them."""
        self.starts = starts if starts is not None else line_starts(text.split("\n"))

    def pos(self, offset: int) -> tuple[int, int]:
        from bisect import bisect_right

        i = bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


def line_starts(lines: list[str]) -> list[int]:
    """The offset of each line's start in the text the lines were split from at
    "\n", then that of one more (the text's length + 1): a sum in C, not a loop."""
    return list(map(add, accumulate(map(len, lines), initial=0), range(len(lines) + 1)))


#: The longest Liquid tag looked for inside a link destination: an unclosed "{{"
#: is not searched to the end of the page once per link (quadratic).
_LIQUID_IN_LINK_LIMIT = 256
#: Nested unescaped parentheses allowed in a destination (markdown-it and cmark stop
#: at 32 as well): "[a](b(" repeated is not scanned to the line's end once per link.
_MAX_PAREN_DEPTH = 32
#: A run of the characters `_parse_destination` steps over one by one (anything but
#: a space, tab or line ending, a parenthesis, "{" or a backslash): skipped at once.
_DEST_RUN = re.compile(r"[^ \t\n(){\\]*")


def _skip_liquid(text: str, i: int) -> int:
    """If a Liquid tag starts at i, return the index after it, else i."""
    if text.startswith("{{", i):
        end = text.find("}}", i + 2, i + _LIQUID_IN_LINK_LIMIT)
        return end + 2 if end != -1 else i
    if text.startswith("{%", i):
        end = text.find("%}", i + 2, i + _LIQUID_IN_LINK_LIMIT)
        return end + 2 if end != -1 else i
    return i


def _bracket_pairs(text: str) -> dict[int, int]:
    """Every '[' -> its matching ']' in one pass (escapes skipped; a blank line
    closes nothing across it). Rescanning from each '[' was quadratic on a line
    of unclosed brackets."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    n = len(text)
    pos = 0
    while True:
        if stack:
            m = _BRACKET_EVENT.search(text, pos)
            if m is None:
                break
            j, pos = m.start(), m.end()
        else:
            # With no '[' open, a ']' or a line ending changes nothing: only a '[' (or
            # an escape, which hides the character after it) is looked for, with
            # `str.find` (a regex search for either tried every character: 0.1 ms a page).
            j = text.find("[", pos)
            if j == -1:
                break
            escape = text.find("\\", pos, j)
            if escape != -1:
                pos = escape + 2
                continue
            pos = j + 1
        ch = text[j]
        if ch == "[":
            stack.append(j)
        elif ch == "]":
            if stack:
                pairs[stack.pop()] = j
        elif ch == "\\":
            continue
        elif stack:  # a line ending: a blank line ends every open bracket
            k = j + 1
            while k < n and text[k] in " \t":
                k += 1
            if k >= n or text[k] == "\n":
                stack.clear()
    return pairs


#: "[", "]", a line ending, or a backslash with the character it escapes.
_BRACKET_EVENT = re.compile(r"\\[\s\S]|[\[\]\n]")


def _parse_destination(text: str, i: int) -> tuple[str, int, int] | None:
    """Parse '(dest "title")' starting at text[i] == '('.

    Returns (destination, destination_start, index_after_close_paren).
    """
    n = len(text)
    j = i + 1
    while j < n and text[j] in " \t":
        j += 1
    if j < n and text[j] == "\n":
        j += 1
        while j < n and text[j] in " \t":
            j += 1
    start = j
    if j < n and text[j] == "<":
        angle = _ANGLE_DEST.match(text, j + 1)
        if angle is None:
            return None
        end = angle.end() - 1
        dest = text[j + 1 : end]
        j = end + 1
        start += 1
    else:
        depth = 0
        while j < n:
            run = _DEST_RUN.match(text, j)  # (it always matches, maybe nothing)
            if run is not None:
                j = run.end()
            if j >= n:
                break
            ch = text[j]
            if ch in "{" and text.startswith(("{{", "{%"), j):
                k = _skip_liquid(text, j)
                if k != j:
                    j = k
                    continue
            if ch == "\\" and j + 1 < n:
                j += 2
                continue
            if ch == "(":
                depth += 1
                if depth > _MAX_PAREN_DEPTH:
                    return None  # not a destination (as in markdown-it)
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            elif ch in " \t\n":
                break
            j += 1
        dest = text[start:j]
    # optional title
    k = j
    while k < n and text[k] in " \t\n":
        k += 1
    if k < n and text[k] in "\"'(":
        if text[k] == "(":
            title = _PAREN_TITLE.match(text, k)
            if title is None:
                return None
            end = title.end() - 1
        else:
            end = text.find(text[k], k + 1)
            if end == -1:
                return None
        k = end + 1
        while k < n and text[k] in " \t\n":
            k += 1
    if k < n and text[k] == ")":
        return dest, start, k + 1
    return None


def scan_links(
    masked: str, index: LineIndex, definitions: dict[str, RefDefinition]
) -> tuple[list[Link], list[Malformed], set[str]]:
    """All links/images in the masked text; malformed shapes; labels used."""
    links: list[Link] = []
    malformed: list[Malformed] = []
    used: set[str] = set()
    consumed_until = -1
    label_starts: set[int] = set()
    pairs = _bracket_pairs(masked) if "[" in masked else {}
    pos = masked.find("[")
    n = len(masked)
    while pos != -1:
        i = pos
        pos = masked.find("[", i + 1)
        if i < consumed_until or i in label_starts:
            continue
        if i > 0 and masked[i - 1] == "\\":
            continue
        is_image = i > 0 and masked[i - 1] == "!"
        close = pairs.get(i, -1)
        if close == -1 or close - i >= _BRACKET_LIMIT:
            continue
        text = masked[i + 1 : close]
        after = close + 1
        if text.startswith("^"):
            continue  # footnote
        if (
            not is_image
            and close - i <= 3
            and text.strip() in ("", "x", "X")
            and not (after < n and masked[after] in "([")
        ):
            continue  # task list item "[ ]" / "[x]"
        start_off = i - 1 if is_image else i
        kind = "image" if is_image else "link"
        if after < n and masked[after] == "(":
            parsed = _parse_destination(masked, after)
            if parsed is not None:
                dest, dest_start, end = parsed
                links.append(
                    make_link(kind, "inline", text, dest, start_off, end, dest_start, index)
                )
                consumed_until = max(consumed_until, dest_start)
                continue
        if after < n and masked[after] == "[":
            label_close = masked.find("]", after + 1)
            if label_close != -1 and "\n\n" not in masked[after:label_close]:
                raw_label = masked[after + 1 : label_close]
                label = normalize_label(raw_label or text)
                used.add(label)
                ref = definitions.get(label)
                link = make_link(
                    kind,
                    "reference",
                    text,
                    ref.target if ref else "",
                    start_off,
                    label_close + 1,
                    after + 1,
                    index,
                )
                link.label = label
                if ref is not None:
                    link.target_line, link.target_column = ref.target_line, ref.target_column
                    link.target_kind = classify_target(ref.target)
                else:
                    link.target_kind = "undefined-reference"
                links.append(link)
                label_starts.add(after)  # "[label]" is part of this link, not a link
                continue
        label = normalize_label(text)
        if label in definitions and not (after < n and masked[after] == ":"):
            used.add(label)
            ref = definitions[label]
            link = make_link(kind, "reference", text, ref.target, start_off, after, i + 1, index)
            link.label = label
            link.target_line, link.target_column = ref.target_line, ref.target_column
            links.append(link)
            continue
        # "[text] (url)": a space between the brackets and the parentheses
        if after + 1 < n and masked[after] == " " and masked[after + 1] == "(":
            parsed = _parse_destination(masked, after + 1)
            if parsed is not None and _looks_like_url(parsed[0]):
                line, col = index.pos(start_off)
                eline, ecol = index.pos(parsed[2])
                malformed.append(
                    Malformed(
                        line,
                        col,
                        eline,
                        ecol,
                        "space between ']' and '(' breaks the link: "
                        f"'[{text}] ({parsed[0]})' renders as plain text; "
                        f"write '[{text}]({parsed[0]})'",
                    )
                )
    for m in _AUTOLINK.finditer(masked):
        links.append(
            make_link(
                "link", "autolink", m.group(1), m.group(1), m.start(), m.end(), m.start() + 1, index
            )
        )
    from finops_lint.parsing.html_links import scan_html_links  # it builds on this module

    links.extend(scan_html_links(masked, index))
    links.sort(key=lambda link: (link.line, link.column))
    return links, malformed, used


def _looks_like_url(dest: str) -> bool:
    d = dest.strip()
    return bool(
        re.match(r"^(https?://|/|\./|\.\./|#|www\.|mailto:)", d)
        or re.search(r"\.(md|html?|png|jpe?g|gif|svg|pdf)(#.*)?$", d)
    )


def make_link(
    kind: str,
    syntax: str,
    text: str,
    target: str,
    start: int,
    end: int,
    tstart: int,
    index: LineIndex,
) -> Link:
    line, col = index.pos(start)
    eline, ecol = index.pos(end)
    tline, tcol = index.pos(tstart)
    return Link(
        kind=kind,
        syntax=syntax,
        text=text,
        target=target,
        line=line,
        column=col,
        end_line=eline,
        end_column=ecol,
        target_line=tline,
        target_column=tcol,
        target_kind=classify_target(target),
    )


def scan_definitions(
    masked: str,
    index: LineIndex,
    glued: dict[str, RefDefinition] | None = None,
    conditional: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, RefDefinition]:
    """The page's link reference definitions by label. Definition lines right under a
    line of text are paragraph text, not definitions: they go to ``glued``, unless
    jekyll-relative-links may rewrite one of them (then it puts an empty line before
    it, and that line and those under it are definitions): those are definitions
    here, and ``conditional`` gets, by label, the paths whose rewrite they need (any
    one of them; the Site says: `Site.relative_rewrite`)."""
    defs: dict[str, RefDefinition] = {}
    if "]:" not in masked:
        return defs
    made: set[int] = set()  # line starts of the definitions not under text
    chains: dict[int, tuple[str, ...]] = {}  # line start -> the paths it needs rewritten
    for m in _REF_DEF.finditer(masked):
        label = normalize_label(m.group(1))
        if label.startswith("^"):
            continue
        line_start = masked.rfind("\n", 0, m.start()) + 1
        chain: tuple[str, ...] | None = None
        if _continues_paragraph(masked, m.start(), made):
            prev_start = masked.rfind("\n", 0, line_start - 1) + 1 if line_start else 0
            own = rewrite_candidate(masked, m.start())
            chain = chains.get(prev_start, ()) + ((own,) if own is not None else ())
            chains[line_start] = chain
        else:
            made.add(line_start)
        if chain == () and glued is None:
            continue
        target = m.group(2)
        tstart = m.start(2)
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1]
            tstart += 1
        line, col = index.pos(m.start())
        tline, tcol = index.pos(tstart)
        found = RefDefinition(label, target, line, col, tline, tcol)
        if chain == ():
            if glued is not None:
                glued.setdefault(label, found)
            continue
        if label not in defs and chain and conditional is not None:
            conditional[label] = chain
        defs.setdefault(label, found)
    return defs


def _continues_paragraph(masked: str, start: int, accepted: set[int]) -> bool:
    """Whether the definition-like line at ``start`` is more text of the paragraph
    above: a definition cannot interrupt a paragraph (kramdown's and CommonMark's
    rule), so ``Text`` then ``[a]: /url`` is all paragraph text on the page."""
    line_start = masked.rfind("\n", 0, start) + 1
    if line_start == 0:
        return False
    prev_start = masked.rfind("\n", 0, line_start - 1) + 1
    prev = masked[prev_start : line_start - 1].strip()
    if not prev or prev.startswith(("#", "{:", "<")) or not prev.strip("=-"):
        return False  # a blank line, a heading, an IAL, block HTML, a setext underline
    if _REF_DEF.match(masked, prev_start):
        return prev_start not in accepted  # a run of definitions
    return True


def rewrite_candidate(masked: str, start: int) -> str | None:
    """The path jekyll-relative-links would look up in the definition on the line at
    ``start``, or None when it never rewrites that line.

    The plugin's regex (0.7) wants `]: ` and the path on the line, the fragment
    apart, and a title only in double quotes, and it looks the path up as written,
    so `x.md?v=1`, `<x.md>` or `x.md 'Title'` name no file; nor do a URL, an anchor
    or a folder (`/old/`). Whether the path names a source file, and whether the
    plugin runs on the page, are the Site's."""
    line_end = masked.find("\n", start)
    line = masked[start : line_end if line_end != -1 else len(masked)]
    m = RELATIVE_LINKS_DEFINITION.match(line)
    if m is None:
        return None
    path = m.group(2)
    if path.startswith("#") or _SCHEME.match(path) or path.endswith("/") or "?" in path:
        return None
    return str(path)


def likely_rewritten(paths: tuple[str, ...]) -> bool:
    """Without a Site to ask: whether one of the paths names a file (`x.md`,
    `img/a.png`), as the plugin rewrites only paths of source files."""
    return any(_FILE_SUFFIX.search(p) is not None for p in paths)


def strip_liquid(text: str) -> str:
    return _LIQUID.sub("", text)
