"""Heading ids exactly as Jekyll's kramdown makes them.

Jekyll converts Markdown with kramdown and the parser its ``_config.yml`` names
(``kramdown: input:``; Jekyll's default and GitHub Pages' is ``GFM``, the
kramdown-parser-gfm gem). The two parsers make ids differently, and a site has
exactly one of them, so a page answers to exactly one id per heading:

GFM (``Kramdown::Parser::GFM#generate_gfm_header_id``, parser time)
    The header's text as parsed (text, code spans, math, entities decoded,
    smart quotes and typographic symbols as their characters; image alt text,
    footnote markers, HTML comments and URLs dropped), downcased by Ruby (per
    code point: no Greek final sigma), every character that is not
    ``\\p{Word}`` (letters, marks, decimal digits, connector punctuation), ``-``,
    space or tab removed, spaces and tabs turned into ``-``. Duplicates get
    ``-1``, ``-2``... counted per generated string (explicit ids do not count).
    An empty result is an empty id, which kramdown does not write out.

kramdown (``Kramdown::Converter::Base#generate_id``, converter time)
    The header's source text (``auto_id_stripping: false``, the default) or
    its text elements only (``auto_id_stripping: true``); leading characters
    up to the first ASCII letter removed, everything but ``a-zA-Z0-9``, space
    and ``-`` removed, spaces to ``-``, ASCII downcase; empty -> ``section``;
    duplicates ``-1``, ``-2``... The GFM parser leaves headers inside HTML
    blocks (``<div markdown="1">``) without ids, so the converter gives those
    this kind of id, from the GFM raw text, with its own counter.

Both prefix ``auto_id_prefix``; ``auto_ids: false`` turns both off. Explicit
``{#id}`` and ``{: #id}`` ids are kept as written and reserve nothing.

Why this module is long (about 1,000 lines) and our own: it is a port of
kramdown's header id algorithm, and an id depends on the header's text *as
kramdown's span parser reads it* (emphasis, code spans, links, HTML spans,
entities, typographic symbols, smart quotes, footnote markers, IALs) and on
which headers kramdown sees at all (inside which HTML blocks). No Python
Markdown library parses spans the way kramdown does; markdown-it-py's tokens
differ exactly where ids differ. The span parser (``_SpanParser``) follows
kramdown's parser step by step so that each part can be checked against the
Ruby source and the real kramdown (tests/oracle/test_heading_ids.py); split
across modules, the parser's shared state and its order would be harder to
compare with the original, not easier.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from finops_lint.parsing import ruby_unicode
from finops_lint.regex import lazy as _lazy

GFM = "gfm"
KRAMDOWN = "kramdown"


@dataclass(frozen=True)
class IdOptions:
    """What decides heading ids: the site's ``kramdown:`` settings."""

    parser: str = GFM  # GFM | KRAMDOWN
    auto_ids: bool = True
    prefix: str = ""
    stripping: bool = False  # auto_id_stripping (the kramdown parser; GFM always strips)
    transliterate: bool = False  # transliterated_header_ids (needs Ruby's stringex)
    paragraph_end: bool = True  # the GFM parser's paragraph_end quirk (its default)
    footnote_prefix: str = ""
    #: kramdown's parse_block_html: Markdown inside block HTML is converted (off:
    #: only in elements with markdown="1")
    parse_block_html: bool = False

    @classmethod
    def from_style(cls, style: str) -> IdOptions:
        return cls(parser=GFM if style.lower() == GFM else KRAMDOWN)

    @classmethod
    def from_jekyll(cls, config: Mapping[str, Any]) -> IdOptions:
        """From a parsed ``_config.yml`` (Jekyll's defaults filled in as Jekyll does)."""
        kd = config.get("kramdown")
        kd = kd if isinstance(kd, Mapping) else {}
        raw_input = kd.get("input", "GFM")
        name = str(raw_input) if raw_input is not None else "kramdown"
        # Jekyll upcases the first letter and looks the class up: "GFM" is the GFM
        # parser; "kramdown", "Kramdown", "markdown" are kramdown's own rules.
        parser = GFM if name[:1].upper() + name[1:] == "GFM" else KRAMDOWN
        quirks = kd.get("gfm_quirks", ["paragraph_end"])
        if isinstance(quirks, str):
            quirks = [q.strip() for q in quirks.split(",")]
        quirk_names = {str(q).strip().lstrip(":") for q in quirks or []}
        return cls(
            parser=parser,
            auto_ids=_ruby_bool(kd.get("auto_ids", True)),
            prefix="" if kd.get("auto_id_prefix") is None else str(kd.get("auto_id_prefix")),
            stripping=_ruby_bool(kd.get("auto_id_stripping", False)),
            transliterate=_ruby_bool(kd.get("transliterated_header_ids", False)),
            paragraph_end="paragraph_end" in quirk_names,
            footnote_prefix=(
                "" if kd.get("footnote_prefix") is None else str(kd.get("footnote_prefix"))
            ),
            parse_block_html=_ruby_bool(kd.get("parse_block_html", False)),
        )


def _ruby_bool(value: Any) -> bool:
    # kramdown's Boolean option parser: true/"true" are true, everything else false.
    return value is True or (isinstance(value, str) and value.strip() == "true")


# --------------------------------------------------------------- Ruby's tables


