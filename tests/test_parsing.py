"""The parser: front matter with positions, headings and ids, tables, links."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_lint.document import Document, parse_document, parse_text
from finops_lint.parsing.anchors import IdGenerator, gfm_base_id, kramdown_base_id
from finops_lint.parsing.frontmatter import Position, parse_front_matter, split_front_matter
from finops_lint.parsing.links import classify_target, likely_rewritten
from finops_lint.parsing.tables import plain_text, split_row
from finops_lint.parsing.text import decode_page


def doc(text: str) -> Document:
    return parse_text(text, "p.md", "p.md")


# ------------------------------------------------------------------ front matter


def test_front_matter_positions_of_keys_list_items_and_nested_keys() -> None:
    fm = doc("---\ntitle: A\ntags:\n  - x\n  - y\nnested:\n  k: v\n---\n# H\n").front_matter
    assert fm.present and fm.error is None
    assert fm.data == {"title": "A", "tags": ["x", "y"], "nested": {"k": "v"}}
    assert fm.key_positions[("title",)] == Position(2, 1)
    assert fm.key_positions[("tags",)] == Position(3, 1)
    assert fm.key_positions[("tags", 0)] == Position(4, 5)
    assert fm.key_positions[("tags", 1)] == Position(5, 5)
    assert fm.key_positions[("nested", "k")] == Position(7, 3)
    assert (fm.start_line, fm.end_line, fm.body_start_line) == (1, 8, 9)
    assert fm.value_positions[("title",)] == Position(2, 8)


def test_front_matter_position_falls_back_to_parent_then_fence() -> None:
    fm = doc("---\ntags:\n- x\n---\n").front_matter
    assert fm.position(("tags", 5)) == Position(2, 1)
    assert fm.position(("missing",)) == Position(1, 1)


def test_crlf_and_bom() -> None:
    d = parse_document(b"\xef\xbb\xbf---\r\ntitle: A\r\nx: 1\r\n---\r\n# H\r\n", "p.md", "p.md")
    assert d.decode_error is None
    assert d.front_matter.data == {"title": "A", "x": 1}
    assert d.front_matter.key_positions[("x",)] == Position(3, 1)
    assert [(h.text, h.line) for h in d.headings] == [("H", 5)]


def test_lone_cr_line_endings() -> None:
    text, err = decode_page(b"a\rb\r\nc")
    assert err is None and text == "a\nb\nc"


def test_utf16_is_refused() -> None:
    d = parse_document(b"\xff\xfe-\x00-\x00", "p.md", "p.md")
    assert d.decode_error is not None and "UTF-16" in d.decode_error.message


def test_empty_front_matter() -> None:
    fm = doc("---\n---\n# H\n").front_matter
    assert fm.present and fm.error is None and fm.data == {}
    assert (fm.end_line, fm.body_start_line) == (2, 3)


def test_no_front_matter() -> None:
    d = doc("# H\n\ntext\n")
    assert not d.front_matter.present and d.front_matter.data == {}
    assert d.body_start_line == 1 and d.headings[0].line == 1


def test_dashes_later_in_a_page_are_not_front_matter() -> None:
    d = doc("# H\n\n---\ntitle: x\n---\n")
    assert not d.front_matter.present


def test_closing_fence_at_end_of_file_without_newline() -> None:
    fm = doc("---\ntitle: A\n---").front_matter
    assert fm.present and not fm.unterminated and fm.data == {"title": "A"}
    assert fm.end_line == 3


def test_yaml_document_end_marker_closes() -> None:
    fm = doc("---\nkey: value\n...\nbody\n").front_matter
    assert fm.data == {"key": "value"} and fm.end_line == 3


def test_unterminated_front_matter() -> None:
    fm = doc("---\ntitle: A\n\n# H\n").front_matter
    assert fm.present and fm.unterminated and fm.data == {}


def test_page_that_is_only_an_opening_fence() -> None:
    fm = split_front_matter("---")
    assert fm.present and fm.unterminated


def test_yaml_error_line_and_column() -> None:
    fm = doc("---\ntitle: x\ndescription: Cost: Metadata\n---\n").front_matter
    assert fm.error is not None
    assert (fm.error.line, fm.error.column) == (3, 18)
    assert fm.error.message.startswith("invalid YAML")


def test_yaml_error_line_after_blank_lines_in_front_matter() -> None:
    fm = doc("---\n\ntitle: x\n\nbad: a: b\n---\n").front_matter
    assert fm.error is not None and fm.error.line == 5


def test_duplicate_keys() -> None:
    fm = doc("---\ntitle: A\ntitle: B\n---\n").front_matter
    assert fm.data == {"title": "B"}
    assert fm.duplicate_keys == [("title", Position(2, 1), Position(3, 1))]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x,x,x,x,x,x,x,x,x,x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    text = "---\n" + "\n".join(lines) + "\n---\n# H\n"
    start = time.perf_counter()
    fm = doc(text).front_matter
    assert time.perf_counter() - start < 1.0
    assert fm.error is not None and "alias" in fm.error.message
    assert fm.data == {}


def test_recursive_alias_is_refused() -> None:
    fm = parse_front_matter("---\na: &a [*a]\n---\n")
    assert fm.error is not None


def test_tabs_in_indentation_are_an_error_with_a_hint() -> None:
    fm = doc("---\ntitle: A\n\tdescription: x\n---\n").front_matter
    assert fm.error is not None and fm.error.line == 3 and "tab" in fm.error.message


def test_tab_inside_a_value_is_fine() -> None:
    fm = doc("---\ntitle: a\tb\n---\n").front_matter
    assert fm.error is None and fm.data == {"title": "a\tb"}


def test_front_matter_that_is_not_a_mapping() -> None:
    fm = doc("---\n- a\n---\n").front_matter
    assert fm.error is not None and fm.not_a_mapping and fm.error.line == 2


def test_html_page_front_matter_and_ids() -> None:
    d = parse_text(
        '---\ntitle: H\n---\n<div id="x">[not](a link)</div>\n',
        "p.html",
        "p.html",
        is_markdown=False,
    )
    assert d.front_matter.data == {"title": "H"}
    assert d.html_ids == ["x"] and d.links == [] and d.headings == []


# ------------------------------------------------------------------ headings

HEADINGS = (
    "# Title\n\n## Same\n\n## Same\n\n## Explicit {#my-id}\n\n## IAL\n{: #ial-id}\n\n"
    "## 1. Numbered & stuff!\n\nSetext\n------\n\n### Closing ###\n\n  ## Indented\n"
)


def test_heading_levels_lines_and_text() -> None:
    hs = doc(HEADINGS).headings
    assert [(h.level, h.text, h.line) for h in hs] == [
        (1, "Title", 1),
        (2, "Same", 3),
        (2, "Same", 5),
        (2, "Explicit", 7),
        (2, "IAL", 9),
        (2, "1. Numbered & stuff!", 12),
        (2, "Setext", 14),
        (3, "Closing", 17),
        (2, "Indented", 19),
    ]
    assert hs[-1].column == 3
    assert hs[6].setext


@pytest.mark.parametrize(
    ("style", "numbered"), [("gfm", "1-numbered--stuff"), ("kramdown", "numbered--stuff")]
)
def test_one_id_rule_per_site_with_duplicates_and_explicit_ids(style: str, numbered: str) -> None:
    hs = parse_text(HEADINGS, "a.md", "a.md", id_style=style).headings
    assert [h.id for h in hs] == [
        "title",
        "same",
        "same-1",
        "my-id",
        "ial-id",
        numbered,
        "setext",
        "closing",
        "",  # kramdown's ATX header starts in the first column: "  ## Indented" is text
    ]
    assert hs[3].explicit_id == "my-id" and hs[4].explicit_id == "ial-id"
    assert [h.renders for h in hs] == [True] * 8 + [False]


def test_anchors_are_the_built_ids_only() -> None:
    d = parse_text(HEADINGS + '\n<a name="legacy"></a>\n', "a.md", "a.md", id_style="gfm")
    assert d.anchors() == {
        "title",
        "same",
        "same-1",
        "my-id",
        "ial-id",
        "1-numbered--stuff",
        "setext",
        "closing",
        "legacy",
    }


def test_id_rules() -> None:
    assert kramdown_base_id("1. Numbered & stuff!") == "numbered--stuff"
    assert gfm_base_id("Measure(s) of Success & KPI") == "measures-of-success--kpi"
    gen = IdGenerator("kramdown")
    assert [gen.next_id("Crawl") for _ in range(3)] == ["crawl", "crawl-1", "crawl-2"]
    assert gen.next_id("123") == "section"
    gen = IdGenerator("gfm")
    assert [gen.next_id("!!") for _ in range(2)] == ["", "-1"]


def test_heading_text_without_markup_and_liquid_kept_raw() -> None:
    h = doc("## **Bold** [link](/x/) `code`\n").headings[0]
    assert h.text == "Bold link code"


def test_sections_nest_and_track_content() -> None:
    d = doc("# T\n\n## A\n\ntext\n\n### A1\n\n## B\n\n## C\n\nmore\n")
    by_text = {s.heading.text: s for s in d.sections}
    assert by_text["A"].has_own_content and not by_text["B"].has_own_content
    assert [d.sections[i].heading.text for i in by_text["T"].children] == ["A", "B", "C"]
    assert by_text["A"].end_line == 8


def test_hash_lines_in_fenced_code_are_not_headings() -> None:
    d = doc("# T\n\n```\n# not a heading\n```\n")
    assert [h.text for h in d.headings] == ["T"]
    assert d.code_ranges == [(3, 5)]


# ------------------------------------------------------------------ tables

TABLE = "## Levels\n\n| A | B \\| C | D |\n|:--|--:|:-:|\n| 1 | 2 |\n| a | `x | y` | c | d |\n"


def test_table_structure_heading_and_alignments() -> None:
    (t,) = doc(TABLE).tables
    assert (t.line, t.delimiter_line, t.end_line) == (3, 4, 6)
    assert t.alignments == ["left", "right", "center"]
    assert (t.heading, t.heading_line) == ("Levels", 1)
    assert t.columns == ["A", "B | C", "D"]


def test_table_cells_have_columns_and_raw_counts() -> None:
    (t,) = doc(TABLE).tables
    header = [(c.raw, c.line, c.column, c.end_column) for c in t.header.cells]
    assert header == [("A", 3, 3, 4), ("B \\| C", 3, 7, 13), ("D", 3, 16, 17)]
    # markdown-it pads and drops cells; the parsed rows keep what the author typed
    assert [len(r.cells) for r in t.rows] == [2, 4]
    second = t.rows[1].cells
    assert [(c.text, c.column) for c in second] == [("a", 3), ("x | y", 7), ("c", 17), ("d", 21)]


def test_table_records() -> None:
    (t,) = doc("| Level | Notes |\n| --- | --- |\n| **Crawl** | [a](/x/) |\n| Walk |\n").tables
    assert t.records() == [{"Level": "Crawl", "Notes": "a"}, {"Level": "Walk", "Notes": ""}]


def test_table_in_a_block_quote() -> None:
    (t,) = doc("> | A | B |\n> | - | - |\n> | 1 | 2 |\n").tables
    assert [(c.text, c.column) for c in t.rows[0].cells] == [("1", 5), ("2", 9)]


def test_split_row_without_outer_pipes() -> None:
    assert split_row("a | b") == [("a", 1, 2), ("b", 5, 6)]


def test_empty_cell_span_is_not_inverted() -> None:
    (t,) = doc("| A | B |\n| - | - |\n|   | x |\n").tables
    cell = t.rows[0].cells[0]
    assert cell.column <= cell.end_column


def test_plain_text_removes_markup() -> None:
    assert plain_text("**Walk**<br/>[more](/x/) `c` a\\|b") == "Walk more c a|b"


# ------------------------------------------------------------------ links

LINKS = (
    "# T\n\n"
    '[inline](/a/ "title") ![img](/i.png) [full][Lab] [Lab][] [Lab] '
    "<https://ex.com/x> <a href=\"/h/\">h</a> <img src='/s.png'>\n\n"
    '[lab]: /def/ "t"\n'
    "[bad] (/x/) [e]()\n"
    "Text `[code](/c/)` and <mailto:a@b.c>\n\n"
    "```\n[fenced](/f/)\n```\n"
)


def _links(text: str) -> list[tuple[str, str, str, int, int]]:
    return [(lk.kind, lk.syntax, lk.target, lk.line, lk.column) for lk in doc(text).links]


def test_inline_link_and_image_positions() -> None:
    links = doc(LINKS).links
    inline = links[0]
    assert (inline.kind, inline.syntax, inline.text, inline.target) == (
        "link",
        "inline",
        "inline",
        "/a/",
    )
    assert (inline.line, inline.column, inline.end_column) == (3, 1, 22)
    assert (inline.target_line, inline.target_column) == (3, 10)
    image = links[1]
    assert (image.kind, image.target, image.column, image.target_column) == (
        "image",
        "/i.png",
        23,
        30,
    )


def test_reference_links_full_collapsed_shortcut() -> None:
    refs = [lk for lk in doc(LINKS).links if lk.syntax == "reference"]
    starts = {lk.column for lk in refs}
    assert {38, 50, 58} <= starts  # [full][Lab], [Lab][], [Lab]
    for lk in refs:
        assert lk.target == "/def/" and lk.label == "lab"
        assert (lk.target_line, lk.target_column) == (5, 8)  # where the definition's URL is


def test_full_reference_is_one_link() -> None:
    refs = [lk.column for lk in doc(LINKS).links if lk.syntax == "reference"]
    assert refs == [38, 50, 58]


def test_autolinks_and_html_links() -> None:
    got = [t for t in _links(LINKS) if t[1] in ("autolink", "html")]
    assert got == [
        ("link", "autolink", "https://ex.com/x", 3, 64),
        ("link", "html", "/h/", 3, 83),
        ("image", "html", "/s.png", 3, 103),
        ("link", "autolink", "mailto:a@b.c", 7, 24),
    ]
    html_link = next(lk for lk in doc(LINKS).links if lk.syntax == "html")
    assert html_link.target_column == 92


def test_definitions() -> None:
    d = doc(LINKS)
    (label,) = d.definitions
    definition = d.definitions[label]
    assert (label, definition.target, definition.line, definition.column) == ("lab", "/def/", 5, 1)
    assert "lab" in d.used_labels


def test_malformed_space_before_paren_and_empty_target() -> None:
    d = doc(LINKS)
    assert [(m.line, m.column, m.end_column) for m in d.malformed_links] == [(6, 1, 12)]
    empty = [lk for lk in d.links if lk.target_kind == "empty"]
    assert [(lk.line, lk.column) for lk in empty] == [(6, 13)]


def test_code_spans_and_fences_hold_no_links() -> None:
    targets = {lk.target for lk in doc(LINKS).links}
    assert "/c/" not in targets and "/f/" not in targets


def test_liquid_inside_destination() -> None:
    (lk,) = doc("[a]({{ site.baseurl }}/x/ (y)) more\n").links
    assert lk.target == "{{ site.baseurl }}/x/" and lk.target_kind == "liquid"


def test_angle_bracket_destination_with_spaces() -> None:
    (lk,) = doc("[a](</a b/>)\n").links
    assert lk.target == "/a b/" and lk.target_column == 6


def test_multiline_link_text() -> None:
    (lk,) = doc("A [long\ntext](/x/) here\n").links
    assert (lk.line, lk.column, lk.target_line, lk.target_column) == (1, 3, 2, 7)


def test_task_list_boxes_are_not_links() -> None:
    assert doc("- [ ] todo\n- [x] done\n").links == []


def test_footnotes_are_not_links() -> None:
    assert doc("Text[^1].\n\n[^1]: a note\n").links == []


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("", "empty"),
        ("#a", "anchor"),
        ("/a/", "site-root"),
        ("a.md", "relative"),
        ("https://x.org", "absolute"),
        ("//x.org/a", "protocol-relative"),
        ("mailto:a@b.c", "mail"),
        ("tel:123", "other-scheme"),
        ("www.x.org", "missing-scheme"),
        ("https//x.org", "missing-scheme"),
        ("{{ site.baseurl }}/a", "liquid"),
    ],
)
def test_classify_target(target: str, kind: str) -> None:
    assert classify_target(target) == kind


# ------------------------------------------------- fast YAML construction

_YAML_EDGES = [
    "a: 1\nb: [1, 2, {c: d}]\n",
    "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",  # alias and merge key
    "<<: {x: 1}\ny: 2\n",  # merge key without alias
    "=: 1\nb: 2\n",  # the value key
    "a: =\n",
    "a: !!set {x, y}\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!str 123\nb: !!int '7'\n",
    "a: !custom x\n",
    "? [a, b]\n: 1\n",  # unhashable key
    "? {a: 1}\n: 1\n",
    "a: 1\na: 2\nb: 3\n",  # duplicate key: the last wins, at the first's place
    "d: 2024-13-45\n",  # a date that cannot be built
    "d: 2024-02-03\nt: 2024-02-03 04:05:06 +02:00\nu: 2024-02-03T04:05:06Z\n",
    "i: [0x1F, 0o17, 017, 1_000, 1:30, +12, -0]\n",
    "f: [.inf, -.Inf, .NaN, 1e3, 1_0.5, 6.8523015e+5]\n",
    "b: [yes, No, on, OFF, true, y, n, ~, null, '', \"\"]\n",
    "1: one\n2.5: two\ntrue: three\n~: four\n2024-01-02: five\n",
    "nested:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)) + "  " * 40 + "v\n",
    "text: |\n  a block\n  of text\nfolded: >\n  folded\n  text\n",
    "list:\n- a\n- - b\n  - c\n- {d: [e, f]}\n",
    "empty: {}\nnone: []\nblank:\n",
]


def _reference_parse(text: str) -> tuple[str, str]:
    """parse_front_matter with PyYAML's own constructor only."""
    from finops_lint.parsing import frontmatter as fmod

    saved = fmod._construct
    fmod._construct = lambda loader, node: fmod._NO_FAST_PATH  # type: ignore[assignment]
    try:
        fm = parse_front_matter(text)
    finally:
        fmod._construct = saved  # type: ignore[assignment]
    return repr(fm.data), repr(fm.error)


