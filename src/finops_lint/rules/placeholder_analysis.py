"""The placeholder analyser: what PH003, PH004 and PH007 search, and how fast.

No rules here (they are in placeholders.py and front_matter_values.py): the
profile's patterns compiled once with page-level prefilters (a substring test
on ``Document.visible_text_folded``, then one search of ``Document.visible_text``,
before any block-by-block search of ``Document.block_texts``), the position of a
match in the source, and the filler-vocabulary score that recognises generated
lorem-ipsum-style text. Nothing here writes to the Document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from finops_lint import regex
from finops_lint.config import Config
from finops_lint.document import Document
from finops_lint.parsing.markdown import TextBlock
from finops_lint.rules.base import warm_up


@lru_cache(maxsize=32)
def _patterns(items: tuple[str, ...]) -> list[regex.Pattern]:
    out = []
    for item in items:
        try:
            out.append(regex.compile(item, re.IGNORECASE))
        except re.error:
            continue
    return out


#: Constructs that behave differently when blocks are joined by newlines.
_NOT_JOINABLE = ("\\A", "\\Z", "\\z", "(?<", "(?=", "(?!")


@lru_cache(maxsize=32)
def _joined_patterns(items: tuple[str, ...]) -> list[regex.Pattern | None]:
    """Each pattern in multi-line mode, to search a whole page at once (None: cannot)."""
    out: list[regex.Pattern | None] = []
    for p in _patterns(items):
        if any(token in p.pattern for token in _NOT_JOINABLE):
            out.append(None)
        else:
            out.append(regex.compile(p.pattern, re.IGNORECASE | re.MULTILINE))
    return out


@warm_up
def warm_patterns(config: Config) -> None:
    """Compile the configured patterns and their prefilters (before forking workers)."""
    for key in ("text", "unfinished"):
        _prefilters(tuple(config.placeholders.get(key, [])))


_META = set(".^$*+?{}[]()|\\")


@lru_cache(maxsize=256)
def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Case-folded substrings one of which every match of the pattern contains.

    Only the common shapes are read: optional leading \\b or ^ (or a "(?-i:"
    wrapper), then literal characters ("\\blorem ipsum\\b" -> "lorem ipsum") or
    an alternation of literals ("\\b(?:TODO|FIXME):" -> "todo", "fixme").
    Anything else gives None. A substring test on the case-folded page is about
    twenty times faster than Python's regex engine scanning for a pattern that
    starts with \\b.
    """
    i = _skip_anchors(pattern, 0)
    if pattern.startswith("(?-i:", i):
        i = _skip_anchors(pattern, i + 5)
    if pattern.startswith("(?:", i):
        close = pattern.find(")", i)
        if close == -1:
            return None
        options = pattern[i + 3 : close].split("|")
        if pattern[close + 1 : close + 2] in ("?", "*", "{"):
            return None
        found = [_literal_prefix(option, 0) for option in options]
        if any(len(f) != len(o) or not f for f, o in zip(found, options, strict=True)):
            return None
        return tuple(f.casefold() for f in found)
    literal = _literal_prefix(pattern, i).casefold()
    return (literal,) if len(literal) >= 3 else None


def _skip_anchors(pattern: str, i: int) -> int:
    while pattern.startswith(("\\b", "^"), i):
        i += 2 if pattern.startswith("\\b", i) else 1
    return i


def _literal_prefix(pattern: str, i: int) -> str:
    """The run of literal characters at pattern[i:] (unescaped), stopping before any
    regex construct and before a character a quantifier makes optional."""
    out: list[str] = []
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if not nxt or nxt.isalnum():  # \b, \s, \d...: a class or an anchor
                break
            ch, step = nxt, 2
        elif ch in _META:
            break
        else:
            step = 1
        if pattern[i + step : i + step + 1] in ("?", "*", "{"):
            break
        out.append(ch)
        i += step
    return "".join(out)


