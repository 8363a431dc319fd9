"""Fast paths give what the plain version they replaced gave, on any text:
`plain_text` (substring tests before each regex, str.replace for the emphasis
markers, the unrolled link pattern), LK012's bracket scan (a regex for the
brackets and escapes instead of a loop over every character) and the patterns that
match their first character before looking behind it."""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from finops_lint.discover import plain_rel
from finops_lint.parsing.tables import plain_text

_HTML_TAG = re.compile(r"<[^<>]+>")
_LINK = re.compile(r"!?\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_REF_LINK = re.compile(r"!?\[([^\[\]]*)\]\[[^\[\]]*\]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~|`)")


def _reference(raw: str) -> str:
    """plain_text as it was written first: every regex on every text."""
    text = re.sub(r"<br\s*/?>", " ", raw, flags=re.IGNORECASE)
    text = _HTML_TAG.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = text.replace("\\|", "|")
    return " ".join(text.split())


_MARKUP = st.text(alphabet=st.sampled_from("[]()*_~`<>!|\\ a/b\n\u00a0é"), max_size=40)
_PIECES = st.sampled_from(
    [
        "[a](b)",
        "[a](b(c)d)",
        "![i](x.png)",
        "[r][id]",
        "[a]",
        "](",
        "][",
        "~~s~~",
        "**b**",
        "_e_",
        "`c`",
        "<br/>",
        "<b>x</b>",
        "\\|",
        "~*~",
        "~~~",
        " ",
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(_MARKUP, _PIECES), max_size=8).map("".join))
def test_plain_text_as_the_reference(raw: str) -> None:
    assert plain_text(raw) == _reference(raw)


def test_plain_text_examples() -> None:
    assert plain_text("See [the **guide**](/g/(v2)) and [x][y] ~~old~~ `code`") == (
        "See the guide and x old code"
    )
    assert plain_text("~*~") == "~~"  # "~~" is found before "*" goes
    assert plain_text("a <br> b\\|c") == "a b|c"


def _unopened_reference(line: str, depth: int = 0) -> tuple[int | None, int]:
    """LK012's bracket scan as a loop over every character."""
    found = None
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            if depth:
                depth -= 1
            elif found is None and re.match(r"\]\((?:https?://|mailto:|/|\.\.?/|#)", line[i:]):
                found = i
        i += 1
    return found, depth


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from("[]()\\ a/#.:\n"), max_size=12),
            st.sampled_from(["](/x)", "](https://a)", "](mailto:a)", "](../a)", "](#b)", "\\]"]),
        ),
        max_size=8,
    ).map("".join),
    st.integers(min_value=0, max_value=2),
)
def test_unopened_bracket_as_the_loop(line: str, depth: int) -> None:
    from finops_lint.rules.rendering import _unopened_bracket

    assert _unopened_bracket(line, depth) == _unopened_reference(line, depth)


def _pairs_reference(text: str) -> dict[int, int]:
    """Link text brackets paired with every '[', ']', line ending and escape read."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in re.finditer(r"\\[\s\S]|[\[\]\n]", text):
        j = m.start()
        ch = text[j]
        if ch == "[":
            stack.append(j)
        elif ch == "]":
            if stack:
                pairs[stack.pop()] = j
        elif ch == "\n" and stack:
            k = j + 1
            while k < len(text) and text[k] in " \t":
                k += 1
            if k >= len(text) or text[k] == "\n":
                stack.clear()
    return pairs


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from("[]\\\n \ta"), max_size=40))
def test_bracket_pairs_as_every_event_read(text: str) -> None:
    from finops_lint.parsing.links import _bracket_pairs

    assert _bracket_pairs(text) == _pairs_reference(text)


def _visible_reference(doc, block) -> str:  # type: ignore[no-untyped-def]
    """A block's visible text with every line's markers removed by the regex and the
    whitespace collapsed at the end, as first written."""
    from finops_lint.document import _BLOCK_MARKERS, _HEADING_TAIL
    from finops_lint.parsing.links import strip_liquid

    if block.kind == "html" and not doc.is_markdown:
        text = block.text
    else:
        lines = doc.visible_lines(block.line, block.end_line)
        text = plain_text(" ".join(_BLOCK_MARKERS.sub("", ln, count=1) for ln in lines))
        if block.kind == "heading":
            text = _HEADING_TAIL.sub("", text).strip()
    if "{" in text:
        text = strip_liquid(text)
    return " ".join(text.split())


_LINES = st.sampled_from(
    [
        "# Title",
        "## Title ##",
        "### Head {#id}",
        "Para text",
        "  indented",
        "> quote",
        "> > - nested",
        "- item",
        "* item",
        "1. first",
        "12) second",
        "",
        "\u00a0nbsp",
        "text {{ page.x }}",
        "{% if x %}y{% endif %}",
        "Title\n===",
        "`code` *em*",
        "<div>html</div>",
        "| a | b |\n|---|---|\n| c | d |",
        "\u2003em space",
        "9lives",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, min_size=1, max_size=8).map("\n".join))
def test_block_texts_as_the_reference(body: str) -> None:
    from finops_lint.document import parse_document

    doc = parse_document(body.encode(), "page.md", "page.md")
    assert doc.block_texts == [_visible_reference(doc, b) for b in doc.blocks]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("<hH1 >/a\u0127\u210c"), max_size=12))
def test_h1_tag_test_as_the_search(text: str) -> None:
    from finops_lint.rules.page_shell import _H1, _has_h1_tag

    assert _has_h1_tag(text) == (_H1.search(text) is not None)


def _text_values_reference(data, path=()):  # type: ignore[no-untyped-def]
    """Every string value under data, by a generator per value, as first written."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _text_values_reference(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _text_values_reference(value, (*path, index))