def _fast_parse(text: str) -> tuple[str, str]:
    fm = parse_front_matter(text)
    return repr(fm.data), repr(fm.error)


def test_fast_yaml_construction_builds_what_pyyaml_builds() -> None:
    for raw in _YAML_EDGES:
        text = f"---\n{raw}---\nbody\n"
        assert _fast_parse(text) == _reference_parse(text), raw


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.dates()
    | st.sampled_from(["yes", "off", "0x1F", "1:30", "=", "<<", "~", "2024-13-45", ".nan"])
)
_values = st.recursive(
    _scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_scalars, kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.dictionaries(st.text(max_size=10), _values, max_size=6), flow=st.booleans())
def test_fast_yaml_construction_on_random_documents(data: dict[Any, Any], flow: bool) -> None:
    raw = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    # Also as plain scalars a dumper would have quoted (yes, 0x1F, =, <<...).
    unquoted = raw.replace("'", "")
    for body in (raw, unquoted):
        text = f"---\n{body}---\n"
        assert _fast_parse(text) == _reference_parse(text), body


def _outcome(load: Any, raw: str) -> str:
    try:
        return repr(load(raw))
    except Exception as exc:  # the same exception type and words
        return f"{type(exc).__name__}: {exc}"


def test_load_yaml_is_yaml_load_with_the_c_loader() -> None:
    """site/url_keys.py reads whole front matter with `load_yaml`: what `yaml.load`
    gives, errors included, on the edge cases and on aliases (PyYAML's own path)."""
    from finops_lint.parsing.frontmatter import load_yaml

    def reference(raw: str) -> Any:
        return yaml.load(raw, Loader=yaml.CSafeLoader)

    for raw in [*_YAML_EDGES, "a: &x [1]\nb: *x\n", "- a\n- b\n", "", "a: [\n", "x\n"]:
        assert _outcome(load_yaml, raw) == _outcome(reference, raw), raw


