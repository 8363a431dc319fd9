"""parsing/block_yaml reads what PyYAML reads, or declines: compared with PyYAML's
C SafeLoader on generated front matter (block scalars, quoted and plain values over
several rows, lists of mappings, and rows that break them) and on every page of
the framework corpus."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_lint.parsing.block_yaml import block_positions, read_block_mapping
from finops_lint.parsing.frontmatter import Position, parse_front_matter, split_front_matter
from tests.test_plain_yaml import (
    _composed_positions,
    agrees_with_pyyaml,
    assert_same_front_matter,
    corpus_pages,
)

_KEYS = ["title", "a", "url", "yes", "k-1", "a b"]
# fmt: off
_TEXTS = [
    "", "x", "hello world", "a: b", "a:", "# c", "x # c", "x#c", "- x", "-", "yes", "12",
    "1:20", "8th Dec 2021", "2021-01-01", '"q"', '"open', 'close"', 'a "b" c', "'s'",
    "a\\b", "[x]", "{x}", "&a", "*a", "!t", "|", ">", "%x", "@x", "`x", "---", "...",
    "é", "x  ", "  ", "?x", ":x", "a, b", "~", "null", "http://x/y",
]
# fmt: on
_ROWS = [
    "{key}: {text}",
    "{key}: {text}",
    "{key}:",
    "{key}: |",
    "{key}: |-",
    "{key}: |+",
    "{key}: >",
    "{key}: |2",
    "{key}: | # c",
    '{key}: "{text}',
    "{key}: {text}",
    "  {text}",
    "  {text}",
    "    {text}",
    " {text}",
    "{text}",
    "",
    "  ",
    "     ",
    "- {text}",
    "  - {text}",
    "- {key}: {text}",
    "  {key}: {text}",
    "- {key}:",
    "  {key}:",
    "    {key}: {text}",
    "  - {key}: {text}",
    "    {key}: {text}",
    "# a comment",
    "  # a comment",
]


def _agrees(raw: str) -> bool:
    return agrees_with_pyyaml(raw, read_block_mapping)


#: Front matter of one to ten rows made from `_ROWS`, with or without a last line break.
_generated_rows = st.builds(
    lambda rows, end: "\n".join(form.format(key=k, text=t) for form, k, t in rows) + end,
    st.lists(
        st.tuples(st.sampled_from(_ROWS), st.sampled_from(_KEYS), st.sampled_from(_TEXTS)),
        min_size=1,
        max_size=10,
    ),
    st.sampled_from(["", "\n"]),
)


@settings(max_examples=6000, deadline=None, derandomize=True)
@given(raw=_generated_rows)
def test_reads_what_pyyaml_reads_or_declines(raw: str) -> None:
    _agrees(raw)


_WORDS = ["x", "hello world", "CloudVane is rooted in FinOps.", "a  b", "yes", "12", "é"]
_text = st.sampled_from(_WORDS) | st.sampled_from(_TEXTS)
_key = st.sampled_from(_KEYS)
_pad = st.sampled_from(["", "", " ", "  "])


@st.composite
def _literal(draw: st.DrawFn) -> list[str]:
    header = draw(st.sampled_from(["|", "|", "|-", "|+", ">", "| # c", "|2", "| x"]))
    rows = [f"{draw(_key)}: {header}"]
    for _ in range(draw(st.integers(1, 5))):
        indent = " " * draw(st.sampled_from([1, 2, 2, 2, 3, 4]))
        rows.append(
            draw(st.sampled_from([indent + draw(_text), "", " " * draw(st.integers(0, 5))]))
        )
    return rows


@st.composite
def _quoted(draw: st.DrawFn) -> list[str]:
    rows = [f'{draw(_key)}: "{draw(_text)}{draw(_pad)}']
    for _ in range(draw(st.integers(0, 3))):
        rows.append(draw(_pad) + draw(st.sampled_from([draw(_text), ""])) + draw(_pad))
    tail = draw(st.sampled_from(["", "", " # c", " x", "  "]))
    rows.append(f'{draw(_pad)}{draw(_text)}{draw(_pad)}"{tail}')
    return rows


@st.composite
def _list_of_mappings(draw: st.DrawFn) -> list[str]:
    rows = [f"{draw(_key)}:"]
    indent = draw(st.sampled_from([0, 0, 2]))
    for _ in range(draw(st.integers(1, 3))):
        lead = " " * indent
        rows.append(
            lead
            + draw(
                st.sampled_from(
                    [f"- {draw(_key)}: {draw(_text)}", f"- {draw(_key)}:", f"- {draw(_text)}", "-"]
                )
            )
        )
        for _ in range(draw(st.integers(0, 2))):
            shift = draw(st.sampled_from([2, 2, 2, 1, 3, 4]))
            rows.append(
                " " * (indent + shift)
                + draw(
                    st.sampled_from([f"{draw(_key)}: {draw(_text)}", f"{draw(_key)}:", "# c", ""])
                )
            )
    return rows


@st.composite
def _continued(draw: st.DrawFn) -> list[str]:
    rows = [
        draw(st.sampled_from([f"{draw(_key)}: {draw(_text)}", f"{draw(_key)}:", f"{draw(_key)}: "]))
    ]
    for _ in range(draw(st.integers(1, 3))):
        rows.append(draw(st.sampled_from([f"  {draw(_text)}", "", f" {draw(_text)}  ", "    x"])))
    return rows


_entry = st.one_of(
    st.builds(lambda k, t: [f"{k}: {t}"], _key, _text),
    _literal(),
    _quoted(),
    _list_of_mappings(),
    _continued(),
    st.sampled_from([["# c"], [""], ["  "]]),
)


#: Front matter of one to six entries made from `_entry`.
_vendor_like = st.builds(
    lambda entries, end: "\n".join(row for entry in entries for row in entry) + end,
    st.lists(_entry, min_size=1, max_size=6),
    st.sampled_from(["", "\n"]),
)


@settings(max_examples=6000, deadline=None, derandomize=True)
@given(raw=_vendor_like)
def test_reads_what_pyyaml_reads_of_vendor_like_front_matter(raw: str) -> None:
    _agrees(raw)


def _positions_agree(raw: str) -> bool:
    """Whether block_yaml read `raw`; when it did, `block_positions` gives the
    positions composing the YAML gives, or the test fails."""
    if read_block_mapping(raw) is None:
        return False
    keys, values = block_positions(raw)
    composed = _composed_positions(raw, 0)
    assert {p: Position(r, c + 1) for p, (r, c) in keys.items()} == composed[0], repr(raw)
    assert {p: Position(r, c + 1) for p, (r, c) in values.items()} == composed[1], repr(raw)
    return True


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(raw=_vendor_like)
def test_positions_of_vendor_like_front_matter_are_the_composed_ones(raw: str) -> None:
    _positions_agree(raw)


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(raw=_generated_rows)
def test_positions_of_generated_rows_are_the_composed_ones(raw: str) -> None:
    _positions_agree(raw)


_VENDOR = """\
# Please do not alter layout
layout: member
name: Neos
logo-url: "https://www.neos.hr/logo.svg"
company-description: "Neos provides business solutions.