def page_patterns(doc: Document, items: tuple[str, ...]) -> list[regex.Pattern]:
    """The patterns that can match some block of this page.

    Blocks are single lines once cleaned, so searching them joined by newlines in
    multi-line mode finds every block-level match ('^'/'$' still mean the block's
    start/end): a pattern with no match on the joined page matches no block, and
    the per-block search is skipped. Patterns with lookarounds or \\A/\\Z are
    always searched block by block.
    """
    page, folded = doc.visible_text, doc.visible_text_folded
    return [
        pattern
        for pattern, joined in worth_searching(folded, items)
        if joined is None or search_lines(joined, page, folded)
    ]


def search_lines(joined: regex.Pattern, text: str, folded: str) -> bool:
    """Whether the multi-line pattern matches within one line of text (`folded`: it
    case-folded), searching only the lines that hold a word of each clause of its
    `required_words`: every match does. A whole page holds many of those words, few of
    its lines all of them, and Python's engine scans a case-insensitive pattern that
    starts with \\b character by character (0.7 ms over a long page).

    A line is searched alone (`search(text, start, end)`): '^', '$' and \\b see the
    line's ends as they see a block's. Without words (or when folding changed the
    text's length, so positions differ) the whole text is searched, which may also
    find a match across lines. A pattern that matches only whole short lines
    ('^(?:test|tbd)$', `_line_widths`) is searched in the lines of such a length that
    hold its words: not in every line that says "test" among other words."""
    clauses = required_words(joined.pattern)
    if clauses is None or len(folded) != len(text):
        return joined.search(text) is not None
    widths = _line_widths(joined.pattern)
    if widths is not None and widths[1] <= _SHORT_LINE:
        # Only short lines can match: go through the lines (a page has a few dozen)
        # rather than through its many occurrences of the words ("test", "bar").
        start = 0
        for line in folded.split("\n"):
            stop = start + len(line)
            if (
                widths[0] <= len(line) <= widths[1]
                and has_words(line, clauses)
                and joined.search(text, start, stop)
            ):
                return True
            start = stop + 1
        return False
    # The lines with a word of the clause of fewest words, then the others on each.
    first = min(clauses, key=len)
    others = tuple(c for c in clauses if c is not first)
    starts: set[int] = set()
    for word in first:
        at = folded.find(word)
        while at >= 0:
            start = folded.rfind("\n", 0, at) + 1
            end = folded.find("\n", at)
            if start not in starts:
                starts.add(start)
                line = folded[start:end] if end >= 0 else folded[start:]
                if (
                    has_words(line, others)
                    and joined.search(text, start, len(text) if end < 0 else end) is not None
                ):
                    return True
            at = folded.find(word, end) if end >= 0 else -1
    return False


#: The longest line a whole-line pattern may match for `search_lines` to go through
#: the lines of a page rather than through the occurrences of its words.
_SHORT_LINE = 80


@lru_cache(maxsize=256)
def _line_widths(pattern: str) -> tuple[int, int] | None:
    """For a pattern that starts with '^' and ends with '$', and so matches a line
    searched alone (`search_lines`) only whole: the shortest and longest such a line
    can be (its parsed width). None for any other pattern."""
    try:
        parsed = _sre_parse(pattern)
    except Exception:  # re2-only syntax, or a parser that changed: no bound
        return None
    items = list(parsed)
    if len(items) < 2 or [str(a) for a in items[0]] != ["AT", "AT_BEGINNING"]:
        return None
    if [str(a) for a in items[-1]] != ["AT", "AT_END"]:
        return None
    shortest, longest = parsed.getwidth()
    return int(shortest), int(longest)


def worth_searching(
    folded: str, items: tuple[str, ...]
) -> Iterator[tuple[regex.Pattern, regex.Pattern | None]]:
    """Each pattern (and its multi-line form) whose required literals and words the
    case-folded text holds: a substring test first, much faster than the regex
    engine. Each distinct substring is looked for once (patterns share words:
    "todo", "xxx"), and only where `_prefilters` kept it, the shortest condition
    first: most text holds none of the words, and one missing word settles it."""
    found: dict[str, bool] = {}
    for pattern, joined, conditions in _prefilters(items):
        for condition in conditions:
            for needle in condition:
                known = found.get(needle)
                if known is None:
                    known = found[needle] = needle in folded
                if known:
                    break
            else:  # the text holds no substring of this condition
                break
        else:
            yield pattern, joined


