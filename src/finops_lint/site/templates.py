"""Links and images that the site's Liquid templates build from front matter values.

A layout, an include or a page may write an `<img src>` or `<a href>` whose path
is part literal and part a front matter value:

    {% assign sorted = site.resources | sort: "weight" %}
    {% for resource in sorted %}
      {% if resource.type == 'Podcast' %}
        <img src="/img/search-icons/{{ resource.type | downcase }}.png">

No source file holds the finished path: it exists only in the built HTML, once
per page that renders the template and per document the loop reaches. This
module reads those templates (`_layouts/`, `_includes/` and pages with Liquid),
works out which pages render each one (layout chains, `{% include %}`), binds
`page` and the loop variables (`for x in site.COLLECTION`, an `assign`ed copy of
it, or a list in front matter), drops the bindings whose `{% if %}` /
`{% unless %}` conditions are certainly false, applies the simple filters
(`downcase`, `slugify`, `relative_url`...) and resolves each finished path like
an HTML link on the rendering page.

It is deliberately partial, and errs towards silence: an expression it cannot
evaluate (a variable it does not know, a filter it does not model, a computed
attribute such as `url`) is skipped; a condition it cannot decide is assumed to
hold (`{% if count < 6 %}`). An attribute that is a single value and nothing else
(`src="{{ page.logo-url }}"`) is a front matter link, LK010's business.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from finops_lint.parsing.frontmatter import split_front_matter
from finops_lint.parsing.text import decode_page
from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes
from finops_lint.site import Site, SitePage
from finops_lint.site.urls import uri_normalize

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
_VAR = re.compile(rf"({_NAME})(?:\.({_NAME})|\[(['\"])(.*?)\3\])?")
_INCLUDE = re.compile(r"\{%-?\s*include\s+(['\"]?)([\w./-]+)\1", re.IGNORECASE)
_LAYOUT_VALUE = re.compile(r"^layout[ \t]*:[ \t]*([^#\n]*)", re.MULTILINE)
_LAYOUT_LINE = re.compile(r"^layout\s*:\s*['\"]?([\w./-]+)", re.MULTILINE)
_COMPARE = re.compile(r"^(.*?)\s*(==|!=|<>|<=|>=|<|>|\bcontains\b)\s*(.*)$", re.DOTALL)
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
class _Template:
    path: str
    text: str
    links: list[BuiltLink] = field(default_factory=list)
    includes: set[str] = field(default_factory=set)


# --------------------------------------------------------------------- reading


def _mask(text: str) -> str:
    """Comments, `{% raw %}` and HTML comments blanked (same length, lines kept)."""
    return _SKIPPED_BLOCKS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _parse_expr(text: str) -> Expr | None:
    head, *filters = _split_filters(text)
    m = _VAR.fullmatch(head.strip())
    if m is None:
        return None
    key = m.group(2) if m.group(2) is not None else m.group(4)
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
    return Expr(m.group(1), key, tuple(parsed))


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


def read_template(path: str, text: str) -> _Template:
    """The built links and the includes of one template file."""
    tpl = _Template(path, text)
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


# ------------------------------------------------------------------ evaluating


def _filter(value: str, name: str, args: tuple[str, ...], site: Site) -> str | None:
    if name == "downcase":
        return value.lower()
    if name == "upcase":
        return value.upper()
    if name == "capitalize":
        return value[:1].upper() + value[1:].lower()
    if name == "strip":
        return value.strip()
    if name == "lstrip":
        return value.lstrip()
    if name == "rstrip":
        return value.rstrip()
    if name == "slugify" and not args:
        return re.sub(r"(?:[^\w]|_)+", "-", value).strip("-").lower()
    if name == "replace" and len(args) == 2:
        return value.replace(args[0], args[1])
    if name == "replace_first" and len(args) == 2:
        return value.replace(args[0], args[1], 1)
    if name == "remove" and len(args) == 1:
        return value.replace(args[0], "")
    if name == "remove_first" and len(args) == 1:
        return value.replace(args[0], "", 1)
    if name == "append" and len(args) == 1:
        return value + args[0]
    if name == "prepend" and len(args) == 1:
        return args[0] + value
    if name in ("escape", "xml_escape", "escape_once"):
        return value  # entities the browser decodes again
    if name in ("relative_url", "absolute_url") and not args:
        if "://" in value or value.startswith("//"):
            return value
        rel = uri_normalize(site.config.baseurl + ("" if value.startswith("/") else "/") + value)
        return rel if name == "relative_url" else site.config.url + rel
    return None


@dataclass(frozen=True)
class _Doc:
    """A page or document as a template sees it; front matter read on first use."""

    path: str
    loader: Callable[[str], dict[str, Any]] = field(compare=False, repr=False)

    @property
    def data(self) -> dict[str, Any]:
        return self.loader(self.path)


Binding = dict[str, Any]  # var -> _Doc | scalar | UNKNOWN


def _value(name: str, key: str | None, binding: Binding) -> Any:
    """A variable's value: UNKNOWN when not modelled, None when Liquid has nil."""
    bound = binding.get(name, UNKNOWN)
    if isinstance(bound, Unknown):
        return UNKNOWN
    if isinstance(bound, dict):  # `site`: only the settings this model knows
        return bound.get(key, UNKNOWN) if key is not None else UNKNOWN
    if isinstance(bound, _Doc):
        if key is None or key in COMPUTED:
            return UNKNOWN
        return bound.data.get(key)
    if key is None:
        return bound
    if key == "size" and isinstance(bound, (str, list)):
        return len(bound)
    return UNKNOWN