_YAML_VALUES = st.recursive(
    st.one_of(st.text(max_size=5), st.integers(), st.none(), st.booleans()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_YAML_VALUES)
def test_text_values_as_the_generator(data: object) -> None:
    from finops_lint.rules.front_matter_values import _is_title_key, text_values

    found = text_values(data)
    assert found == list(_text_values_reference(data))
    for path, _value in found:
        last = next((p for p in reversed(path) if isinstance(p, str)), "")
        assert _is_title_key(path) == (last in ("title", "name") or last.endswith("-title"))


#: Mostly values with nothing to collapse, or one space too many somewhere.
_VALUE_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(["a", " "]), max_size=5),
    st.text(
        alphabet=st.sampled_from(["a", " ", "\n", "\t", "\x85", "\u2028", "/", "{", "%", ":", "é"]),
        max_size=8,
    ),
)
_FRONT_MATTER = st.dictionaries(
    st.sampled_from(["title", "layout", "description", "finops-lint-x", "url", "items"]),
    st.one_of(
        _VALUE_TEXT,
        st.recursive(
            st.one_of(_VALUE_TEXT, st.integers(), st.none()),
            lambda inner: st.one_of(
                st.lists(inner, max_size=3),
                st.dictionaries(st.sampled_from(["title", "url", "text"]), inner, max_size=3),
            ),
            max_leaves=8,
        ),
    ),
    max_size=6,
)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(_FRONT_MATTER, st.dictionaries(st.sampled_from(["title", "description"]), _VALUE_TEXT))
@example({"title": "a ", "description": "b"}, {})
@example({"title": "a", "description": " b"}, {})
@example({"title": "a", "items": ["b "]}, {"title": "a"})
def test_front_matter_text_values_as_collapsed_one_by_one(
    data: dict[str, Any], template: dict[str, str]
) -> None:
    """PH007's values (`_read_values`: the collapse tested on them all joined, the
    filters written out) are those each value collapsed and tested alone gives."""
    from finops_lint.parsing.tables import collapse_spaces
    from finops_lint.rules.front_matter_values import _NOT_TEXT_KEYS, _read_values, text_values

    expected = []
    for key, raw in data.items():
        if key in _NOT_TEXT_KEYS or key.startswith("finops-lint"):
            continue
        for path, text in text_values(raw, (key,)):
            value = collapse_spaces(text)
            readable = value and "://" not in value and not value.startswith(("/", "{{", "{%"))
            if readable and (len(path) > 1 or template.get(key) != value):
                expected.append((path, value))
    assert _read_values(data, template) == expected


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(" a\t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2003\u2028\u202f\u3000\u200b"),
            st.characters(),
        ),
        max_size=12,
    )
)
def test_collapse_spaces_as_split_and_join(text: str) -> None:
    from finops_lint.parsing.tables import collapse_spaces

    assert collapse_spaces(text) == " ".join(text.split())


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    text=st.text(alphabet=st.sampled_from(["a", " ", "\n", "\r", "\t", "é", "\u2028", "𝒳"])),
    cut=st.tuples(st.integers(0, 40), st.integers(0, 40)),
)
def test_blank_as_the_regex(text: str, cut: tuple[int, int]) -> None:
    """masking.blank turns what re's `[^\\n]+` matches into spaces, and nothing else."""
    from finops_lint.parsing.masking import blank

    start, end = min(cut), max(cut)
    expected = re.sub(r"[^\n]+", lambda m: " " * len(m.group()), text[start:end])
    assert blank(text, start, end) == expected


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    parts=st.lists(st.sampled_from(["a", "b", "..", ".", "c d", "é"]), min_size=1, max_size=5),
    absolute=st.booleans(),
)
def test_display_with_the_folder_as_without(parts: list[str], absolute: bool) -> None:
    """discover.display(path, cwd) is relpath(path) when cwd is the current folder."""
    import os
    from pathlib import Path

    from finops_lint.discover import display

    path = Path(*(["/", *parts] if absolute else parts))
    assert display(path, os.getcwd()) == display(path) == os.path.relpath(path)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from("|\\`a \t:-é"), max_size=30))
def test_table_row_split_as_markdown_it(row: str) -> None:
    """The table rule's row splitter after `_parser()` gives what markdown-it-py's own
    `escapedSplit` gives, for rows with and without backslashes."""
    import sys

    from finops_lint.parsing.markdown import _parser

    _parser()
    split = sys.modules["markdown_it.rules_block.table"].escapedSplit
    assert getattr(split, "fast_path", False)
    assert split(row) == split.original(row)  # type: ignore[attr-defined]


