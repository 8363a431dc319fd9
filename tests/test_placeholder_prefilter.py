"""The page-level prefilter of the placeholder rules never hides a match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from finops_lint.config import load_config
from finops_lint.regex import fold
from finops_lint.resources import profile_path
from finops_lint.rules.placeholder_analysis import has_words, required_literals, required_words

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