Operand = tuple[Any, ...]  # ("lit", value) | ("var", name, key) | ("unknown",)
Condition = tuple[Any, ...]  # ("and"|"or", left, right) | ("cmp", a, op, b) | ("val", a)


@lru_cache(maxsize=4096)
def _parse_operand(text: str) -> Operand:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return ("lit", text[1:-1])
    if re.fullmatch(r"-?\d+", text):
        return ("lit", int(text))
    if re.fullmatch(r"-?\d+\.\d+", text):
        return ("lit", float(text))
    if text in ("true", "false"):
        return ("lit", text == "true")
    if text in ("nil", "null"):
        return ("lit", None)
    m = _VAR.fullmatch(text)
    if m is None or text in ("empty", "blank"):
        return ("unknown",)
    return ("var", m.group(1), m.group(2) if m.group(2) is not None else m.group(4))


@lru_cache(maxsize=4096)
def _parse_condition(text: str) -> Condition:
    m = re.search(r"\s+(and|or)\s+", text)
    if m is not None:  # Liquid evaluates right to left, without precedence
        return (m.group(1), _parse_condition(text[: m.start()]), _parse_condition(text[m.end() :]))
    cmp = _COMPARE.match(text)
    if cmp is None:
        return ("val", _parse_operand(text))
    return ("cmp", _parse_operand(cmp.group(1)), cmp.group(2), _parse_operand(cmp.group(3)))


def _operand(op: Operand, binding: Binding) -> Any:
    if op[0] == "lit":
        return op[1]
    if op[0] == "var":
        return _value(op[1], op[2], binding)
    return UNKNOWN


def _truth(text: str, binding: Binding) -> bool | None:
    """Liquid's truth of a condition: True, False, or None when it cannot be known."""
    return _evaluate(_parse_condition(text), binding)


def _evaluate(cond: Condition, binding: Binding) -> bool | None:
    if cond[0] in ("and", "or"):
        left, right = _evaluate(cond[1], binding), _evaluate(cond[2], binding)
        if cond[0] == "and":
            if left is False or right is False:
                return False
            return True if left and right else None
        if left or right:
            return True
        return False if left is False and right is False else None
    if cond[0] == "val":
        value = _operand(cond[1], binding)
        if isinstance(value, Unknown):
            return None
        return value is not None and value is not False
    a, op, b = _operand(cond[1], binding), cond[2], _operand(cond[3], binding)
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    if op in ("==", "!=", "<>"):
        if isinstance(a, str) and isinstance(b, str):
            equal = str(a) == str(b)
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            equal = a == b
        else:
            equal = a is b if (a is None or b is None or isinstance(a, bool)) else a == b
        return equal if op == "==" else not equal
    if op == "contains":
        if isinstance(a, str) and isinstance(b, str):
            return b in a
        if isinstance(a, list):
            return b in a
        return False if a is None else None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return bool({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op])
    return None


def _render(
    link: BuiltLink, binding: Binding, site: Site
) -> tuple[str, list[tuple[str, str, str]]] | None:
    """The finished path and the (doc path, key, value) front matter it used; None when
    a part cannot be evaluated (or a value is missing or not a scalar)."""
    out = ""
    used: list[tuple[str, str, str]] = []
    for part in link.parts:
        if isinstance(part, str):
            out += part
            continue
        bound = binding.get(part.var, UNKNOWN)
        value = _value(part.var, part.key, binding)
        if isinstance(value, Unknown) or value is None or isinstance(value, (dict, list)):
            return None
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if isinstance(bound, _Doc) and part.key is not None:
            used.append((bound.path, part.key, text))
        elif isinstance(bound, _LoopItem):
            used.append((bound.path, bound.key, text))
        for name, args in part.filters:
            filtered = _filter(text, name, args, site)
            if filtered is None:
                return None
            text = filtered
        out += text
    return (out, used) if used else None