_LINE_WORDS = st.sampled_from(
    [
        "need",
        "needs",
        "an",
        "update",
        "Update",
        "Title",
        "Here",
        "here",
        "goes",
        "coming",
        "soon",
        "TODO",
        "todo:",
        "lorem",
        "ipsum",
        "(",
        ")",
        ":",
        " ",
        "  ",
        "\n",
        "\n\n",
        "ß",
        "İ",
        "ı",
        "é",
        "x",
        "text",
    ]
)


@settings(max_examples=1500, deadline=None)
@example("( needs update \n )", "unfinished")  # a match from a line on to the next
@example("İ\nneeds update", "unfinished")  # folding makes the text longer
@example("needs  update\n\ud800 coming  soon", "user")  # a lone surrogate, for RE2
@example("( needs update \n )", "user")
@given(
    st.lists(_LINE_WORDS, max_size=30).map(" ".join),
    st.sampled_from(["text", "unfinished", "user"]),
)
def test_searching_the_lines_with_the_words_finds_what_each_line_alone_does(
    text: str, kind: str
) -> None:
    """`search_lines` (only the lines holding a word of each clause) says what a search
    of each line alone says: the blocks PH003 and PH004 search are lines of the page's
    visible text. When folding changes the text's length it searches the whole text."""
    from pathlib import Path

    from finops_lint.config import DEFAULT_PROFILE, load_config
    from finops_lint.regex import fold
    from finops_lint.resources import profile_path
    from finops_lint.rules.placeholder_analysis import _joined_patterns, search_lines

    config = load_config(Path.cwd(), profile_path(DEFAULT_PROFILE))
    # a user's patterns (not shipped with finops-lint) run on RE2
    user = (
        r"\bneeds?  ?(?:an )?update\s*$",
        r"\bcoming +soon\b",
        r"^(?:here|text)\b",
        r"\( *needs? +update\s*\)",
    )
    items = user if kind == "user" else tuple(config.placeholders[kind])
    folded = fold(text)
    joined_patterns = _joined_patterns(items)
    assert kind != "user" or all(type(p).__name__ == "Re2Pattern" for p in joined_patterns)
    for joined in joined_patterns:
        if joined is None:
            continue
        if len(folded) == len(text):
            expected = any(joined.search(line) for line in text.split("\n"))
        else:
            expected = joined.search(text) is not None
        assert search_lines(joined, text, folded) == expected, joined.pattern


@settings(max_examples=3000, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from(["\n", "\t", "\x85", "\u2028", "\u2029", "\ufeff", "\xa0", "\xad"]),
            st.sampled_from(["\ufffe", "\uffff", "\x7f", "\x9f", "\ue000", "\U0001f600", "\ud800"]),
        ),
        max_size=20,
    )
)
def test_characters_ok_as_its_expression(raw: str) -> None:
    """`characters_ok` (a printable text at once) says what its expression says."""
    from finops_lint.parsing.plain_yaml import _OTHER_CHARACTER, characters_ok

    assert characters_ok(raw) == (_OTHER_CHARACTER.search(raw) is None)


#: Lines that make lists and their neighbours: items of each marker with 0-5 spaces,
#: indented items, every kind of first character, trailing and Unicode spaces, tabs,
#: blank and whitespace-only lines, continuation lines, rules, headings, fences...
_LIST_LINES = st.one_of(
    st.builds(
        lambda indent, marker, spaces, head, rest, tail: (
            f"{indent}{marker}{spaces}{head}{rest}{tail}"
        ),
        st.sampled_from(["", "", "", " ", "  ", "   ", "    ", "\t"]),
        st.sampled_from(["-", "-", "*", "+", "1.", "2)"]),
        st.sampled_from(["", " ", " ", "  ", "    ", "     ", "\t", " \t"]),
        st.sampled_from(
            [*"aZ3é[(\"'!{&$@%^:;,.?/\\#><|=`~*_-+ \t", "**", "__", "```", "~~~", "1.", "22)"]
        ),
        st.sampled_from(["", "x", " text", "*", " - x", "**", "- -", ":", " |"]),
        st.sampled_from(["", "", " ", "  ", "\t", "\u00a0", "\u2003", "\u200b"]),
    ),
    st.sampled_from(
        [
            "",
            "",
            " ",
            "\t",
            "text",
            "  more",
            "   indented",
            "    code",
            "---",
            "***",
            "- - -",
            "===",
            "# Heading",
            "> quote",
            "```",
            "<div>",
            "| a | b |",
            "|---|---|",
            "**Note**",
            "1. one",
        ]
    ),
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_LIST_LINES, min_size=1, max_size=12), st.booleans())
@example(["- a", "- b", "", "- c"], True)
@example(["* a", "- b", "+ c"], True)
@example(["- a", "", "**Note**"], False)
@example(["- a", "", "  b"], True)
@example(["- a", "b"], True)
@example(["- \t"], False)
@example(["- a", "-  \t"], True)
def test_simple_lists_give_the_list_rules_tokens(lines: list[str], last_newline: bool) -> None:
    """`simple_bullet_list` gives the tokens markdown-it's list rule gives, or declines:
    the parser with it and without it agree on any text made of list-like lines."""
    from finops_lint.parsing.markdown import _BlockOnly

    text = "\n".join(lines) + ("\n" if last_newline else "")
    fast, slow = _BlockOnly(), _BlockOnly(fast_rules=False)
    assert [t.as_dict() for t in fast.parse(text)] == [t.as_dict() for t in slow.parse(text)]


