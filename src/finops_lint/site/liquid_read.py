"""Reading Liquid templates for the links they build: tags, outputs, loops, branches
and `<a href>` / `<img src>` with their positions (see ``templates``)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

#: Tags and outputs hold no braces: an unclosed one stops at the next, so a page of
#: thousands of unclosed tags is scanned once (linear), not once per tag.
_TAG = re.compile(r"\{%-?\s*([^{}]*?)\s*-?%\}")
_OUTPUT = re.compile(r"\{\{-?\s*([^{}]*?)\s*-?\}\}")
_SKIPPED_BLOCKS = re.compile(
    r"\{%-?\s*(comment|raw)\s*-?%\}.*?(?:\{%-?\s*end\1\s*-?%\}|\Z)|<!--.*?(?:-->|\Z)",
    re.DOTALL,
)
_HTML_TAG = re.compile(r"<(a|img)\s((?:[^<>\"']|\"[^\"<>]*\"|'[^'<>]*')*)>", re.IGNORECASE)
_ATTR = re.compile(r"(?:^|\s)(href|src)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE)
_NAME = r"[A-Za-z_][\w-]*"
VAR = re.compile(rf"({_NAME})(?:\.({_NAME})|\[(['\"])(.*?)\3\])?")
_INCLUDE = re.compile(r"\{%-?\s*include\s+(['\"]?)([\w./-]+)\1", re.IGNORECASE)
LAYOUT_LINE = re.compile(r"^layout\s*:\s*['\"]?([\w./-]+)", re.MULTILINE)
COMPARE = re.compile(r"^(.*?)\s*(==|!=|<>|<=|>=|<|>|\bcontains\b)\s*(.*)$", re.DOTALL)
#: Attributes of a page or document that Jekyll computes; front matter cannot set them.
COMPUTED = frozenset(
    {
        "url",
        "path",
        "relative_path",
        "id",
        "content",
        "excerpt",
        "output",
        "collection",
        "next",
        "previous",
        "dir",
        "size",
        "first",
        "last",
    }
)
#: `site.X` values a built path may use (the rest of `site` is not modelled).
SITE_VARS = ("baseurl", "url")
#: At most this many loop bindings are tried per template and page.
MAX_BINDINGS = 200_000


class Unknown:
    """A value the template reads that this model does not know."""


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Expr:
    """`{{ var.key | filter: args }}`: key None for a bare loop variable."""

    var: str
    key: str | None
    filters: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Loop:
    var: str
    source: str  # the iterable expression, assigns resolved (`site.resources`)


@dataclass(frozen=True)
class Branch:
    """Conditions that must hold for the text to render: (expression, wanted truth)."""

    conditions: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class BuiltLink:
    """An `<img src>` / `<a href>` in a template whose value Liquid builds."""

    template: str  # site-relative path of the file holding it
    line: int
    column: int
    tag: str  # "img" | "a"
    parts: tuple[str | Expr, ...]
    loops: tuple[Loop, ...]
    branches: tuple[Branch, ...]


@dataclass(frozen=True)
class Broken:
    """One front matter value that makes a template build a path to nothing."""

    path: str  # the page whose front matter holds the value
    key: str
    value: str
    href: str  # the finished path, as in the built HTML
    link: BuiltLink
    rendered_on: str  # a page that renders it (the first one found)


@dataclass
class Template:
    path: str
    text: str
    links: list[BuiltLink] = field(default_factory=list)
    includes: set[str] = field(default_factory=set)


# --------------------------------------------------------------------- reading


def _mask(text: str) -> str:
    """Comments, `{% raw %}` and HTML comments blanked (same length, lines kept)."""
    return _SKIPPED_BLOCKS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def var_key(text: str) -> tuple[str, str | None] | None:
    """`var`, `var.key` or `var['key']` as (var, key), key None for a bare variable;
    None when text is not such a reference."""
    m = VAR.fullmatch(text)
    if m is None:
        return None
    return m.group(1), m.group(2) if m.group(2) is not None else m.group(4)


def _parse_expr(text: str) -> Expr | None:
    head, *filters = _split_filters(text)
    ref = var_key(head.strip())
    if ref is None:
        return None
    var, key = ref
    parsed: list[tuple[str, tuple[str, ...]]] = []
    for f in filters:
        name, _colon, args = f.partition(":")
        values: list[str] = []
        for arg in _split_args(args) if args.strip() else []:
            arg = arg.strip()
            if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "'\"":
                values.append(arg[1:-1])
            elif re.fullmatch(r"-?\d+", arg):
                values.append(arg)
            else:
                return None  # a variable as an argument: not modelled
        parsed.append((name.strip(), tuple(values)))
    return Expr(var, key, tuple(parsed))


def _split_filters(text: str) -> list[str]:
    out, cur, quote = [], "", ""
    for ch in text:
        if quote:
            cur += ch
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            cur += ch
        elif ch == "|":
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def _split_args(text: str) -> list[str]:
    return re.findall(r"'[^']*'|\"[^\"]*\"|[^,\s]+", text)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_template(path: str, text: str) -> Template:
    """The built links and the includes of one template file. Only a layout keeps its
    text (its own `layout:` is read again for the chain): a page's is dropped, or
    every page with Liquid would be held in memory (6.5 MB at 2,000 grown pages)."""
    tpl = Template(path, text if path.startswith("_layouts/") else "")
    masked = _mask(text)
    tpl.includes = {m.group(2) for m in _INCLUDE.finditer(masked)}
    scope = _Scope([(m.start(), m.group(1)) for m in _TAG.finditer(masked)])
    for tag in _HTML_TAG.finditer(masked):
        for attr in _ATTR.finditer(tag.group(2)):
            value = attr.group(2) if attr.group(2) is not None else attr.group(3)
            if "{{" not in value or "{%" in value:
                continue
            start = tag.start(2) + attr.start(2 if attr.group(2) is not None else 3)
            parts = _parts(value)
            if parts is None:
                continue
            if not any(isinstance(p, str) and p.strip() for p in parts):
                continue  # the whole value is one front matter value: LK010's
            loops, branches, rendered = scope.at(start)
            if not rendered:
                continue
            line, column = _position(text, start)
            tpl.links.append(
                BuiltLink(path, line, column, tag.group(1).lower(), parts, loops, branches)
            )
    return tpl


def _parts(value: str) -> tuple[str | Expr, ...] | None:
    parts: list[str | Expr] = []
    pos = 0
    for m in _OUTPUT.finditer(value):
        if m.start() > pos:
            parts.append(html.unescape(value[pos : m.start()]))
        expr = _parse_expr(m.group(1))
        if expr is None:
            return None
        parts.append(expr)
        pos = m.end()
    if pos < len(value):
        parts.append(html.unescape(value[pos:]))
    return tuple(parts)


class _Scope:
    """The Liquid blocks open at a point of a template, walked once from the start
    (the points asked for only move forward)."""

    def __init__(self, events: list[tuple[int, str]]) -> None:
        self.events = events
        self.next = 0
        self.stack: list[tuple[str, Any]] = []
        self.assigns: dict[str, str] = {}

    def at(self, offset: int) -> tuple[tuple[Loop, ...], tuple[Branch, ...], bool]:
        """The loops and conditions around `offset`, and whether text there renders
        at all (not inside a `capture`)."""
        while self.next < len(self.events) and self.events[self.next][0] < offset:
            self._apply(self.events[self.next][1])
            self.next += 1
        loops: list[Loop] = []
        branches: list[Branch] = []
        for kind, data in self.stack:
            if kind == "capture":
                return (), (), False
            if kind == "for":
                loops.append(data)
            elif kind == "if":
                branches.append(Branch(tuple(data[1])))
        return tuple(loops), tuple(branches), True

    def _apply(self, body: str) -> None:
        stack, assigns = self.stack, self.assigns
        head = re.match(r"(\S*)\s*(.*)", body, re.DOTALL)
        assert head is not None  # (\S*) matches any text
        word, rest = head.group(1), head.group(2).strip()
        if word == "assign":
            name, eq, value = rest.partition("=")
            if eq:
                assigns[name.strip()] = value.strip()
        elif word == "for":
            m = re.match(rf"({_NAME})\s+in\s+(.+)$", rest, re.DOTALL)
            if m is None:
                stack.append(("for", Loop("", "")))
                return
            source = _split_filters(m.group(2))[0].strip()
            source = re.split(r"\s+(?:limit|offset|reversed)\b", source)[0].strip()
            if source.startswith("(") or source not in assigns:
                resolved = source
            else:
                resolved = _split_filters(assigns[source])[0].strip()
                resolved = re.split(r"\s+(?:reversed)\b", resolved)[0].strip()
            stack.append(("for", Loop(m.group(1), resolved)))
        elif word in ("if", "unless"):
            cond = (rest, word == "if")
            stack.append(("if", ([cond], [cond])))
        elif word == "elsif" and stack and stack[-1][0] == "if":
            seen, _current = stack[-1][1]
            current = [(c, not w) for c, w in seen] + [(rest, True)]
            stack[-1] = ("if", ([*seen, (rest, True)], current))
        elif word == "else" and stack and stack[-1][0] == "if":
            seen, _current = stack[-1][1]
            stack[-1] = ("if", (seen, [(c, not w) for c, w in seen]))
        elif word == "else" and stack and stack[-1][0] == "for":
            stack[-1] = ("other", None)  # for-else: renders when the list is empty
        elif word in ("case", "capture", "tablerow"):
            stack.append((word, None))
        elif (
            word in ("endfor", "endif", "endunless", "endcase", "endcapture", "endtablerow")
            and stack
        ):
            stack.pop()