@lru_cache(maxsize=1)
def _downcase_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for item in ruby_unicode.DOWNCASE.split():
        key, _, value = item.partition(":")
        table[int(key, 16)] = "".join(chr(int(v, 16)) for v in value.split(","))
    return table


def ruby_downcase(text: str) -> str:
    """Ruby's String#downcase: per code point, Ruby's Unicode tables, no final sigma."""
    if text.isascii():
        return text.lower()
    table = _downcase_table()
    return "".join(table.get(ord(c), c) if ord(c) > 0x7F else c.lower() for c in text)


def _ranges(char_class: str) -> tuple[list[int], list[int]]:
    """A generated class body (``\\u0041-\\u005a\\u00aa...``) as sorted (starts, ends).

    Looked up with bisect: compiling the class as a regex costs about 20 ms, more
    than parsing a page, for the few non-ASCII headings a run meets.
    """
    chars = char_class.encode("ascii").decode("unicode_escape")
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        first = ord(chars[i])
        if i + 2 < n and chars[i + 1] == "-":
            starts.append(first)
            ends.append(ord(chars[i + 2]))
            i += 3
        else:
            starts.append(first)
            ends.append(first)
            i += 1
    return starts, ends


@lru_cache(maxsize=2)
def _class_ranges(name: str) -> tuple[list[int], list[int]]:
    return _ranges(getattr(ruby_unicode, name))


def _in_class(name: str, char: str) -> bool:
    starts, ends = _class_ranges(name)
    code = ord(char)
    i = bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


def _is_word(char: str) -> bool:
    """Ruby's /\\p{Word}/ on one character."""
    return _in_class("WORD_CLASS", char)


def _is_alpha(char: str) -> bool:
    """Ruby's /[[:alpha:]]/ (Unicode Alphabetic) on one character."""
    return _in_class("ALPHA_CLASS", char)


@lru_cache(maxsize=1)
def _entities() -> dict[str, int]:
    out: dict[str, int] = {}
    for item in ruby_unicode.ENTITIES.split():
        name, _, cp = item.rpartition(":")
        out[name] = int(cp, 16)
    return out


def entity_char(name: str | None, number: int | None) -> str | None:
    """The character kramdown puts for ``&name;`` or ``&#n;``; None if it has none."""
    if name is not None:
        cp = _entities().get(name)
        return None if cp is None else chr(cp)
    assert number is not None
    number = ruby_unicode.NUMERIC_ENTITIES.get(number, number)
    if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return ""  # Ruby cannot pack it: nothing is added
    return chr(number)


# ------------------------------------------------------------- the id rules


_ASCII_NON_WORD = re.compile(r"[^a-z0-9_\- \t]")


def gfm_base_id(raw_text: str) -> str:
    """``generate_gfm_header_id`` before the counter and prefix."""
    if raw_text.isascii():
        result = _ASCII_NON_WORD.sub("", raw_text.lower())
    else:
        # Ruby's /[^\p{Word}\- \t]/ removed
        result = "".join(c for c in ruby_downcase(raw_text) if c in "- \t" or _is_word(c))
    return result.replace(" ", "-").replace("\t", "-")


_LEADING = re.compile(r"^[^a-zA-Z]+", re.MULTILINE)
_KRAMDOWN_DROP = re.compile(r"[^a-zA-Z0-9 \-]")


def kramdown_base_id(raw_text: str) -> str:
    """``basic_generate_id``: no counter, no prefix, no "section"."""
    gen = _LEADING.sub("", raw_text)
    gen = _KRAMDOWN_DROP.sub("", gen)
    return gen.replace(" ", "-").lower()


# --------------------------------------------------------- header span parse
#
# A port of kramdown's span parser (lib/kramdown/parser/kramdown.rb#parse_spans
# and the span parsers it runs) reduced to what reaches a header's raw text.
# Nodes: ("text"|"code"|"math"|"char", str) or ("el", kind, children) or
# ("leaf", kind). "char" is an entity, smart quote or typographic symbol.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UNAME = r"(?:[^\W\d][-\w.]*:)?[^\W\d][-\w.]*"
_HTML_SPAN_ELEMENTS = _words(
    "a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark "
    "option q rb rbc rp rt rtc ruby samp select small span strong sub sup tt u var"
)
_HTML_BLOCK_ELEMENTS = _words(
    "address article aside applet body blockquote caption col colgroup dd div dl dt fieldset "
    "figcaption footer form h1 h2 h3 h4 h5 h6 header hgroup hr html head iframe legend menu li "
    "main map nav ol optgroup p pre section summary table tbody td th thead tfoot tr ul"
)
_HTML_WITHOUT_BODY = _words(
    "area base br col command embed hr img input keygen link meta param source track wbr"
)
_HTML_RAW_MODEL = _words("script style math option textarea pre code kbd samp var")
_HTML_CONTENT_BLOCK = _words(
    "address applet article aside blockquote body dd details div dl fieldset figure figcaption "
    "footer form header hgroup iframe li main map menu nav noscript object section summary "
    "td"
)
_HTML_CONTENT_SPAN = _words(
    "a abbr acronym b bdo big button cite caption del dfn dt em h1 h2 h3 h4 h5 h6 i ins label "
    "legend optgroup p q rb rbc rp rt rtc ruby select small span strong sub sup th tt"
)
HTML_KNOWN = (
    _HTML_SPAN_ELEMENTS
    | _HTML_BLOCK_ELEMENTS
    | _HTML_WITHOUT_BODY
    | _HTML_RAW_MODEL
    | _HTML_CONTENT_BLOCK
    | _HTML_CONTENT_SPAN
)