@lru_cache(maxsize=32)
def _prefilters(
    items: tuple[str, ...],
) -> tuple[tuple[regex.Pattern, regex.Pattern | None, tuple[tuple[str, ...], ...]], ...]:
    """Per pattern: it, its multi-line form, and what every match of it holds, as
    conditions (a text that holds none of a condition's substrings cannot match):
    its `required_literals` and the clauses of its `required_words` that the
    literals do not already imply. A clause is implied when every literal holds one
    of its words: a text holding a literal holds that word ("lorem ipsum" holds
    "lorem" and "ipsum"), so testing it again says nothing. In a condition, a
    substring that holds another of it is dropped (a text with "foobar" has "foo");
    the conditions go fewest substrings first."""
    out = []
    for pattern, joined in zip(_patterns(items), _joined_patterns(items), strict=True):
        literals = required_literals(pattern.pattern)
        clauses = required_words(pattern.pattern) or ()
        if literals is not None:
            clauses = tuple(
                clause
                for clause in clauses
                if not all(any(word in literal for word in clause) for literal in literals)
            )
        conditions = [_shortest_needles(c) for c in ((literals,) if literals else ()) + clauses]
        conditions.sort(key=len)  # (stable: ties keep the pattern's order)
        out.append((pattern, joined, tuple(conditions)))
    return tuple(out)


def _shortest_needles(condition: tuple[str, ...]) -> tuple[str, ...]:
    """The substrings of a condition (any one of them must be in the text) without
    those that hold another: when "foobar" is in a text, so is "foo"."""
    unique = tuple(dict.fromkeys(condition))
    return tuple(
        needle
        for needle in unique
        if not any(other != needle and other in needle for other in unique)
    )


def may_match_source(body: str, items: tuple[str, ...], markdown: bool = True) -> bool:
    """False only when no block of a page with this body can match a pattern: some
    word every match of each pattern holds is nowhere in the body (case-folded), or,
    in Markdown, in no stretch of it between blank lines.

    For rules that look at many other pages and need the Markdown of few. The words
    of a block's visible text are in its source unless markup or an entity splits a
    word ("co**ming**", "&#99;oming"): such a page is passed over, so a rule using
    this must treat a page it passed over like a page without the text. No block of
    a Markdown page spans a blank line (a paragraph, a heading, a list item's
    paragraph end there), except HTML blocks that start as `_SPANS_BLANK_LINES`
    (CommonMark's HTML blocks 1 and 3 to 5, `<pre>`, `<?`...): with a line that
    starts one, the whole body counts.
    In a stretch without an HTML block, a bullet list item and an ATX heading start
    a stretch too. A page type's pages often say "need" and "update", seldom in one block.
    """
    clauses = _source_prefilter(items)
    if clauses is None:
        return True
    folded = regex.fold(body)
    hits = [c for c in clauses if has_words(folded, c)]
    if not hits:
        return False
    if not markdown or _SPANS_BLANK_LINES.search(folded) is not None:
        return True
    return any(
        has_words(piece, c)
        for part in _BLANK_LINE.split(folded)
        for piece in _block_starts(part)
        for c in hits
    )


def _block_starts(part: str) -> list[str]:
    """A stretch between blank lines cut before each line that starts a bullet list
    item or an ATX heading (both interrupt a paragraph), and after each such heading
    (one line); whole when a line of it may start an HTML block, which goes on to
    the next blank line whatever its lines look like."""
    if _BLOCK_START.search(part) is None or _HTML_LINE.search(part) is not None:
        return [part]
    out: list[str] = []
    current: list[str] = []
    for line in part.split("\n"):
        match = _BLOCK_START.match(line)
        if match is not None:
            if current:
                out.append("\n".join(current))
            current = [line]
            if match.group(1):  # a heading: its line alone
                out.append(line)
                current = []
        else:
            current.append(line)
    if current:
        out.append("\n".join(current))
    return out