def test_html_text_with_a_less_than_sign_keeps_later_tags_and_text() -> None:
    """`x < 3` in HTML text is text: the tag after it is still a link, the text is kept."""
    from finops_lint.parsing.html_links import scan_html_links
    from finops_lint.parsing.links import LineIndex
    from finops_lint.parsing.tables import plain_text

    page = '<p>When x < 3, see <a href="/a/">a</a></p>\n<img src="b.png" alt="x > y">'
    found = [
        (link.target, link.line, link.column) for link in scan_html_links(page, LineIndex(page))
    ]
    assert found == [("/a/", 1, 20), ("b.png", 2, 1)]
    assert plain_text("<p>When x < 3, lorem ipsum</p>") == "When x < 3, lorem ipsum"


def test_fence_and_permalink_searches_equal_the_multiline_patterns() -> None:
    """split_front_matter and url_front_matter find a line's start by the newline
    before it; `^...$` with re.MULTILINE, which they replaced, is the reference."""
    import random
    import re

    from finops_lint.parsing.frontmatter import split_front_matter
    from finops_lint.site.url_keys import url_front_matter

    close_re = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
    permalink_re = re.compile(r"^permalink[ \t]*:", re.MULTILINE)
    rnd = random.Random(14)
    pieces = ["-", ".", " ", "\t", "\n", "\r", "a", "---", "...", "\n---", "\n...", "\x85"]
    pieces += ["\u2028", "\x0c", "permalink", "permalink:", "\npermalink: /x/", "k: v"]
    texts = [
        "---\n" + "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 16)))
        for _ in range(20000)
    ]
    for text in texts:
        fm = split_front_matter(text)
        close = close_re.search(text, 4)
        if close is None:
            assert fm.unterminated, repr(text)
            continue
        assert fm.raw == text[4 : close.start()], repr(text)
        assert fm.end_line == text.count("\n", 0, close.start()) + 1, repr(text)
        end = close.end() + (text[close.end() : close.end() + 1] == "\n")
        assert fm.body_offset == end, repr(text)
        if not fm.raw.strip():
            continue
        line = url_front_matter(text)[1]
        key = permalink_re.search(fm.raw)
        expected = fm.start_line + 1 + fm.raw.count("\n", 0, key.start()) if key else fm.start_line
        assert line == expected, repr(text)


