"""parsing/plain_yaml reads what PyYAML reads, or declines: compared with PyYAML's
SafeLoader on generated rows (the tricky values YAML 1.1 resolves or refuses) and on
every page of the framework corpus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_lint.parsing.frontmatter import FrontMatter, parse_front_matter, split_front_matter
from finops_lint.parsing.plain_yaml import read_plain_mapping
from finops_lint.parsing.text import decode_page
from tests.corpus import corpus_root

_KEYS = ["title", "a", "b", "_x", "k-1", "Key", "yes", "No", "null", "on", "1", "a b", "a.b"]
_SEPARATORS = [":", ": ", ":  ", " :", ":\t", ":x"]
# fmt: off
_VALUES = [
    "", "x", "hello world", "a  b", "yes", "No", "TRUE", "tRue", "on", "OFF", "y", "n",
    "null", "Null", "NULL", "nULL", "~", "0", "12", "012", "00", "1_0", "1.5", ".5",
    "1e3", "2021-01-01", "1:20", "-1", "+1", "0x1f", ".inf", "a: b", "a:b", "a #c",
    "a#c", "#c", "a # c: d", "'q'", "'it''s'", "'un", "''", "'a' 'b'", "'q' #c", "'q'#c",
    '"q"', '"a\\"b"', '"un', '""', '"q" #c', '"q"#c', '"q" x', '"a: b"', '"#"', "|",
    "|-", ">", "&a x", "*a", "!t x", "!!str 1", "[x]", "{x: y}", "- x", "-x", "@x",
    "`x", "%x", "?x", "? x", ",x", "x\u2028y", "x\x85", "x\ty", "x ", "x  ", "a: ",
    "http://x", "a, b", "x]", "x}", "é", "\u00a0x", "x\u00a0", "\ufeffx", "<<", "=",
    "x:", "a:b:", "x\x7f", "x\x00", "x\r", "R&D", "a*b", "a!b", "50%", "x|y", "x>y",
    "C'est", 'say "hi"', "k: [a", "0o7", "1_000", "2024-02-29", "2023-02-29", "2021-6-3",
    "2021-06-03 10:00", "2021-06-03T10:00:00Z", "0000-01-01", "2021-00-10",
]
# fmt: on
_ROWS = [
    "{key}{sep}{value}",
    "{key}{sep}{value}",
    "{key}{sep}{value}",
    "- {value}",
    "  - {value}",
    "    - {value}",
    "-",
    "-  {value}",
    "  -",
    "# a comment",
    "  # indented comment",
    "",
    "   ",
    "  {value}",
    "  {key}: {value}",
    "---",
    "...",
    "%YAML 1.1",
    "? {key}",
    "\t{key}: {value}",
]


def _typed(value: Any) -> Any:
    """A value with the type of every part, so True and 1 differ."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def agrees_with_pyyaml(
    raw: str, read: Callable[[str], dict[str, Any] | None] = read_plain_mapping
) -> bool:
    """Whether `read` read `raw` (False: it declined); when it did, it read what
    PyYAML's C SafeLoader reads (keys as strings), or the test fails."""
    got = read(raw)
    if got is None:
        return False
    try:
        expected = yaml.load(raw, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise AssertionError(f"read {got!r} where PyYAML fails ({exc}): {raw!r}") from exc
    assert isinstance(expected, dict), repr(raw)
    expected = {str(k): v for k, v in expected.items()}
    assert _typed(got) == _typed(expected), repr(raw)
    return True


#: Front matter of 1 to 8 generated rows, with or without a line break at the end.
_generated = st.builds(
    lambda rows, end: "\n".join(form.format(key=k, sep=s, value=v) for form, k, s, v in rows) + end,
    st.lists(
        st.tuples(
            st.sampled_from(_ROWS),
            st.sampled_from(_KEYS),
            st.sampled_from(_SEPARATORS),
            st.sampled_from(_VALUES),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["", "\n"]),
)


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(raw=_generated)
def test_reads_what_pyyaml_reads_or_declines(raw: str) -> None:
    agrees_with_pyyaml(raw)


def test_reads_the_plain_forms() -> None:
    raw = (
        "# a comment\n"
        "title: Data Analysis\n"
        'logo: "/img/a.svg"  # where\n'
        "quote: 'it''s'\n"
        "order: 2\n"
        "search: true\n"
        "label:\n"
        "tags:\n"
        "  - one\n"
        "  # between\n"
        "  - two words\n"
        "- not an item of tags\n"
    )
    assert read_plain_mapping(raw) is None  # an item at another indent
    data = read_plain_mapping(raw.rsplit("- not", 1)[0])
    assert data == {
        "title": "Data Analysis",
        "logo": "/img/a.svg",
        "quote": "it's",
        "order": 2,
        "search": True,
        "label": None,
        "tags": ["one", "two words"],
    }


def test_declines_what_it_is_not_certain_of() -> None:
    for raw in (
        "a: b: c",
        "a: 1.5",
        "a: 2021-01-01T10:00:00",
        "a: 2021-02-30",
        "a: &x 1",
        "a: |\n  text",
        'a: "un\n  closed"',
        "a: b\n  continued",
        "a:\n  b: c",
        "yes: 1",
        "a:\tb",
        "a: x\u2028y",
        "- a",
        "# only a comment",
        "",
    ):
        assert read_plain_mapping(raw) is None, repr(raw)


def test_agrees_with_pyyaml_on_every_corpus_page() -> None:
    root = corpus_root()
    read = 0
    for path in sorted((root / "finops-framework").rglob("*.md")):
        text, _error = decode_page(path.read_bytes())
        if text is None:
            continue
        fm = split_front_matter(text)
        if not fm.present or fm.unterminated or not fm.raw.strip():
            continue
        got = read_plain_mapping(fm.raw)
        if got is None:
            continue
        read += 1
        parsed = parse_front_matter(text)
        assert parsed.error is None, path
        assert _typed(got) == _typed(parsed.data), path
    assert read >= 150  # most pages' front matter is plain


def test_front_matter_read_without_pyyaml_is_the_same(monkeypatch: Any) -> None:
    """A page's FrontMatter (data, positions, errors) is the same whether its plain
    front matter was read by plain_yaml or by PyYAML."""
    import finops_lint.parsing.frontmatter as frontmatter

    texts = corpus_pages()
    texts += ["---\ntitle: a\ntitle: b\n---\n", "---\nk: 1.5\nl:\n  - x\n---\n"]
    fast = [parse_front_matter(t) for t in texts]
    monkeypatch.setattr(frontmatter, "read_plain_mapping", lambda raw: None)
    slow = [parse_front_matter(t) for t in texts]
    assert_same_front_matter(fast, slow)
    assert sum(a._plain for a in fast) >= 150


def corpus_pages() -> list[str]:
    """The text of every Markdown page of the framework corpus."""
    texts = []
    for path in sorted((corpus_root() / "finops-framework").rglob("*.md")):
        text, _error = decode_page(path.read_bytes())
        if text is not None:
            texts.append(text)
    return texts


def assert_same_front_matter(fast: list[FrontMatter], slow: list[FrontMatter]) -> None:
    """Each pair's data, errors and positions are the same."""
    for a, b in zip(fast, slow, strict=True):
        assert _typed(a.data) == _typed(b.data)
        assert (a.error, a.duplicate_keys, a.not_a_mapping) == (
            b.error,
            b.duplicate_keys,
            b.not_a_mapping,
        )
        assert a.key_positions == b.key_positions
        assert a.value_positions == b.value_positions


def _composed_positions(raw: str, offset: int) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Positions as the composed YAML gives them (front matter's own code path)."""
    import finops_lint.parsing.frontmatter as frontmatter

    fm = frontmatter.FrontMatter(present=True, raw=raw)
    fm._node, fm._offset = frontmatter._compose(raw), offset
    return fm.key_positions, fm.value_positions


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(raw=_generated)
def test_positions_of_plain_front_matter_are_the_composed_ones(raw: str) -> None:
    if read_plain_mapping(raw) is None:
        return
    fm = parse_front_matter(f"---\n{raw}---\n" if raw.endswith("\n") else f"---\n{raw}\n---\n")
    assert fm._plain, repr(raw)
    assert (fm.key_positions, fm.value_positions) == _composed_positions(raw, 2), repr(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "a:\n-\nb: 1\n",
        "a:\n  -\n",
        "a:\n  -  # c\n  - y\n",
        "a: # c\nb: 2\n",
        "a:\n",
        "a:   \n# c\n\nb:   x  # c\n",
        "a:\n- x\n-   'y'\nb:\n",
        'a: "q" # c\nb:\n  - 1\n  - 2024-01-31\n',
    ],
)
def test_positions_of_the_edge_rows(raw: str) -> None:
    assert read_plain_mapping(raw) is not None
    fm = parse_front_matter(f"---\n{raw}---\n")
    assert fm._plain
    assert (fm.key_positions, fm.value_positions) == _composed_positions(raw, 2)