def source_says(body: str, items: tuple[str, ...]) -> bool:
    """Whether a pattern matches a line of the page's body as written (Markdown, not
    its visible text): a guess that a block of it matches, for choosing what to
    compute ahead. Never a finding: markup inside the words hides a match from it,
    one in a code block or a comment is not visible, and a block over several lines
    may hold one that no line does."""
    folded = regex.fold(body)
    return any(
        search_lines(joined, body, folded) if joined is not None else pattern.search(body)
        for pattern, joined in worth_searching(folded, items)
    )


#: A blank line (CommonMark: nothing, or only spaces and tabs).
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
#: The start of a line, after what may open containers (indentation, quote and list
#: markers): where an HTML block starts.
_LINE_START = r"^[ \t>*+\-0-9.)]*"
#: A line that starts an HTML block that may hold blank lines (case-folded).
#: A comment is not one: its text is not visible, but for what follows its end on
#: its last line.
_SPANS_BLANK_LINES = re.compile(
    _LINE_START + r"<(?:pre|script|style|textarea|!(?!--)|\?)", re.MULTILINE
)
#: A line that may start an HTML block.
_HTML_LINE = re.compile(_LINE_START + "<", re.MULTILINE)
#: A line that starts a bullet list item, or an ATX heading (group 1).
_BLOCK_START = re.compile(r" {0,3}(?:[-*+] +[^ ]|(#{1,6})(?:[ \t]|$))", re.MULTILINE)


def has_words(folded: str, clauses: tuple[tuple[str, ...], ...] | None) -> bool:
    """Whether the folded text (`regex.fold`) holds a word of each clause of
    `required_words` (None: no words required)."""
    return clauses is None or all(any(w in folded for w in clause) for clause in clauses)


@lru_cache(maxsize=32)
def _source_prefilter(items: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], ...], ...] | None:
    """Per pattern, its `required_words`; None when some pattern requires none."""
    out = []
    for pattern in _patterns(items):
        clauses = required_words(pattern.pattern)
        if clauses is None:
            return None
        out.append(clauses)
    return tuple(out)


_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=256)
def required_words(pattern: str) -> tuple[tuple[str, ...], ...] | None:
    """What every case-insensitive match of the pattern holds, as clauses of ASCII
    words (lower case): one word of each clause is a substring of the match. None:
    the pattern requires no word (or is not one Python's parser reads).

    "\\bneeds? (?:an )?update\\s*$" -> (("need",), ("update",));
    "\\b(?:TODO|FIXME):" -> (("fixme", "todo"),).
    """
    try:
        parsed = _sre_parse(pattern)
    except Exception:  # re2-only syntax, or a parser that changed: no prefilter
        return None
    clauses = _sequence_words(list(parsed))
    return tuple(clauses) or None


def _sre_parse(pattern: str) -> Any:
    try:
        from re import _parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_parse as _parser
    return _parser.parse(pattern, re.IGNORECASE)