_ANCHOR_EDGES = [
    "a&b: 1\nc: &x 1\n",
    ",&x",
    "& x",
    "[&]",
    "&x",
    "a:\u2003&x",
    "x\n&y",
    "&",
    "a &",
    "{&a}",
]
_ANCHOR_PARTS = ["&", "&x", "a", " ", "\n", ":", "-", "[", "]", "{", ",", "\t", "\u2003", "x&"]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(parts=st.lists(st.sampled_from(_ANCHOR_PARTS), max_size=20))
def test_has_anchor_tells_what_the_anchor_expression_tells(parts: list[str]) -> None:
    """site/url_keys.has_anchor replaced a regular expression tried at every position
    of every page's front matter (most descriptions hold an ampersand)."""
    import re

    from finops_lint.site.url_keys import has_anchor

    expression = re.compile(r"(?:^|[\s:\-\[{,])&[^\s,\[\]{}]+")
    for text in [*_ANCHOR_EDGES, "".join(parts)]:
        assert has_anchor(text) == (expression.search(text) is not None), text


@pytest.mark.parametrize(
    ("target", "glued"),
    [
        ("x.md", False),  # jekyll-relative-links rewrites it: a definition in the build
        ('x.md "Title"', False),
        ("x.md#part", False),
        ("x.md?v=1", True),  # the plugin's pattern stops at '?': paragraph text
        ("<x.md>", True),
        ("x.md 'Title'", True),  # the plugin reads only double-quoted titles
        ("/x/", True),  # ends with '/': not a file, so never rewritten
        ("https://example.org/x.md", True),
    ],
)
def test_glued_definition_follows_the_relative_links_pattern(target: str, glued: bool) -> None:
    """A definition right under a line of text is a definition in the build only when
    jekyll-relative-links rewrites it; the shapes it skips stay paragraph text."""
    doc = parse_text(f"---\ntitle: T\n---\nSome text\n[r]: {target}\n", "p.md", "p.md")
    made = "r" in doc.definitions and (
        "r" not in doc.conditional_definitions or likely_rewritten(doc.conditional_definitions["r"])
    )
    assert made is not glued
    assert ("r" in doc.glued_definitions) is not ("r" in doc.definitions)
    # the Site decides those the plugin may rewrite (tests/oracle/test_torture.py)
    assert ("r" in doc.conditional_definitions) is ("r" in doc.definitions)


def test_definitions_under_a_rewritten_one_stand_with_it() -> None:
    """Under text, a definition the plugin may rewrite makes those under it
    definitions if it is rewritten: each needs one of the paths from the text down."""
    doc = parse_text(
        "---\ntitle: T\n---\nText\n[u]: https://a.example/\n[m]: missing.md\n"
        "[x]: https://b.example/\n[l]: LICENSE\n\n[d]: /made/\n",
        "p.md",
        "p.md",
    )
    assert set(doc.glued_definitions) == {"u"}
    assert doc.conditional_definitions == {
        "m": ("missing.md",),
        "x": ("missing.md",),
        "l": ("missing.md", "LICENSE"),
    }
    assert set(doc.definitions) == {"m", "x", "l", "d"}