def test_simple_lists_give_the_list_rules_tokens_for_every_first_character() -> None:
    """Every first character of an item's text (and what may follow it), after one to
    five spaces, with every kind of end, in a two-item list: the same tokens."""
    from finops_lint.parsing.markdown import _BlockOnly

    fast, slow = _BlockOnly(), _BlockOnly(fast_rules=False)
    heads = [*"aZ3é[(\"'!{&$@%^:;,.?/\\#><|=`~*_-+", "**", "__", "```", "~~~", "1.", "22)"]
    rests = ["", "x", " text", "*", " - x", "**", "- -", ":", " |", "`", "~~"]
    texts = [
        f"{marker}{spaces}{head}{rest}\n{marker} b\n"
        for marker in "-*+"
        for spaces in (" ", "    ", "     ")
        for head in heads
        for rest in rests
    ]
    texts += [f"- a{tail}\n- b{tail}" for tail in (" ", "\t", "\u00a0", "\u2003", "\u200b", "\f")]
    for text in texts:
        assert [t.as_dict() for t in fast.parse(text)] == [t.as_dict() for t in slow.parse(text)], (
            text
        )


def _counting(rule: Any, before: str) -> tuple[Any, list[int]]:
    """A parser without the fast rules but `rule`, placed before the rule named
    `before`, and the list of the lines at which it took a block."""
    from finops_lint.parsing.markdown import _BlockOnly

    taken: list[int] = []

    def counting(state, start, end, silent):  # type: ignore[no-untyped-def]
        took = rule(state, start, end, silent)
        if took:
            taken.append(start)
        return took

    parser = _BlockOnly(fast_rules=False)
    parser.block.ruler.before(before, "counting", counting)
    return parser, taken


def test_simple_lists_are_taken() -> None:
    """The rule takes the lists it is for (the test above would pass if it took none)
    and declines the others."""
    from finops_lint.parsing import simple_lists
    from finops_lint.parsing.markdown import _BlockOnly, same_tokens

    parser, taken = _counting(simple_lists.simple_bullet_list, before="list")
    parser.parse(simple_lists.PROBE)
    assert taken == [2, 6, 11]  # (the list at line 12 has an item of two lines)
    for declined in ("- a\n  - b\n", "- a\nlazy\n", "- # heading\n", "> - quoted\n", "1. one\n"):
        taken.clear()
        parser.parse(declined)
        assert taken == [], declined
    assert same_tokens(_BlockOnly().parse, _BlockOnly(fast_rules=False).parse)
    # a parser with task lists on: items with a checkbox are the list rule's
    fast, slow = _BlockOnly(), _BlockOnly(fast_rules=False)
    fast.options["tasklists"] = slow.options["tasklists"] = True
    text = "- [ ] a\n- [x] b\n- c\n"
    assert [t.as_dict() for t in fast.parse(text)] == [t.as_dict() for t in slow.parse(text)]
    assert any(t.meta for t in slow.parse(text))  # (the option is read)