class _LoopItem(str):
    """An item of a front matter list a loop walks: remembers where it came from."""

    path: str
    key: str

    def __new__(cls, value: str, path: str = "", key: str = "") -> _LoopItem:
        obj = super().__new__(cls, value)
        obj.path = path
        obj.key = key
        return obj


# ------------------------------------------------------------------ the index


def _layout_of(text: str, rel: str, page: SitePage, site: Site) -> Any:
    """A page's `layout` (its front matter, else `_config.yml` defaults), read without
    parsing its whole front matter."""
    fm = split_front_matter(text)
    if fm.present and not fm.unterminated:
        m = _LAYOUT_VALUE.search(fm.raw)
        if m is not None:
            value = m.group(1).strip().strip("'\"")
            return None if value in ("", "null", "none", "~") else value
    kind = "pages" if page.collection is None else page.collection
    return site.config.defaults_for(rel, kind).get("layout")


class TemplateLinks:
    """Every built link of a site's templates, and the front matter values that
    make one of them point at nothing."""

    def __init__(
        self,
        root: Path,
        site: Site,
        data_of: Callable[[str], dict[str, Any]],
        texts: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.site = site
        self._data_of = data_of
        self._texts = texts or {}
        self.templates: dict[str, _Template] = {}
        self._layouts: dict[str, Any] = {}
        self._collections: dict[str, list[Any] | Unknown] = {}
        self._rendered_by: dict[str, list[str]] | None = None
        config = site.config
        self._site_vars = {"baseurl": config.baseurl, "url": config.url}
        self._read_templates()

    # -- reading

    def _text(self, rel: str) -> str | None:
        known = self._texts.get(rel)
        if known is not None:
            return known
        try:
            text, _error = decode_page(read_bytes(self.root / rel, MAX_PAGE_BYTES, truncate=True))
        except OSError:
            return None
        return text

    def _read_templates(self) -> None:
        for folder in ("_layouts", "_includes"):
            base = self.root / folder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    rel = path.relative_to(self.root).as_posix()
                    text = self._text(rel)
                    if text is not None:
                        self.templates[rel] = read_template(rel, text)
        for rel, page in self.site.pages.items():
            if not page.output:
                continue
            text = self._text(rel)
            if text is None:
                continue
            self._layouts[rel] = _layout_of(text, rel, page, self.site)
            if "{{" in text or "{%" in text:
                self.templates[rel] = read_template(rel, text)

    # -- who renders what

    def _layout_chain(self, name: Any) -> list[str]:
        chain: list[str] = []
        while isinstance(name, str) and name and len(chain) < 16:
            rel = next(
                (r for r in (f"_layouts/{name}.html", f"_layouts/{name}") if r in self.templates),
                None,
            )
            if rel is None or rel in chain:
                break
            chain.append(rel)
            m = _LAYOUT_LINE.search(self.templates[rel].text.split("\n---", 1)[0])
            name = m.group(1) if m and self.templates[rel].text.startswith("---") else None
        return chain

    def _with_includes(self, rels: list[str]) -> set[str]:
        out: set[str] = set()
        todo = list(rels)
        while todo:
            rel = todo.pop()
            if rel in out:
                continue
            out.add(rel)
            tpl = self.templates.get(rel)
            if tpl is None:
                continue
            for name in tpl.includes:
                inc = posixpath.normpath(f"_includes/{name}")
                if inc in self.templates:
                    todo.append(inc)
        return out

    def rendered_by(self) -> dict[str, list[str]]:
        """{template: pages that render it (their own text, layouts, includes)}."""
        out: dict[str, list[str]] = {}
        for rel, page in self.site.pages.items():
            if not page.output:
                continue
            own = [rel] if rel in self.templates else []
            chain = self._layout_chain(self._layouts.get(rel))
            for tpl in sorted(self._with_includes(own + chain)):
                out.setdefault(tpl, []).append(rel)
        return out

    # -- evaluating

    def _docs(self, source: str, binding: Binding) -> list[Any] | Unknown:
        """What `for x in SOURCE` walks, or UNKNOWN."""
        m = re.fullmatch(r"site\.([\w-]+)", source)
        if m is not None:
            known = self._collections.get(source)
            if known is None:
                known = self._collections[source] = self._site_docs(m.group(1))
            return known
        return self._list_items(source, binding)

    def _site_docs(self, name: str) -> list[Any] | Unknown:
        if name == "pages":
            wanted: str | None = None
        elif name in self.site.config.collections or name == "posts":
            wanted = name
        else:
            return UNKNOWN
        return [
            _Doc(rel, self._data_of)
            for rel, page in self.site.pages.items()
            if page.collection == wanted and (wanted is not None or page.output)
        ]

    def _list_items(self, source: str, binding: Binding) -> list[Any] | Unknown:
        m = _VAR.fullmatch(source)
        if m is None:
            return UNKNOWN
        bound = binding.get(m.group(1), UNKNOWN)
        key = m.group(2) if m.group(2) is not None else m.group(4)
        if not isinstance(bound, _Doc) or key is None or key in COMPUTED:
            return UNKNOWN
        value = bound.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [
            _LoopItem(str(v), bound.path, key) if isinstance(v, (str, int, float)) else v
            for v in items
        ]

    def _evaluable(self, link: BuiltLink) -> bool:
        """Whether every value in the path comes from `page` or a loop this model walks."""
        walked = {"page"}
        for loop in link.loops:
            source = loop.source
            head = source.split(".", 1)[0]
            if re.fullmatch(r"site\.[\w-]+", source):
                if not isinstance(self._docs(source, {}), Unknown):
                    walked.add(loop.var)
            elif head in walked:
                walked.add(loop.var)
        return all(
            isinstance(p, str) or p.var in walked or (p.var == "site" and p.key in SITE_VARS)
            for p in link.parts
        )

    def _bindings(
        self, loops: tuple[Loop, ...], base: Binding, only: str | None = None
    ) -> Iterator[Binding]:
        """Every binding of the loop variables; `only`: the site-wide loop walks that
        one page or document alone."""
        if not loops:
            yield base
            return
        loop, rest = loops[0], loops[1:]
        items = self._docs(loop.source, base)
        if isinstance(items, Unknown):
            yield from self._bindings(rest, {**base, loop.var: UNKNOWN}, only)
            return
        if only is not None and loop.source.startswith("site."):
            items = [d for d in items if isinstance(d, _Doc) and d.path == only]
        for item in items:
            yield from self._bindings(rest, {**base, loop.var: item}, only)

    def _plan(self, link: BuiltLink, page_rel: str, focus: str | None) -> tuple[bool, str | None]:
        """(evaluate at all, restrict the site-wide loop to): with a focus page, only
        the bindings that can use its values: its own `page` values in the path when
        it renders the template; else its values as the item of the one loop over
        the site's pages or documents (with several such loops, every binding is
        tried)."""
        if focus is None:
            return True, None
        if page_rel == focus and any(isinstance(p, Expr) and p.var == "page" for p in link.parts):
            return True, None
        site_loops = [lp for lp in link.loops if lp.source.startswith("site.")]
        if not site_loops:
            return False, None
        return True, focus if len(site_loops) == 1 else None

    def broken(self, focus: str | None = None) -> list[Broken]:
        """Every (page, key) whose value makes a built link reach nothing, once per
        page, key and finished path; with `focus`, those of that page only (the same
        ones, found without walking every other page's values)."""
        found: dict[tuple[str, str, str, str, int], Broken] = {}
        checked: dict[tuple[str, str], bool] = {}
        if self._rendered_by is None:
            self._rendered_by = self.rendered_by()
        for tpl_rel, pages in sorted(self._rendered_by.items()):
            tpl = self.templates[tpl_rel]
            for link in tpl.links:
                if not self._evaluable(link):
                    continue
                for page_rel in pages:
                    wanted, only = self._plan(link, page_rel, focus)
                    if not wanted:
                        continue
                    page_doc = _Doc(page_rel, self._data_of)
                    count = 0
                    base: Binding = {"page": page_doc, "site": self._site_vars}
                    for binding in self._bindings(link.loops, base, only):
                        count += 1
                        if count > MAX_BINDINGS:
                            break
                        if any(
                            _truth(cond, binding) is (not wanted)
                            for branch in link.branches
                            for cond, wanted in branch.conditions
                        ):
                            continue
                        rendered = _render(link, binding, self.site)
                        if rendered is None:
                            continue
                        href, used = rendered
                        ok = checked.get((href, page_rel))
                        if ok is None:
                            res = self.site.resolve(href, page_rel, markdown=False)
                            ok = checked[(href, page_rel)] = res.kind != "missing"
                        if ok:
                            continue
                        for path, key, value in used:
                            if focus is not None and path != focus:
                                continue
                            k = (path, key, href, tpl_rel, link.line)
                            if k not in found:
                                found[k] = Broken(path, key, value, href, link, page_rel)
        return list(found.values())


__all__ = ["COMPUTED", "Broken", "BuiltLink", "TemplateLinks", "read_template"]