def _sequence_words(items: list[Any]) -> list[tuple[str, ...]]:
    """The clauses of a sequence of parsed items: literal runs give one clause per
    word; a group, a repeat of at least one, or a branch of alternatives that each
    require a word give theirs; anything else requires nothing."""
    clauses: list[tuple[str, ...]] = []
    run: list[str] = []

    def flush() -> None:
        clauses.extend((w,) for w in _WORD.findall("".join(run).lower()))
        run.clear()

    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(arg))
            continue
        flush()
        if name == "SUBPATTERN":
            clauses.extend(_sequence_words(list(arg[-1])))
        elif name == "ATOMIC_GROUP":
            clauses.extend(_sequence_words(list(arg)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and arg[0] >= 1:
            clauses.extend(_sequence_words(list(arg[2])))
        elif name == "BRANCH":
            options = [_sequence_words(list(alt)) for alt in arg[1]]
            if options and all(options):
                clauses.append(tuple(sorted({w for option in options for w in option[0]})))
    flush()
    return clauses


FILLER_THRESHOLD = 5


#: Every byte but a-z as a space: UTF-8 text split at the spaces gives its runs of a-z
#: (a byte of a character beyond ASCII is never one of a-z), as `re.split("[^a-z]+")`
#: gives them, in a third of the time.
_LETTERS_ONLY = bytes(c if 97 <= c <= 122 else 32 for c in range(256))


def letter_runs(text: str) -> list[bytes]:
    """The text's maximal runs of the letters a-z, as ASCII bytes."""
    return text.encode("utf-8", "surrogatepass").translate(_LETTERS_ONLY).split()


@dataclass(frozen=True)
class FillerVocabulary:
    """The profile's `placeholders: {filler-words, filler-phrases}`, case-folded."""

    words: frozenset[str]
    phrases: tuple[str, ...]

    @cached_property
    def _word_bytes(self) -> frozenset[bytes]:
        """The words as `letter_runs` gives them (a word with another character is
        never a run, and is not here)."""
        return frozenset(w.encode() for w in self.words if w.isascii() and w.isalpha())

    def words_in(self, folded: str) -> set[str]:
        """The words that are runs of a-z in the case-folded text."""
        return {w.decode() for w in self._word_bytes.intersection(letter_runs(folded))}

    def score(self, text: str) -> int:
        """How many distinct words or phrases only filler generators use."""
        if len(text) < 40:
            return 0
        lowered = regex.casefold(text)
        found = self.words_in(lowered)
        if len(found) < 2:
            return len(found)
        found.update(p for p in self.phrases if p in lowered)
        return len(found)


def filler_vocabulary(config: Config) -> FillerVocabulary:
    return _vocabulary(
        tuple(config.placeholders.get("filler-words", [])),
        tuple(config.placeholders.get("filler-phrases", [])),
    )


@lru_cache(maxsize=8)
def _vocabulary(words: tuple[str, ...], phrases: tuple[str, ...]) -> FillerVocabulary:
    return FillerVocabulary(
        frozenset(w.strip().casefold() for w in words),
        tuple(dict.fromkeys(" ".join(p.casefold().split()) for p in phrases)),
    )


def page_may_have_filler(doc: Document, filler: FillerVocabulary) -> bool:
    """Whether the page has enough filler vocabulary for any one block to reach the bar."""
    page = doc.visible_text_folded
    words = len(filler.words_in(page))
    if words < 2:
        return False
    return words + sum(p in page for p in filler.phrases) >= FILLER_THRESHOLD


def _block_lines(doc: Document, block: TextBlock) -> list[tuple[int, str]]:
    return [
        (n, doc.lines[n - 1]) for n in range(block.line, min(block.end_line, len(doc.lines)) + 1)
    ]


def locate(doc: Document, block: TextBlock, match_text: str) -> tuple[int, int]:
    needle = match_text.casefold()
    for number, line in _block_lines(doc, block):
        idx = line.casefold().find(needle)
        if idx != -1:
            return number, idx + 1
    line = doc.lines[block.line - 1] if block.line - 1 < len(doc.lines) else ""
    return block.line, len(line) - len(line.lstrip()) + 1


_NOT_WORD_OR_SPACE = re.compile(r"[^\w\s]")


def norm_prose(text: str) -> str:
    return " ".join(_NOT_WORD_OR_SPACE.sub(" ", text.casefold()).split())


_WORD = re.compile(r"\w+")


def first_word(text: str) -> str:
    """The first word of `norm_prose(text)` ("" when it has none), without making the
    rest: its words are the runs of word characters of the case-folded text."""
    found = _WORD.search(text.casefold())
    return "" if found is None else found.group()


def short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def excerpt(text: str, m: Any, limit: int = 70) -> str:
    if m is None or len(text) <= limit:
        return short(text, limit)
    start = max(0, m.start() - 20)
    piece = text[start : start + limit]
    return ("..." if start else "") + piece + ("..." if start + limit < len(text) else "")