def test_tokens_made_directly_only_for_the_token_fields_known(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A markdown-it-py whose `Token` has other fields keeps its own `StateBlock`."""
    from markdown_it.rules_block.state_block import StateBlock

    from finops_lint.parsing import block_state

    block_state.state_class.cache_clear()
    try:
        assert block_state.state_class() is not StateBlock
        monkeypatch.setattr(block_state, "_FIELDS", (*block_state._FIELDS, "new_field"))
        block_state.state_class.cache_clear()
        assert block_state.state_class() is StateBlock
    finally:
        monkeypatch.undo()
        block_state.state_class.cache_clear()


def test_the_probe_tells_a_list_rule_that_differs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`same_tokens` is False when the fast rule's tokens differ in one field (the
    parser then keeps markdown-it's own list rule)."""
    from finops_lint.parsing import simple_lists
    from finops_lint.parsing.markdown import _BlockOnly, same_tokens

    emit = simple_lists._emit

    def loose_always(state, marker, items, after, loose):  # type: ignore[no-untyped-def]
        emit(state, marker, items, after, True)

    monkeypatch.setattr(simple_lists, "_emit", loose_always)
    assert not same_tokens(_BlockOnly().parse, _BlockOnly(fast_rules=False).parse)


_PARAGRAPH_LINES = st.one_of(
    st.builds(
        lambda indent, head, rest, tail: f"{indent}{head}{rest}{tail}",
        st.sampled_from(["", "", "", " ", "   ", "    ", "\t", " \t"]),
        st.sampled_from(
            [
                *"aZ3é[(\"'!{&$@%^:;,.?/\\#><|=`~*_-+ \t",
                *["**", "__", "```", "~~~", "1.", "22)", "---", "===", "- ", "* ", ": "],
            ]
        ),
        st.sampled_from(["", "x", " text", "*", " - x", "**", "- -", ":", " |", "|b", "=="]),
        st.sampled_from(["", "", " ", "  ", "\t", "\u00a0", "\u2003", "\u200b", "\f"]),
    ),
    st.sampled_from(
        [
            *["", "", " ", "\t", "text", "  more", "    code", "---", "***", "===", "- item"],
            *["# Heading", "> quote", "```", "<div>", "| a | b |", "|---|---|", "--- | ---"],
            *[":--|--:", "a | b", "[a]: /b", "1. one", "Term", ": definition", "{: .note}"],
        ]
    ),
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PARAGRAPH_LINES, min_size=1, max_size=10), st.booleans())
@example(["Name | Value", "--- | ---"], True)
@example(["a", ":--|--:"], False)
@example(["Title", "==="], True)
@example(["text", "- item"], True)
@example(["text ", "more\u00a0"], False)
@example(["  text", "    lazy", "end"], True)
def test_simple_paragraphs_give_the_paragraph_rules_tokens(
    lines: list[str], last_newline: bool
) -> None:
    """`simple_paragraph` gives the tokens markdown-it's rules give, or declines: the
    parser with the fast rules and without them agree on any text of such lines."""
    from finops_lint.parsing.markdown import _BlockOnly

    text = "\n".join(lines) + ("\n" if last_newline else "")
    fast, slow = _BlockOnly(), _BlockOnly(fast_rules=False)
    assert [t.as_dict() for t in fast.parse(text)] == [t.as_dict() for t in slow.parse(text)]


def test_simple_paragraphs_give_the_same_tokens_for_every_first_character() -> None:
    """Every first character of a first line and of a next line, with what may follow
    it, indented or not, before a blank line, another line or the end: the same tokens."""
    from finops_lint.parsing.markdown import _BlockOnly

    fast, slow = _BlockOnly(), _BlockOnly(fast_rules=False)
    heads = [*"aZ3é[(\"'!{&$@%^:;,.?/\\#><|=`~*_-+", "**", "__", "```", "~~~", "1.", "22)"]
    rests = ["", "x", " text", "*", " - x", "**", "- -", ":", " |", "`", "~~", "|--"]
    lines = [
        f"{indent}{head}{rest}" for indent in ("", "  ", "    ") for head in heads for rest in rests
    ]
    for line in lines:
        for text in (f"{line}\n", f"Text\n{line}\n", f"{line}\nnext\n\nafter", f"Text\n{line}"):
            assert [t.as_dict() for t in fast.parse(text)] == [
                t.as_dict() for t in slow.parse(text)
            ], text


def test_simple_paragraphs_are_taken() -> None:
    """The rule takes the paragraphs it is for (the tests above would pass if it took
    none), and declines the others and anything not at the top level."""
    from finops_lint.parsing import simple_paragraphs
    from finops_lint.parsing.markdown import _BlockOnly, same_tokens

    parser, taken = _counting(simple_paragraphs.simple_paragraph, before="table")
    parser.parse(simple_paragraphs.PROBE)
    # the definition line is a paragraph here (the reference rule is off); the
    # paragraph at 13 ends its third line with a no-break space
    assert taken == [0, 11, 18]
    for declined in ("> quoted\n", "- item\n  text\n", "a | b\n--|--\n", "A\n===\n", "#x\n"):
        taken.clear()
        parser.parse(declined)
        assert taken == [], declined
    assert same_tokens(_BlockOnly().parse, _BlockOnly(fast_rules=False).parse)


def test_the_probe_tells_a_paragraph_rule_that_differs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`same_tokens` is False when the paragraph rule's tokens differ in one field (the
    parser then keeps markdown-it's own rules)."""
    from finops_lint.parsing import simple_paragraphs
    from finops_lint.parsing.markdown import _BlockOnly, same_tokens

    rule = simple_paragraphs.simple_paragraph

    def one_line_longer(state, start, end, silent):  # type: ignore[no-untyped-def]
        took = rule(state, start, end, silent)
        if took:
            state.tokens[-3].map = [start, state.line + 1]
        return took

    monkeypatch.setattr(simple_paragraphs, "simple_paragraph", one_line_longer)
    assert not same_tokens(_BlockOnly().parse, _BlockOnly(fast_rules=False).parse)


_PATH_PARTS = ["a", "b.md", "site", ".", "..", "", "x y", "é", ".hidden"]