_EMPHASIS_START = _lazy(r"\*\*?|__?")
_CODESPAN = _lazy(r"`+")
_AUTOLINK = _lazy(r"<((mailto|https?|ftps?):.+?|[\w.\-]+?@[\w.\-]+?)>")
_HTML_SPAN_START = _lazy(rf"<(?:{_UNAME}|!--|/)")
_HTML_COMMENT = _lazy(r"<!--(.*?)-->", re.DOTALL)
_HTML_TAG = _lazy(
    rf"<((?>{_UNAME}))\s*((?>\s+{_UNAME}(?:\s*=\s*(?:\w+|(\"|').*?\3))?)*)\s*(/)?>", re.DOTALL
)
_HTML_TAG_CLOSE = _lazy(rf"</({_UNAME})\s*>", re.DOTALL)
_FOOTNOTE_MARKER = _lazy(r"\[\^([\w-]+)\]", re.ASCII)  # ALD_ID_NAME
_LINK_START = _lazy(r"!?\[(?=[^^])")
_SMART_QUOTE = _lazy(r"[^\\]?[\"']")
_INLINE_MATH = _lazy(r"\$\$(.*?)\$\$", re.DOTALL)
_SPAN_EXT = _lazy(r"\{:")
_EXT_SPAN = _lazy(  # EXT_START_STR | EXT_STOP_STR % ALD_ID_NAME
    r"\{::(\w+)(?:\s((?:\\\}|[^}])*?)|)(/)?\}|\{:/(\w[\w-]*)?\}", re.ASCII
)
_IAL_SPAN = _lazy(r"\{:((?:\\\}|[^}])+)\}")
_ENTITY = _lazy(r"&([A-Za-z0-9_:][\-A-Za-z0-9_.:]*);|&#(\d+);|&#x([0-9a-fA-F]+);")
_TYPOGRAPHIC = _lazy(r"---|--|\.\.\.|\\<<|\\>>|<< | >>|<<|>>")
_LINE_BREAK = _lazy(r"(  |\\\\)(?=\n)")
_ESCAPED = _lazy(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=-])")
_ESCAPED_GFM = _lazy(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=\-~])")
_STRIKE = _lazy(r"~~(?!\s|~).*?[^\s~]~~", re.DOTALL)
_TYPO_CHARS = {
    "---": "\u2014",
    "--": "\u2013",
    "...": "\u2026",
    "<< ": "\u00ab\u00a0",  # GFM's raw text: a no-break space, not the space written
    " >>": "\u00a0\u00bb",
    "<<": "\u00ab",
    ">>": "\u00bb",
    "\\<<": "<<",
    "\\>>": ">>",
}
_SPAN_START = (  # each span parser's start, in kramdown's order
    r"\*|_|`|<|\[|!?\[|[^\\]?[\"']|\$|\{:|&|--|\.\.\.|(?:\\| )?(?:<<|>>)|(?:  |\\)(?=\n)|\\"
)
_LINK_BRACKET_STOP = _lazy(r"(\])|!?\[")
_LINK_PAREN_STOP = _lazy(r"(\()|(\))|\s(?=['\"])", re.ASCII)
_LINK_INLINE_ID = _lazy(r"\s*?\[([^\]]+)?\]", re.ASCII)
_LINK_INLINE_TITLE = _lazy(r"\s*?([\"'])(.+?)\1\s*?\)", re.DOTALL | re.ASCII)


_SPACE = " \t\n\r\f\v"  # Ruby's \s


def _is_alnum(char: str) -> bool:
    """Ruby's /[[:alnum:]]/: Alphabetic or a decimal digit (Nd, as Python's \\d)."""
    return char.isdecimal() or _is_alpha(char)


def _is_alpha_end(text: str) -> bool:
    """Whether Ruby's /[[:alpha:]]-?[[:alpha:]]*\\z/ matches in text ([[:alpha:]] is
    Unicode Alphabetic: letters, letter numbers and vowel signs, not combining
    accents). [[:alpha:]]* can always match nothing, so it matches exactly when
    text ends with a letter, or with a letter and "-"."""
    if not text:
        return False
    if _is_alpha(text[-1]):
        return True
    return text[-1] == "-" and len(text) > 1 and _is_alpha(text[-2])


