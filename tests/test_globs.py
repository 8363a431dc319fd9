"""The lint's glob dialect (config `include`, `exclude`, page types' `match`), and
`glob_any`, which tries a page type's globs on every page of a site in one match."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_lint.discover import glob_any, glob_match


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("_capabilities/*.md", "_capabilities/forecasting.md", True),
        ("_capabilities/*.md", "_capabilities/sub/forecasting.md", False),  # * stays in a folder
        ("**/*.md", "a.md", True),
        ("**/*.md", "a/b/c.md", True),
        ("_pages/**", "_pages/a/b.html", True),
        ("_pages/", "_pages/a/b.html", True),  # a folder: everything under it
        ("_pages/", "_pagesx/a.html", False),
        ("p?.md", "p1.md", True),
        ("p?.md", "p/.md", False),
        ("p[0-2].md", "p2.md", True),
        ("p[0-2].md", "p3.md", False),
        ("p[0-2.md", "p[0-2.md", True),  # an unclosed bracket is a character
        ("a+b(c).md", "a+b(c).md", True),  # regex characters are literal
        ("a+b(c).md", "aab(c).md", False),
    ],
)
def test_the_glob_dialect(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected
    assert glob_any(path, [pattern]) is expected
    assert glob_any(path, ["nothing/*.x", pattern, "nothing/"]) is expected


def test_no_pattern_matches_nothing() -> None:
    assert glob_any("a.md", []) is False
    assert glob_any("a.md", ()) is False


_PATH = st.lists(st.sampled_from(["a", "b", "ab", ".md", "_x", "[", "]", "?"]), min_size=1)
_PATTERN = st.lists(
    st.sampled_from(["a", "b", "*", "**", "**/", "?", "[ab]", "[!a]", "/", ".md", "[", "|", "("]),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(_PATH, min_size=1, max_size=3),
    patterns=st.lists(_PATTERN.map("".join), max_size=4),
)
def test_glob_any_is_any_glob_match(parts: list[list[str]], patterns: list[str]) -> None:
    path = "/".join("".join(p) for p in parts)
    assert glob_any(path, patterns) == any(glob_match(path, p) for p in patterns)