def test_display_paths_are_relpaths_and_back() -> None:
    """`Workspace.display_path` shows a site path as `os.path.relpath` from the current
    folder does (without asking relpath for plain paths under it), and
    `rel_of_shown` takes a shown path back to the site path that shows so: every path
    of up to three parts (plain, "." and "..", empty, a leading "/" or "./", a
    trailing "/"), from the root, above it, inside it and beside it."""
    import itertools
    import os
    from pathlib import Path

    from finops_lint.workspace import Workspace

    root = Path("/srv/x/site")
    config: Any = None  # neither method reads the config
    folders = [root, root.parent, root.parent.parent, root / "a", root.parent / "other"]
    for cwd in folders:
        for size in (1, 2, 3):
            for parts in itertools.product(_PATH_PARTS, repeat=size):
                for lead, tail in itertools.product(["", "/", "./"], ["", "/"]):
                    ws = Workspace(root, config, cwd)
                    rel = lead + "/".join(parts) + tail
                    expected = os.path.relpath(root / rel, cwd)
                    assert ws.display_path(rel) == expected, (cwd, rel)
                    # the inverse, as the result cache's save computed it before
                    back = os.path.relpath(os.path.normpath(os.path.join(cwd, expected)), root)
                    plain = not back.startswith("..") and back != "."
                    old = back if plain and ws.display_path(back) == expected else None
                    assert ws.rel_of_shown(expected) == old, (cwd, rel)


def _first_forms() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """(pattern as shipped, the same with its look-behind first, as first written)."""
    from finops_lint.rules import markers, rendering

    return [
        (
            rendering._SPACED_DEST,
            re.compile(
                r"(?<![\\!])\[(?P<text>[^\[\]\n]+)\]\((?P<dest>(?!<)[^()\s]+"
                r"(?:[ \t]+[^()\s\"'][^()\s]*)+)\)"
            ),
        ),
        (
            rendering._NO_OPEN_PAREN,
            re.compile(r"(?<![\\!])\[(?P<text>[^\[\]\n]+)\](?P<dest>https?://[^\s()]+)\)"),
        ),
        (
            rendering._NO_CLOSE_BRACKET,
            re.compile(
                r"(?<![\\!])\[(?P<text>[^\[\]()\n]+)\((?P<dest>https?://[^\s()]+)\)(?!.*\])"
            ),
        ),
        (
            rendering._SLOT,
            re.compile(r"(?<![\]!\\])\[([A-Za-z][A-Za-z /&'-]{1,48}[A-Za-z])\](?![(\[:])"),
        ),
        (markers._NOTE, re.compile(r"(?<![\w-])(TODO|FIXME|XXX)(?![\w-])")),
    ]


