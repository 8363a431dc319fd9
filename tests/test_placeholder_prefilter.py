"""The page-level prefilter of the placeholder rules never hides a match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from finops_lint.config import load_config
from finops_lint.regex import fold
from finops_lint.resources import profile_path
from finops_lint.rules.placeholder_analysis import (
    has_words,
    required_literals,
    required_words,
    worth_searching,
)

PATTERNS = [
    *load_config(profile_path("finops-framework").parent).placeholders["text"],  # type: ignore[union-attr]
    *load_config(profile_path("finops-framework").parent).placeholders["unfinished"],  # type: ignore[union-attr]
]
WORDS = [
    "lorem",
    "ipsum",
    "TODO",
    "todo:",
    "fixme:",
    "Hello",
    "world",
    "hello,",
    "Title",
    "Here",
    "here",
    "coming",
    "soon",
    "needs",
    "update",
    "(needs update)",
    "insert",
    "under",
    "construction",
    "test",
    "tbd",
    "ſ",
    "K",
    "\u0131",  # dotless i: IGNORECASE matches it as i
    "\u0131nsert",
    "construct\u0131on",
    "T\u0131tle",
    "x",
    "a",
]


def test_literals_of_the_shipped_patterns() -> None:
    assert required_literals(r"\blorem ipsum\b") == ("lorem ipsum",)
    assert required_literals(r"\b(?:TODO|FIXME):") == ("todo", "fixme")
    assert required_literals(r"^hello,? world\b") == ("hello",)
    assert required_literals(r"\bneeds? (?:an )?update\s*$") == ("need",)
    assert required_literals(r"(?:a.b|c)") is None
    assert required_literals(r"^(?:ab|c)?x") is None


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))
def test_a_match_always_contains_a_required_literal(text: str) -> None:
    folded = fold(text)
    for pattern in PATTERNS:
        literals = required_literals(pattern)
        if literals is not None and re.search(pattern, text, re.IGNORECASE | re.MULTILINE):
            assert any(lit in folded for lit in literals), (pattern, text)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))
def test_a_match_always_holds_the_required_words(text: str) -> None:
    folded = fold(text)
    for pattern in PATTERNS:
        if re.search(pattern, text, re.IGNORECASE | re.MULTILINE):
            assert has_words(folded, required_words(pattern)), (pattern, text)


def test_the_shipped_patterns_all_require_words() -> None:
    """Each built-in pattern has a word prefilter (a pattern without one makes every
    page of a type be parsed for PH004's repeated sentences)."""
    assert all(required_words(p) is not None for p in PATTERNS)


_UNFINISHED = tuple(
    load_config(profile_path("finops-framework").parent).placeholders["unfinished"]  # type: ignore[union-attr]
)
_LINES = [
    "Reference of courses coming soon.",
    "coming",
    "soon.",
    "Functional Activity (needs",
    "update)",
    "It needs an update",
    "needs",
    "update",
    "under construction",
    "under",
    "construction here",
    "## Heading (needs update)",
    "#### as someone",
    "* determine what we need",
    "* and how often we update",
    "- coming",
    "  soon",
    "- soon.",
    "- update",
    "* construction",
    "# soon.",
    "## update",
    "2. update",
    "3) soon.",
    "*soon.",
    "-update",
    "1. needs",
    "   update",
    "> coming",
    "> soon",
    ">",
    "| a | needs update |",
    "|---|---|",
    "<div>",
    "</div>",
    "<pre>",
    "</pre>",
    "<!--",
    "-->",
    "```",
    "    indented needs",
    "{% comment %}",
    "{% endcomment %}",
    "Setext",
    "======",
    "",
    "",
    "   ",
]


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_LINES), max_size=10).map("\n".join))
def test_a_page_with_an_unfinished_block_passes_the_source_prefilter(body: str) -> None:
    """`may_match_source` reads the Markdown between blank lines: whatever blocks the
    parser makes of the lines, a block that says the content is unfinished is never
    passed over (no markup splits a word here)."""
    from finops_lint.document import parse_document
    from finops_lint.rules.placeholder_analysis import may_match_source
    from finops_lint.rules.placeholders import _unfinished_blocks

    text = "---\ntitle: T\n---\n" + body + "\n"
    doc = parse_document(text.encode(), "p.md", "p.md")
    if any(True for _ in _unfinished_blocks(doc, _UNFINISHED)):
        assert may_match_source(body + "\n", _UNFINISHED), repr(body)


_HTML_BLOCKS = [
    ("<pre>", "</pre>"),
    ("<script>", "</script>"),
    ("<style>", "</style>"),
    ("<textarea>", "</textarea>"),
    ("<!--", "-->"),
    ("<!--", "--> coming soon."),
    ("<!--", "coming --> soon."),
    ("<?php", "?>"),
    ("<!DOCTYPE x", ">"),
    ("<![CDATA[", "]]>"),
    ("<div>", "</div>"),
    ("<PRE>", "</PRE>"),
]