class _SpanParser:
    """Parses one header's text into the node tree kramdown builds."""

    def __init__(self, src: str, gfm: bool, link_ids: frozenset[str]) -> None:
        self.s = src
        self.pos = 0
        self.gfm = gfm
        self.link_ids = link_ids
        self.stack: list[tuple[str, list[Any]]] = []  # (kind, children) of open elements
        self.tree: tuple[str, list[Any]] = ("root", [])
        start = _SPAN_START + (r"|~~" if gfm else "")
        self._start = re.compile(f"(?={start})")
        self._stop_cache: dict[str, re.Pattern[str]] = {}
        self._parsers = [
            (_EMPHASIS_START, self._emphasis),
            (_CODESPAN, self._codespan),
            (_AUTOLINK, self._autolink),
            (_HTML_SPAN_START, self._span_html),
            (_FOOTNOTE_MARKER, self._footnote),
            (_LINK_START, self._link),
            (_SMART_QUOTE, self._smart_quote),
            (_INLINE_MATH, self._math),
            (_SPAN_EXT, self._span_ext),
            (_ENTITY, self._entity),
            (_TYPOGRAPHIC, self._typographic),
            (_LINE_BREAK, self._line_break),
            (_ESCAPED_GFM if gfm else _ESCAPED, self._escaped),
        ]
        if gfm:
            self._parsers.append((_STRIKE, self._strike))

    # -- helpers
    def add_text(self, text: str, into: list[Any] | None = None) -> None:
        if not text:
            return
        children = self.tree[1] if into is None else into
        if children and children[-1][0] == "text":
            children[-1] = ("text", children[-1][1] + text)
        else:
            children.append(("text", text))

    def check(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return pattern.match(self.s, self.pos)

    def parse(self) -> list[Any]:
        self.parse_spans(self.tree)
        return self.tree[1]

    def parse_spans(
        self,
        el: tuple[str, list[Any]],
        stop: re.Pattern[str] | None = None,
        accept: Any = None,
        parsers: list[Any] | None = None,
    ) -> bool:
        if self.tree is not el:
            self.stack.append(self.tree)
        outer = self.tree
        self.tree = el
        used = parsers or self._parsers
        if parsers is not None:
            starts = "|".join(p.pattern for p, _ in parsers)
            base = f"(?={starts})"
        else:
            base = self._start.pattern
        if stop is not None:
            key = stop.pattern + "\0" + base
            used_re = self._stop_cache.get(key)
            if used_re is None:
                used_re = re.compile(f"(?={stop.pattern})|{base}")
                self._stop_cache[key] = used_re
        else:
            used_re = re.compile(base) if parsers is not None else self._start
        found = False
        s = self.s
        while self.pos < len(s) and not found:
            m = used_re.search(s, self.pos)
            if m is None:
                if stop is None:
                    self.add_text(s[self.pos :])
                    self.pos = len(s)
                break
            self.add_text(s[self.pos : m.start()])
            self.pos = m.start()
            if stop is not None and stop.match(s, self.pos):
                found = accept() if accept is not None else True
            if found:
                break
            processed = False
            for pattern, method in used:
                if pattern.match(s, self.pos):
                    method()
                    processed = True
                    break
            if not processed and self.pos < len(s):
                self.add_text(s[self.pos])
                self.pos += 1
        self.tree = outer
        if self.stack and self.stack[-1] is outer:
            self.stack.pop()
        return found

    def _in(self, kind: str) -> bool:
        return self.tree[0] == kind or any(t[0] == kind for t in self.stack)

    # -- span parsers
    def _emphasis(self) -> None:
        saved = self.pos
        m = _EMPHASIS_START.match(self.s, self.pos)
        assert m
        result = m.group(0)
        self.pos = m.end()
        element = "strong" if len(result) == 2 else "em"
        kind = result[0]
        if (
            (kind == "_" and _is_alpha_end(self.s[:saved]))
            or (self.pos < len(self.s) and self.s[self.pos] in _SPACE)
            or self._in(element)
        ):
            self.add_text(result)
            return

        def sub_parse(delim: str, elem: str) -> tuple[bool, tuple[str, list[Any]], str]:
            node: tuple[str, list[Any]] = (elem, [])
            stop = re.compile(re.escape(delim))
            double = re.compile(f"{re.escape(delim * 2)}(?!{re.escape(delim)})")

            def alnum_after_delim(s: str, p: int) -> bool:  # /#{delim}[[:alnum:]]/ at p
                after = p + len(delim)
                return s.startswith(delim, p) and after < len(s) and _is_alnum(s[after])

            def accept() -> bool:
                s, p = self.s, self.pos
                return (
                    not (p > 0 and s[p - 1] in _SPACE)
                    and (elem != "em" or not double.match(s, p))
                    and (kind != "_" or not alnum_after_delim(s, p))
                    and bool(node[1])
                )

            return self.parse_spans(node, stop, accept), node, delim

        found, node, delim = sub_parse(result, element)
        if not found and element == "strong" and self.tree[0] != "em":
            self.pos = saved + 1
            found, node, delim = sub_parse(kind, "em")
        if found:
            self.pos += len(delim)
            self.tree[1].append(("el", node[0], node[1]))
        else:
            self.pos = saved + len(result)
            self.add_text(result)

    def _codespan(self) -> None:
        m = _CODESPAN.match(self.s, self.pos)
        assert m
        result = m.group(0)
        simple = len(result) == 1
        before = self.s[: self.pos]
        self.pos = m.end()
        saved = self.pos
        if (
            simple
            and (before == "" or before[-1] in _SPACE)
            and self.pos < len(self.s)
            and self.s[self.pos] in _SPACE
        ):
            self.add_text(result)
            return
        end = self.s.find(result, self.pos)
        if end == -1:
            self.pos = saved
            self.add_text(result)
            return
        text = self.s[self.pos : end]
        self.pos = end + len(result)
        if not simple:
            if text[:1] == " ":
                text = text[1:]
            if text[-1:] == " ":
                text = text[:-1]
        self.tree[1].append(("code", text))

    def _autolink(self) -> None:
        m = _AUTOLINK.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        text = re.sub(r"^mailto:", "", m.group(1))
        self.tree[1].append(("el", "a", [("text", text)]))

    def _span_html(self) -> None:
        s = self.s
        m = _HTML_COMMENT.match(s, self.pos)
        if m:
            self.pos = m.end()
            self.tree[1].append(("leaf", "xml_comment"))
            return
        m = _HTML_TAG_CLOSE.match(s, self.pos)
        if m:
            self.pos = m.end()
            self.add_text(m.group(0))
            return
        m = _HTML_TAG.match(s, self.pos)
        if not m:
            self.add_text(s[self.pos])
            self.pos += 1
            return
        self.pos = m.end()
        name = m.group(1)
        if name.lower() in HTML_KNOWN:
            name = name.lower()
        if name in _HTML_BLOCK_ELEMENTS:
            self.add_text(m.group(0))
            return
        attrs = m.group(2) or ""
        markdown = re.search(r"""\bmarkdown\s*=\s*(?:"([^"]*)"|'([^']*)'|(\w+))""", attrs)
        raw_parent = self.tree[0] == "html:raw"
        do_parsing = not (name in _HTML_RAW_MODEL or raw_parent)  # parse_span_html: true
        if markdown:
            val = next(v for v in markdown.groups() if v is not None)
            if val == "span":
                do_parsing = True
            elif val == "1":
                do_parsing = name not in _HTML_RAW_MODEL
            elif val == "0":
                do_parsing = False
        node: tuple[str, list[Any]] = ("html:span" if do_parsing else "html:raw", [])
        self.tree[1].append(("el", node[0], node[1]))
        if m.group(4) or name in _HTML_WITHOUT_BODY:
            return
        stop = re.compile(f"</{re.escape(name)}\\s*>", re.IGNORECASE if name in HTML_KNOWN else 0)
        parsers = None if do_parsing else [(_HTML_SPAN_START, self._span_html)]
        if self.parse_spans(node, stop, None, parsers):
            end = stop.match(s, self.pos)
            assert end
            self.pos = end.end()
        else:
            self.add_text(s[self.pos :], node[1])
            self.pos = len(s)

    def _footnote(self) -> None:
        m = _FOOTNOTE_MARKER.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        if m.group(1) in self.link_ids_footnotes:
            self.tree[1].append(("leaf", "footnote"))
        else:
            self.add_text(m.group(0))

    link_ids_footnotes: frozenset[str] = frozenset()

    def _link(self) -> None:
        s = self.s
        saved = self.pos
        m = _LINK_START.match(s, self.pos)
        assert m
        result = m.group(0)
        self.pos = m.end()
        cur = self.pos
        kind = "img" if result.startswith("!") else "a"
        if kind == "a" and (self._in("img") or self._in("a")):
            self.add_text(result)
            return
        node: tuple[str, list[Any]] = (kind, [])
        count = [1]

        def accept() -> bool:
            bm = _LINK_BRACKET_STOP.match(s, self.pos)
            assert bm
            count[0] += -1 if bm.group(1) else 1
            # kramdown's `el.children.select { |c| c.type == :img }`: an image inside
            # the brackets consumed its own `]`, so its `![` is not counted
            return count[0] - sum(1 for c in node[1] if c == _IMG) == 0

        if not self.parse_spans(node, _LINK_BRACKET_STOP, accept):
            self.pos = saved + len(result)
            self.add_text(result)
            return
        alt_text = _ESCAPED.sub(r"\1", s[cur : self.pos])
        bm = _LINK_BRACKET_STOP.match(s, self.pos)
        assert bm
        self.pos = bm.end()
        im = _LINK_INLINE_ID.match(s, self.pos)
        if im or not s.startswith("(", self.pos):
            if im:
                self.pos = im.end()
            link_id = _normalize_link_id(im.group(1) if im and im.group(1) else alt_text)
            if link_id in self.link_ids:
                self._add_link(node)
            else:
                self.pos = saved + len(result)
                self.add_text(result)
            return
        am = re.compile(r"\(<(.*?)>").match(s, self.pos)
        if am:
            self.pos = am.end()
            if s.startswith(")", self.pos):
                self.pos += 1
                self._add_link(node)
                return
        else:
            brackets = 0
            while True:
                pm = _LINK_PAREN_STOP.search(s, self.pos)
                if pm is None:
                    break
                self.pos = pm.end()
                if pm.group(2):
                    brackets -= 1
                    if brackets == 0:
                        break
                elif pm.group(1):
                    brackets += 1
                else:
                    break
            if brackets == 0:
                self._add_link(node)
                return
        tm = _LINK_INLINE_TITLE.match(s, self.pos)
        if tm:
            self.pos = tm.end()
            self._add_link(node)
        else:
            self.pos = saved + len(result)
            self.add_text(result)

    def _add_link(self, node: tuple[str, list[Any]]) -> None:
        if node[0] == "img":
            self.tree[1].append(_IMG)
        else:
            self.tree[1].append(("el", "a", node[1]))

    def _smart_quote(self) -> None:
        # The quote becomes a typographic character (never a word character); the
        # character matched before it stays text.
        m = _SMART_QUOTE.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        before = m.group(0)[:-1]
        self.add_text(before)
        self.tree[1].append(("char", "\u2019" if m.group(0)[-1] == "'" else "\u201d"))

    def _math(self) -> None:
        m = _INLINE_MATH.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        self.tree[1].append(("math", m.group(1).strip()))

    def _span_ext(self) -> None:
        s = self.s
        m = _EXT_SPAN.match(s, self.pos)
        if m:
            saved = self.pos
            self.pos = m.end()
            if m.group(4) or m.group(0) == "{:/}":
                self._ext_error(saved)
                return
            name = m.group(1)
            if not m.group(3):  # not self-closing: the body runs to {:/} or {:/name}
                end = re.compile(r"\{:/(" + re.escape(name) + r")?\}").search(s, self.pos)
                if end is None:
                    self._ext_error(saved)
                    return
                self.pos = end.end()
            if name == "comment":
                self.tree[1].append(("leaf", "comment"))
            elif name == "nomarkdown":
                self.tree[1].append(("leaf", "raw"))
            elif name != "options":
                self._ext_error(saved)
            return
        m = _IAL_SPAN.match(s, self.pos)
        if m and self.tree[1] and self.tree[1][-1][0] != "text":
            self.pos = m.end()  # applies to the element before it
            return
        self.add_text(s[self.pos])
        self.pos += 1

    def _ext_error(self, saved: int) -> None:
        self.pos = saved + 1
        self.add_text("{")

    def _entity(self) -> None:
        m = _ENTITY.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        if m.group(1) is not None:
            char = entity_char(m.group(1), None)
            if char is None:  # unknown name: '&' then the rest as text
                self.tree[1].append(("char", "&"))
                self.add_text(m.group(0)[1:])
                return
        elif m.group(2) is not None:
            char = entity_char(None, int(m.group(2)))
        else:
            char = entity_char(None, int(m.group(3), 16))
        self.tree[1].append(("char", char or ""))

    def _typographic(self) -> None:
        m = _TYPOGRAPHIC.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        self.tree[1].append(("char", _TYPO_CHARS[m.group(0)]))

    def _line_break(self) -> None:
        m = _LINE_BREAK.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        self.tree[1].append(("leaf", "br"))

    def _escaped(self) -> None:
        m = (_ESCAPED_GFM if self.gfm else _ESCAPED).match(self.s, self.pos)
        assert m
        self.pos = m.end()
        self.add_text(m.group(1))

    def _strike(self) -> None:
        m = _STRIKE.match(self.s, self.pos)
        assert m
        self.pos = m.end()
        inner = _SpanParser(m.group(0)[2:-2], self.gfm, self.link_ids)
        inner.link_ids_footnotes = self.link_ids_footnotes
        inner.stack = [*self.stack, self.tree]
        inner.tree = ("del", [])
        inner.parse_spans(inner.tree)
        self.tree[1].append(("el", "del", inner.tree[1]))


#: a character (or pair) where some span parser may start; without one, a
#: header's text is one text element
_MARKUP = re.compile(r"[*_`<>\[\"'$&{\\~]|--|\.\.\.|  ")


def _normalize_link_id(text: str) -> str:
    return re.sub(r"\s+", " ", text, flags=re.ASCII).lower()


#: An image in a header's spans: it adds no text to the id.
_IMG = ("leaf", "img")


def parse_header_spans(
    text: str,
    gfm: bool,
    link_ids: frozenset[str] = frozenset(),
    footnotes: frozenset[str] = frozenset(),
) -> list[Any]:
    parser = _SpanParser(text, gfm, link_ids)
    parser.link_ids_footnotes = footnotes
    return parser.parse()


def gfm_raw_text(nodes: list[Any]) -> str:
    """``Parser::GFM#update_raw_text``: text, code, math and characters, recursively."""
    out: list[str] = []
    _flatten(nodes, out, True)
    return "".join(out)


def stripped_raw_text(nodes: list[Any]) -> str:
    """``Parser::Kramdown#update_raw_text``: text elements only, recursively."""
    out: list[str] = []
    _flatten(nodes, out, False)
    return "".join(out)


def _flatten(nodes: list[Any], out: list[str], gfm: bool) -> None:
    for node in nodes:
        kind = node[0]
        if kind == "text":
            out.append(node[1])
        elif kind == "el":
            _flatten(node[2], out, gfm)
        elif gfm and kind in ("code", "math", "char"):
            out.append(node[1])


# ------------------------------------------------------------ header lines
#
# lib/kramdown/parser/kramdown/header.rb (and the GFM parser's ATX variant).

_XML_NAME_START = (
    ":A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_XML_NAME_CHAR = _XML_NAME_START + r"\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"


@lru_cache(maxsize=1)
def _header_id() -> re.Pattern[str]:
    """`{#id}` ending a header: any XML name (REXML's NAME_START_CHAR, NAME_CHAR).
    Compiled on first use (a few ms): most sites never write an explicit id."""
    return re.compile(f"[\\t ]\\{{#([{_XML_NAME_START}][{_XML_NAME_CHAR}]*)\\}}\\Z")


_RUBY_RSTRIP = " \t\n\v\f\r\0"
_KRAMDOWN_CLOSING = re.compile(r"(?<!\\)#+\Z")
_GFM_CLOSING = re.compile(r"[\t ]#+\Z")
ATX_KRAMDOWN = re.compile(r"(#{1,6})[\t ]*([^ \t].*)\Z")
ATX_GFM = re.compile(r"(#{1,6})[\t ]+(.*)\Z")
SETEXT_UNDERLINE = re.compile(r"[-=][-=]*[ \t\r\f\v]*\Z")


def header_contents(contents: str, options: IdOptions, atx: bool) -> tuple[str, str | None]:
    """(text, explicit id) of a header line's contents; text "" when it is no header."""
    text = contents.rstrip(_RUBY_RSTRIP)
    explicit = None
    m = _header_id().search(text) if "{#" in text else None
    if m:
        explicit = m.group(1)
        text = text[: m.start()].rstrip(_RUBY_RSTRIP)
    if atx:
        closing = (
            _GFM_CLOSING if options.parser == GFM and options.paragraph_end else _KRAMDOWN_CLOSING
        )
        cut = closing.sub("", text, count=1)
        if cut != text:
            text = cut.rstrip(_RUBY_RSTRIP)
    return text, explicit


def atx_contents(line: str, options: IdOptions) -> str | None:
    """The contents of an ATX header line (after its #s), None if it is none."""
    pattern = ATX_GFM if options.parser == GFM else ATX_KRAMDOWN
    m = pattern.match(line)
    return m.group(2) if m else None


_IAL_ID = re.compile(r"#([A-Za-z][\w:-]*)", re.ASCII)
IAL_BLOCK_LINE = re.compile(r" {0,3}\{:(?!:|/)((?:\\\}|[^}])+)\}[ \t\r\f\v]*\Z")
_ALD_ANY = _lazy(
    r"(?:\A|\s)(?:(\w[\w-]*)=(\"|')((?:\\\}|\\\2|[^}\2])*?)\2|(\w[\w-]*)|"
    r"((?:#[A-Za-z][\w:-]*|\.[^\s.#]+)+))(?=\s|\Z)",
    re.ASCII,
)


def ial_id(attributes: str) -> str | None:
    """The id a block IAL's attribute list sets (the last one wins), if any."""
    found = None
    for m in _ALD_ANY.finditer(attributes):
        if m.group(1) is not None:
            if m.group(1) == "id":
                found = m.group(3)
        elif m.group(5):
            for part in _IAL_ID.finditer(m.group(5)):
                found = part.group(1)
    return found


# ------------------------------------------------------------ HTML blocks
#
# lib/kramdown/parser/kramdown/html.rb: a block-level tag at the start of a line
# opens an HTML block that runs to its matching end tag, across blank lines. Its
# content is raw HTML (no headers) unless markdown="1"/"block" asks for block
# parsing; then its headers get ids from the converter (see IdGenerator).

_BLOCK_TAG = re.compile(
    rf" {{0,3}}<((?>{_UNAME}))\s*((?>\s+{_UNAME}(?:\s*=\s*(?:\w+|(\"|').*?\3))?)*)\s*(/)?>",
    re.DOTALL,
)
_RAW_TOKEN = _lazy(
    rf"<!--.*?-->|<\?.*?\?>|<((?>{_UNAME}))\s*((?>\s+{_UNAME}(?:\s*=\s*(?:\w+|(\"|').*?\3))?)*)"
    rf"\s*(/)?>|</({_UNAME})\s*>",
    re.DOTALL,
)
_MARKDOWN_ATTR = _lazy(r"""(?:^|\s)markdown\s*=\s*(?:"([^"]*)"|'([^']*)'|(\w+))""")


def _content_model(name: str, attrs: str, parent_raw: bool) -> str:
    m = _MARKDOWN_ATTR.search(attrs)
    model = "raw"  # parse_block_html is off by default
    if m:
        val = next(v for v in m.groups() if v is not None)
        if val == "1":
            model = (
                "block"
                if name in _HTML_CONTENT_BLOCK
                else "span"
                if name in _HTML_CONTENT_SPAN
                else "raw"
            )
        elif val in ("block", "span"):
            model = val
        elif val == "0":
            model = "raw"
    return model


def html_block_regions(
    lines: list[str], skip: set[int], parse_block_html: bool = False
) -> list[tuple[int, int, str]]:
    """(first, last, kind) 0-based line ranges: "raw" (no headers) or "markdown"
    (headers with converter ids), for kramdown's block HTML in these lines.
    ``skip`` holds lines inside code blocks."""
    regions: list[tuple[int, int, str]] = []
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    text = "\n".join(lines) + "\n"

    def line_of(offset: int) -> int:
        from bisect import bisect_right

        return max(0, bisect_right(starts, offset) - 1)

    def raw_until(pos: int, name: str) -> int:
        """Offset after the end tag closing ``name`` (raw HTML parse), or the end."""
        stack = [name]
        for m in _RAW_TOKEN.finditer(text, pos):
            if m.group(1):
                child = m.group(1).lower() if m.group(1).lower() in HTML_KNOWN else m.group(1)
                if m.group(4) or child in _HTML_WITHOUT_BODY:
                    continue
                stack.append(child)
            elif m.group(5):
                close = m.group(5)
                top = stack[-1]
                if (close.lower() if top in HTML_KNOWN else close) == top:
                    stack.pop()
                    if not stack:
                        return m.end()
        return len(text)

    def blocks(i: int, end: int, close: str | None) -> int:
        in_para = False  # an HTML start tag other than a block element continues a paragraph
        close_re = (
            re.compile(f" {{0,3}}</{re.escape(close)}\\s*>", re.IGNORECASE) if close else None
        )
        while i < end:
            line = lines[i]
            if close_re is not None and close_re.match(line):
                return i
            if i in skip:
                in_para = False
                i += 1
                continue
            m = _BLOCK_TAG.match(text, starts[i])
            name = (
                m.group(1).lower()
                if m and m.group(1).lower() in HTML_KNOWN
                else (m.group(1) if m else "")
            )
            if (
                m
                and name not in _HTML_SPAN_ELEMENTS
                and (not in_para or name in _HTML_BLOCK_ELEMENTS)
            ):
                closed = bool(m.group(4)) or name in _HTML_WITHOUT_BODY
                model = _content_model(name, m.group(2) or "", False)
                if model == "raw" and parse_block_html and m.group(2) is not None:
                    model = "block" if name in _HTML_CONTENT_BLOCK else "raw"
                if closed:
                    i = line_of(m.end() - 1) + 1
                    in_para = False
                    continue
                if model == "block":
                    first = line_of(m.end() - 1) + 1
                    j = blocks(first, end, name)
                    regions.append((first, j - 1, "markdown"))
                    i = j + 1
                elif model == "span":
                    e = re.compile(f"</{re.escape(name)}\\s*>", re.IGNORECASE).search(text, m.end())
                    last = line_of((e.end() if e else len(text)) - 1)
                    regions.append((i, last, "raw"))
                    i = last + 1
                else:
                    stop = raw_until(m.end(), name)
                    last = line_of(stop - 1)
                    regions.append((i, last, "raw"))
                    i = last + 1
                in_para = False
                continue
            stripped = line.strip()
            in_para = bool(stripped) and not stripped.startswith(("#", "{:"))
            i += 1
        return end

    if any("<" in line for line in lines):
        blocks(0, len(lines), None)
    return regions


# ------------------------------------------------------------ per document


class IdGenerator:
    """Hands out ids in document order, with both counters kramdown keeps."""

    def __init__(
        self,
        options: IdOptions | str = GFM,
        link_ids: frozenset[str] = frozenset(),
        footnotes: frozenset[str] = frozenset(),
    ) -> None:
        self.options = IdOptions.from_style(options) if isinstance(options, str) else options
        self.link_ids = link_ids
        self.footnotes = footnotes
        self._gfm_counter: dict[str, int] = {}
        self._used_ids: dict[str, int] = {}

    @property
    def style(self) -> str:
        return self.options.parser

    def raw_text(self, header_text: str) -> str:
        """The header's ``raw_text`` option as the configured parser leaves it."""
        opts = self.options
        if opts.parser == KRAMDOWN and not opts.stripping:
            return header_text
        if not _MARKUP.search(header_text):
            return header_text  # nothing any span parser would read: all text
        nodes = parse_header_spans(header_text, opts.parser == GFM, self.link_ids, self.footnotes)
        return gfm_raw_text(nodes) if opts.parser == GFM else stripped_raw_text(nodes)

    def next_id(self, header_text: str, in_html: bool = False) -> str | None:
        """The id of the next header without an explicit id: None when it gets none,
        "" when kramdown writes an empty id (no attribute)."""
        opts = self.options
        if not opts.auto_ids:
            return None
        raw = self.raw_text(header_text)
        if opts.parser == GFM and not in_html:
            result = gfm_base_id(raw)
            count = self._gfm_counter.get(result, -1) + 1
            self._gfm_counter[result] = count
            if count > 0:
                result += f"-{count}"
            return opts.prefix + result
        if opts.transliterate and not raw.isascii():
            return None  # transliterated by Ruby's stringex: not known here
        gen = kramdown_base_id(raw) or "section"
        if gen in self._used_ids:
            self._used_ids[gen] += 1
            gen += f"-{self._used_ids[gen]}"
        else:
            self._used_ids[gen] = 0
        return opts.prefix + gen


_FOOTNOTE_REF = _lazy(r"\[\^(\w[\w-]*)\](:)?", re.ASCII)
_FOOTNOTE_DEF_LINE = _lazy(r"^ {0,3}\[\^(\w[\w-]*)\]:", re.ASCII | re.MULTILINE)


def footnote_ids(text: str, prefix: str = "") -> list[str]:
    """The ids kramdown writes for footnotes (``fn:NAME`` on the note,
    ``fnref:NAME``, ``fnref:NAME:1``... on each reference) in text whose code
    and comments are blanked."""
    if "[^" not in text:
        return []
    defined = set(_FOOTNOTE_DEF_LINE.findall(text))
    ids: list[str] = []
    seen: dict[str, int] = {}
    for m in _FOOTNOTE_REF.finditer(text):
        name = m.group(1)
        if name not in defined or (
            m.group(2) and _FOOTNOTE_DEF_LINE.match(text, _line_start(text, m.start()))
        ):
            continue
        full = prefix + name
        if full in seen:
            seen[full] += 1
            ids.append(f"fnref:{full}:{seen[full]}")
        else:
            seen[full] = 0
            ids += [f"fn:{full}", f"fnref:{full}"]
    return ids


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def fragment_matches(fragment: str, anchors: set[str]) -> bool:
    """Does a link's fragment find one of these ids, as a browser looks it up: the
    href's character references decoded, then the fragment as written or
    percent-decoded (UTF-8), compared case-sensitively."""
    if fragment in anchors:
        return True
    from html import unescape
    from urllib.parse import unquote

    decoded = unescape(fragment) if "&" in fragment else fragment
    return decoded in anchors or unquote(decoded) in anchors


__all__ = [
    "GFM",
    "KRAMDOWN",
    "IdGenerator",
    "IdOptions",
    "fragment_matches",
    "gfm_base_id",
    "gfm_raw_text",
    "kramdown_base_id",
    "parse_header_spans",
    "ruby_downcase",
    "stripped_raw_text",
]