_LINK_LINES = st.lists(
    st.one_of(
        st.text(alphabet=st.sampled_from("[]()!\\ \tah/:<\"'-&Z9_\n"), max_size=10),
        st.sampled_from(
            ["[a b]", "](", "https://x", "](/a b)", "]https://x)", "[t(https://x)", "\\[", "!["]
        ),
        st.sampled_from(["TODO", "FIXME", "XXX", "XXXX", "-TODO", "x_TODO", "TODO-"]),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=800, deadline=None)
@given(_LINK_LINES)
def test_first_character_patterns_as_the_look_behind_first(line: str) -> None:
    for shipped, first in _first_forms():
        got = [(m.span(), m.groups()) for m in shipped.finditer(line)]
        assert got == [(m.span(), m.groups()) for m in first.finditer(line)]


@settings(max_examples=800, deadline=None)
@given(_LINK_LINES)
def test_lk012_line_issues_as_every_pattern_searched(line: str) -> None:
    """LK012 skips a pattern on a line without the two characters it needs."""
    from finops_lint.rules import rendering

    found = [(i.line, i.column, i.message) for i in rendering._line_issues(3, line, None)]
    every = 0
    for pattern in (rendering._SPACED_DEST, rendering._NO_OPEN_PAREN, rendering._NO_CLOSE_BRACKET):
        every += len(list(pattern.finditer(line)))
    assert len(found) == every


_ROUTE = st.lists(
    st.sampled_from(["/", "a", "b", ":x", ":y", "*", "-", "%20", "A"]), max_size=5
).map("".join)


@settings(max_examples=800, deadline=None)
@given(_ROUTE.map(lambda r: "/" + r), _ROUTE.map(lambda r: "/" + r))
def test_redirect_literal_prefix_as_the_pattern_alone(from_path: str, path: str) -> None:
    """A rule tries its pattern only on a path that starts with its literal text."""
    from dataclasses import replace

    from finops_lint.site.redirects import RedirectRule

    rule = RedirectRule("_redirects", 1, from_path, "/to/:x/:splat")
    unfiltered = replace(rule)
    unfiltered._literal = ""
    assert rule.match(path) == unfiltered.match(path)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab\n\r \u2028"), max_size=30))
def test_line_starts_as_the_newlines_found(text: str) -> None:
    """`line_starts` sums the lines' lengths; the loop it replaced found each "\\n"."""
    from finops_lint.parsing.links import LineIndex, line_starts

    found = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    assert line_starts(text.split("\n")) == [*found, len(text) + 1]
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        line = text.count("\n", 0, offset) + 1
        assert index.pos(offset) == (line, offset - found[line - 1] + 1)


def _jsonable_reference(value: Any) -> Any:
    """`jsonable` as first written: a call for every value."""
    import datetime as dt

    if isinstance(value, dict):
        return {str(k): _jsonable_reference(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable_reference(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class _Text(str):
    pass


_YAML_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.dates()
    | st.datetimes()
    | st.text(max_size=3).map(_Text),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(
            st.one_of(st.text(max_size=3), st.integers(), st.dates()), children, max_size=3
        )
    ),
    max_leaves=10,
)


@settings(max_examples=600, deadline=None)
@given(_YAML_VALUES)
def test_jsonable_as_a_call_for_every_value(value: Any) -> None:
    from finops_lint.parsing.front_matter_data import jsonable

    got, want = jsonable(value), _jsonable_reference(value)
    assert got == want
    assert repr(got) == repr(want)  # the same types too (a date is its text)


def _casefolded(text: str) -> str:
    """`regex.fold` as it was: casefold, then the dotless i as i."""
    folded = text.casefold()
    return folded.replace("\u0131", "i") if "\u0131" in folded else folded


#: Characters that fold to themselves, to others, to more than one, in context, and
#: a lone surrogate: `fold` takes its byte path only when each non-ASCII one folds
#: to itself.
_FOLD_CHARS = "aZ ’–é\u00e9\u00c9\u00df\u1e9e\u03a3\u03c2\u0130\u0131\u212a\ufb01\U0001f600\ud800"


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("abcXYZ .,\n"), max_size=400),
    st.lists(st.tuples(st.integers(0, 400), st.sampled_from(list(_FOLD_CHARS))), max_size=6),
)
@example("x" * 300 + "\u2019", [])
@example("x" * 300 + "\u0131", [])
@example("X" * 300 + "\u00c9", [])
def test_fold_as_casefold(ascii_text: str, inserts: list[tuple[int, str]]) -> None:
    """Long texts take the byte path (or fall back to str.casefold), short ones
    casefold directly: `casefold` is str.casefold, `fold` also reads the dotless i
    as i, on every text."""
    from finops_lint.regex import casefold, fold

    text = ascii_text
    for at, char in inserts:
        text = text[:at] + char + text[at:]
    for candidate in (text, text * 3):
        assert fold(candidate) == _casefolded(candidate)
        assert casefold(candidate) == candidate.casefold()


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("a.-_ é"), min_size=1, max_size=6).filter(
            lambda part: part not in (".", "..")
        ),
        min_size=1,
        max_size=3,
    ).map("/".join)
)
@example("_resources/test.md")
@example(".md")
@example("a.")
@example("dir.d/.hidden")
@example("_data/a.b.yml")
def test_page_name_parts_as_pathlib(rel: str) -> None:
    """A page's stem and suffix (PH010's stem; whether it is Markdown, HTML or data), as
    `PurePosixPath(rel)` gave them, of a page's path (no empty, "." or ".." part: a
    discovered file's)."""
    from pathlib import PurePosixPath

    from finops_lint.document import name_parts

    assert name_parts(rel) == (PurePosixPath(rel).stem, PurePosixPath(rel).suffix)


def _destination_end_by_character(text: str, j: int) -> int:
    """Where an unbracketed link destination from j ends, a character at a time (the
    loop `_parse_destination` ran before it skipped runs of ordinary characters)."""
    from finops_lint.parsing.links import _MAX_PAREN_DEPTH, _skip_liquid

    n, depth = len(text), 0
    while j < n:
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
                return -1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        elif ch in " \t\n":
            break
        j += 1
    return j


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab/.#(){}%\\ \t\n\r\u00a0\"'<>")), max_size=40))
@example("a(b)c) rest")
@example("{{ site.url }}/x) y")
@example("{% x %}(y) z)")
@example("a\\)b)")
@example("{a b)")
def test_link_destination_end_as_by_character(rest: str) -> None:
    """A link's destination ends where stepping a character at a time ended it: runs
    of ordinary characters (anything but a space, tab or line ending, a parenthesis,
    "{" or a backslash) are skipped at once."""
    from finops_lint.parsing.links import _parse_destination

    text = "(" + rest
    start = len(text) - len(rest.lstrip(" \t"))  # after the "(" and its blanks
    if text[start : start + 1] == "\n":
        start = len(text) - len(text[start + 1 :].lstrip(" \t"))
    if text[start : start + 1] == "<":
        return  # a destination in angle brackets: read by its pattern
    parsed = _parse_destination(text, 0)
    end = _destination_end_by_character(text, start)
    if end == -1:
        assert parsed is None
    elif parsed is not None:
        assert (parsed[0], parsed[1]) == (text[start:end], start)