@settings(max_examples=600, deadline=None, derandomize=True)
@given(
    block=st.sampled_from(_HTML_BLOCKS),
    inner=st.lists(
        st.sampled_from(["coming", "soon.", "", "under", "construction", "  "]), max_size=6
    ),
    same_line=st.booleans(),
    container=st.sampled_from([("", ""), ("- ", "  "), ("> ", "> "), ("1. ", "   "), ("x ", "")]),
)
def test_an_html_block_across_blank_lines_passes_the_source_prefilter(
    block: tuple[str, str], inner: list[str], same_line: bool, container: tuple[str, str]
) -> None:
    """HTML blocks that may hold blank lines (`<pre>`, comments...) count whole, in a
    list item or a quote too."""
    from finops_lint.document import parse_document
    from finops_lint.rules.placeholder_analysis import may_match_source
    from finops_lint.rules.placeholders import _unfinished_blocks

    opener, closer = block
    first, rest = container
    lines = [rest + line if line else line for line in [*inner, closer]]
    body = first + (opener if same_line else opener + "\n" + rest) + "\n".join(lines) + "\n"
    doc = parse_document(("---\ntitle: T\n---\n" + body).encode(), "p.md", "p.md")
    if any(True for _ in _unfinished_blocks(doc, _UNFINISHED)):
        assert may_match_source(body, _UNFINISHED), repr(body)


_NON_LETTERS = re.compile(r"[^a-z]+")


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from("abzAZ09 -_.\t\n'é\u00df\u0131\u212a"),
            st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
        ),
        max_size=60,
    )
)
def test_letter_runs_are_the_runs_of_a_to_z(text: str) -> None:
    """The filler test's bytes split gives the runs `[^a-z]+` splitting gives, on any
    text: non-ASCII letters, lone surrogates, digits and upper case end a run."""
    from finops_lint.rules.placeholder_analysis import letter_runs

    assert [r.decode() for r in letter_runs(text)] == [w for w in _NON_LETTERS.split(text) if w]


def test_filler_words_found_as_before() -> None:
    """`words_in` finds the words a `[^a-z]+` split finds, and only whole runs."""
    from finops_lint.rules.placeholder_analysis import FillerVocabulary

    vocab = FillerVocabulary(frozenset({"lorem", "ipsum", "café", "dolor2", "tacos"}), ())
    text = "lorem-ipsum café dolor2 loremipsum tacosé étacos xtacos"
    assert vocab.words_in(text) == {"lorem", "ipsum", "tacos"}
    assert vocab.words_in(text) == vocab.words.intersection(_NON_LETTERS.split(text))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from([*WORDS, "foo", "bar", "xxx", "summary", "dolor"]), max_size=12))
def test_worth_searching_keeps_what_each_literal_and_word_test_keeps(words: list[str]) -> None:
    """Each substring looked for once, implied clauses dropped: the patterns kept are
    those the plain tests (a required literal, a word of every clause) keep."""
    # one more pattern: a clause ("lorem") that one literal holds and another not
    items = (*PATTERNS, r"(?:lorem|dolor)\w* lorem")
    folded = fold(" ".join(words))

    def plain(pattern: str) -> bool:
        literals = required_literals(pattern)
        if literals is not None and not any(lit in folded for lit in literals):
            return False
        return has_words(folded, required_words(pattern))

    kept = [p.pattern for p, _joined in worth_searching(folded, items)]
    assert kept == [p for p in items if plain(p)]


#: Patterns that match whole lines only (`search_lines` goes through the short lines).
WHOLE_LINE = [
    r"^(?:test|foo|bar|tbd|x)[.!]?$",
    r"^(?:hello|title) here$",
    r"^x$",
    r"^(?:lorem ipsum|todo)\s*$",
    r"^a+$",  # unbounded: words' occurrences, as before
]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.lists(
        st.lists(st.sampled_from([*WORDS, "", " ", "."]), max_size=4).map(" ".join), max_size=8
    )
)
def test_search_lines_finds_what_a_search_of_each_line_finds(lines: list[str]) -> None:
    """A page's lines (one a block) searched by `search_lines` match exactly when one
    line searched alone does, for every shipped pattern and whole-line ones."""
    from finops_lint.rules.placeholder_analysis import search_lines

    text = "\n".join(lines)
    folded = fold(text)
    for pattern in [*PATTERNS, *WHOLE_LINE]:
        joined = re.compile(pattern, re.IGNORECASE | re.MULTILINE)
        alone = any(joined.search(line) for line in lines)
        if len(folded) == len(text):  # (else the whole text is searched, across lines)
            assert search_lines(joined, text, folded) == alone, (pattern, lines)