Our solutions provide~~~
  business improvement."
member-level: general
type:
- Service Provider
- Platform Provider
product-overview: |
  CloudVane is a cloud cost management solution.

  CloudVane is rooted in FinOps.~~
    An indented row.

product-video-url: "https://www.youtube.com/embed/x"
product-resources:
- title: CloudVane - See through the Multicloud
  url: "https://www.cloudvane.com/"

- title: CloudVane Linkedin
  # a comment
  url: https://www.linkedin.com/company/cloudvane
slack:
- title:
  url:
date: 2020-08-01
label:~
  External
description: A plain value
  that goes on

  over rows
number-of-focp: 7
contribution-areas:
date-added: 8th Dec 2021
""".replace("~", " ")  # end spaces written as "~"


@pytest.mark.parametrize(
    "raw",
    [
        _VENDOR,
        _VENDOR.rstrip("\n"),
        "a: |-\n  x\n\n",
        "a: |\n\n  x\n  y\n\n\nb: 1\n",
        "a: |\n  x\n   \n  y\n",
        "a: |\n  x\n     \n",
        "a: |\n  x\n\n\n\n  ",  # spaces to the indent alone: an empty row, clipped
        "a: |-\n  x\n\n  \nb: 1\n",
        "a: |\n  x\n  \n  y\n",
        'a: "x\n  "\n',
        'a: "\n  x"\n',
        'a: "x\n\n\n  y" # c\n',
        "a:\n  - t: 1\n    u: v\n  - w\nb: 2\n",
        "a: x\n\n  y\n",
    ],
)
def test_reads_the_vendor_forms(raw: str) -> None:
    assert _agrees(raw), raw
    assert _positions_agree(raw), raw


@pytest.mark.parametrize(
    "raw",
    [
        "a: >\n  x\n",  # folded: not read here
        "a: |+\n  x\n\n",  # kept
        "a: |2\n   x\n",  # an indentation indicator
        "a: |\n\n     \n  x\n",  # a blank row wider than the text: YAML takes its indent
        "a: |\nb: 1\n",  # an empty block
        "a: |\n    x\n  y\n",  # a row less indented than the block (an error)
        'a: "x \\" y\n  z"\n',  # an escape
        "a:\n- t: 1\n  u:\n    v: 2\n",  # nested
        "a:\n- t: 1\n   u: 2\n",  # a key off the item's column
        "a: x # c\n  y\n",  # a comment, then more
        "a: x\n  - y\n",
        "a: x\n  b: y\n",
        "a: 1\na: 2\n",
    ],
)
def test_declines_what_it_is_not_certain_of(raw: str) -> None:
    assert read_block_mapping(raw) is None, raw


def test_agrees_with_pyyaml_on_every_corpus_page() -> None:
    raws = [fm.raw for fm in map(split_front_matter, corpus_pages()) if fm.raw.strip()]
    read = sum(_agrees(raw) for raw in raws)
    assert read >= 250  # nearly every page: the vendor pages too


def test_front_matter_read_by_it_is_the_same(monkeypatch: Any) -> None:
    """A page's FrontMatter (data, positions, errors) is the same whether its front
    matter was read by block_yaml or by PyYAML."""
    import finops_lint.parsing.frontmatter as frontmatter

    texts = corpus_pages()
    texts.append(f"---\n{_VENDOR}---\n")
    # a key twice in an item: the same data (duplicates are reported at the top only)
    texts.append("---\na:\n- t: 1\n  u: 2\n  t: 3\nb: |\n  x\n---\n")
    monkeypatch.setattr(frontmatter, "read_plain_mapping", lambda raw: None)
    fast = [parse_front_matter(t) for t in texts]
    monkeypatch.setattr(frontmatter, "read_block_mapping", lambda raw: None)
    slow = [parse_front_matter(t) for t in texts]
    read = sum(a._block for a in fast)
    assert_same_front_matter(fast, slow)
    assert read >= 250


def _with_read_ahead(text: str) -> None:
    """A page parsed with its front matter read ahead (`read_ahead`, as the Site's
    reading does) is the page parsed without it: data, errors and positions."""
    from finops_lint.parsing.frontmatter import read_ahead

    fm = split_front_matter(text)
    read = read_ahead(fm.raw) if fm.raw.strip() else None
    assert_same_front_matter([parse_front_matter(text, read)], [parse_front_matter(text)])


def test_front_matter_read_ahead_parses_to_the_same() -> None:
    texts = [*corpus_pages(), f"---\n{_VENDOR}---\n", "---\na: &x 1\nb: *x\n---\n"]
    for text in texts:
        _with_read_ahead(text)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(entries=st.lists(_entry, min_size=1, max_size=6), end=st.sampled_from(["", "\n"]))
def test_vendor_like_front_matter_read_ahead_parses_to_the_same(
    entries: list[list[str]], end: str
) -> None:
    _with_read_ahead(
        "---\n" + "\n".join(row for entry in entries for row in entry) + end + "\n---\n"
    )


def _url_keys_agree(text: str) -> bool:
    """A page's URL keys taken from its front matter read ahead (`url_keys_of_data`)
    are those `text_url_keys` reads from its rows; False when it is not read ahead."""
    from finops_lint.parsing.frontmatter import read_ahead
    from finops_lint.site.url_keys import URL_KEYS, text_url_keys, url_keys_of_data

    fm = split_front_matter(text)
    read = read_ahead(fm.raw) if fm.present and not fm.unterminated and fm.raw.strip() else None
    if read is None:
        return False
    data, line, has_raw = url_keys_of_data(fm, read.data)
    rows_data, rows_line, rows_has_raw = text_url_keys(text, fm)
    assert (line, has_raw) == (rows_line, rows_has_raw), text
    picked = [(k, v) for k, v in rows_data.items() if k in URL_KEYS]
    assert [(k, v) for k, v in data.items() if k in URL_KEYS] == picked, text
    assert type(data) is dict
    return True


_URL_ROWS = [
    "permalink: {text}",
    "permalink: /a/{text}/",
    "'permalink': /x/",
    'slug: "{text}"',
    "slug: {text}",
    "date: {text}",
    "date: 2024-01-31",
    "date: 2024-01-31 10:20:30",
    "date: 2024-02-30",
    "categories: [a, {text}]",
    "categories: {text}",
    "category: {text}",
    "published: {text}",
    "published: false",
    "redirect_from:\n  - /old/{text}/\n  - /b/",
    "redirect_from:\n- /old/",
    "redirect_to: {text}",
    "permalink:\n  /wrapped/",
    "permalink: >\n  /folded/",
]


_url_row = st.builds(
    lambda row, text: row.format(text=text).split("\n"),
    st.sampled_from(_URL_ROWS),
    st.sampled_from(_WORDS) | st.sampled_from(["/a/b/", "2024-01-31", "true", "a b"]),
)
_plain_row = st.builds(
    lambda k, t: [f"{k}: {t}"],
    st.sampled_from(["title", "a", "url", "k-1"]),
    st.sampled_from(["x", "hello world", "CloudVane is rooted in FinOps.", "12", "é"]),
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    entries=st.lists(st.one_of(_url_row, _url_row, _plain_row), min_size=1, max_size=5),
    end=st.sampled_from(["", "\n"]),
)
def test_url_keys_of_front_matter_read_ahead_are_those_of_its_rows(
    entries: list[list[str]], end: str
) -> None:
    _url_keys_agree(
        "---\n" + "\n".join(row for entry in entries for row in entry) + end + "\n---\n"
    )


def test_url_keys_of_every_corpus_page_read_ahead_are_those_of_its_rows() -> None:
    texts = [*corpus_pages(), "---\npermalink: /a/\ntitle: Tom &x\n---\n"]
    texts.append("---\npermalink: /a/\npermalink: /b/\nslug: s\n---\n")
    agreed = sum(_url_keys_agree(text) for text in texts)
    assert agreed >= 250