def _bracket_pairs_by_regex(text: str) -> dict[int, int]:
    """`_bracket_pairs` as it was: every event found by a regex search."""
    opening = re.compile(r"\\[\s\S]|\[")
    event = re.compile(r"\\[\s\S]|[\[\]\n]")
    pairs: dict[int, int] = {}
    stack: list[int] = []
    n, pos = len(text), 0
    while True:
        m = (event if stack else opening).search(text, pos)
        if m is None:
            break
        j, pos = m.start(), m.end()
        ch = text[j]
        if ch == "[":
            stack.append(j)
        elif ch == "]":
            if stack:
                pairs[stack.pop()] = j
        elif ch == "\\":
            continue
        elif stack:
            k = j + 1
            while k < n and text[k] in " \t":
                k += 1
            if k >= n or text[k] == "\n":
                stack.clear()
    return pairs


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]\\\n \tab(")), max_size=60))
@example("\\[a] [b]")
@example("\\\\[a]")
@example("a\\")
@example("[a\n\n]b] [c]")
def test_bracket_pairs_as_by_regex(text: str) -> None:
    """Each '[' pairs with the ']' a regex search for every event paired it with; with
    no '[' open, a '[' and an escape before it are found with `str.find`."""
    from finops_lint.parsing.links import _bracket_pairs

    assert _bracket_pairs(text) == _bracket_pairs_by_regex(text)


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab \t\r\n\x0b\x0c\x1c\x85\u2028é")), max_size=40),
    st.data(),
)
def test_blank_as_per_line(text: str, data: st.DataObject) -> None:
    """`blank` turns every character of the slice but "\\n" into a space, as the split
    and join of its lines does; ASCII slices go through `bytes.translate`."""
    from finops_lint.parsing.masking import blank

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    lines = text[start:end].split("\n")
    assert blank(text, start, end) == "\n".join(" " * len(line) for line in lines)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \t\n\r\x0b\x0c\u00a0\u2028\u3000")), min_size=1))
def test_white_space_holds_no_link_definition_or_id(masked: str) -> None:
    """What `parse_text` leaves out for a page masked to white space (front matter
    alone): each scan finds nothing in such text."""
    from finops_lint.parsing.anchors import footnote_ids
    from finops_lint.parsing.html_links import html_ids
    from finops_lint.parsing.links import LineIndex, scan_definitions, scan_links

    index = LineIndex(masked)
    glued: dict[str, Any] = {}
    conditional: dict[str, Any] = {}
    assert masked.isspace()
    assert scan_definitions(masked, index, glued, conditional) == {}
    assert not glued and not conditional
    assert scan_links(masked, index, {}) == ([], [], set())
    assert html_ids(masked) == [] and footnote_ids(masked, "fn") == []


_REL_PARTS = st.sampled_from(["a", "b", ".", "..", "", ".x", "x.", "..y", "/", "é"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_REL_PARTS, max_size=6), st.booleans(), st.booleans())
@example(["a", "b"], False, False)
@example(["a", ".", "b"], False, False)
@example(["a", "", "b"], True, False)
def test_plain_rel_is_the_normpath_test_it_shortcuts(
    parts: list[str], lead: bool, end: bool
) -> None:
    """`discover.plain_rel` says without normpath what normpath would keep as it is."""
    path = ("/" if lead else "") + "/".join(parts) + ("/" if end else "")
    expected = (
        bool(path)
        and path not in (".", "..")
        and not path.startswith(("/", "../"))
        and os.path.normpath(path) == path
    )
    assert plain_rel(path) == expected


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list(" _-*.,'a1\t\n\x1c\x85\u2028\u3000ßİﬁ\u0307é")), st.characters()
        ),
        max_size=12,
    )
)
def test_first_word_as_the_first_of_norm_prose(text: str) -> None:
    """PH005's prefilter: the first word of the normalized text, found without it."""
    from finops_lint.rules.placeholder_analysis import first_word, norm_prose

    assert first_word(text) == norm_prose(text).split(" ", 1)[0]


#: Lines of Markdown whose markup, containers and masking meet brackets.
_BRACKET_LINES = st.sampled_from(
    [
        "text [a](b) more",
        "plain words",
        "- [ ] task [x",
        "* item ]",
        "1. one [two](",
        "> quoted [y]",
        ">> - nested ]",
        "   lazy [line",
        "# Title [z] #",
        "## Heading {#id}",
        "Setext [t]",
        "===",
        "---",
        "`[code span]` after",
        "<!-- [comment] -->",
        "```",
        "[code]",
        "| a | [b] |",
        "|---|---|",
        "[ref]: /url",
        "[ref]",
        "{% raw %}[l]{% endraw %}",
        "    [indented code]",
        "<div>[html]</div>",
        "",
        "text\\[escaped\\]",
        "Term",
        ": definition [d]",
    ]
)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(st.lists(_BRACKET_LINES, min_size=1, max_size=10))
def test_a_block_with_a_bracket_in_its_visible_lines_has_one_in_its_source(
    lines: list[str],
) -> None:
    """LK012 passes over a paragraph or heading whose source (`TextBlock.raw`) holds
    no bracket: its visible lines (the page's lines, code and comments blanked)
    then hold none either."""
    from finops_lint.document import parse_text

    doc = parse_text("\n".join(lines) + "\n", "p.md", "p.md")
    for block in doc.blocks:
        if block.kind in ("paragraph", "heading"):
            visible = doc.visible_lines(block.line, block.end_line)
            if any("[" in line or "]" in line for line in visible):
                assert "[" in block.raw or "]" in block.raw, (lines, block)
