"""Heading ids: finops-lint's are exactly the ones the real Jekyll writes.

Each site is built once with Debian's Jekyll (kramdown 2.4, kramdown-parser-gfm
1.1) and no layout, so a page's HTML is kramdown's output. The ids of its
h1-h6 elements, in order, must equal the ids finops-lint gives the headings
it finds there, and every id in the page must be one of the page's anchors.
One build per kramdown configuration: `input: GFM` (Jekyll's default),
`input: kramdown`, each with `auto_id_prefix` (and `auto_id_stripping` for
kramdown), and `auto_ids: false`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finops_lint.document import Document, parse_text
from finops_lint.parsing.anchors import IdOptions
from tests.oracle.jekyll import build, jekyll_or_skip, write_site

FRONT = "---\ntitle: t\n---\n\n"

#: One heading per line (each becomes "## ..." with blank lines around it).
INLINE_HEADINGS = [
    "Hello World",
    "Qu&eacute; pasa",  # entities decoded before the id is made
    "A&nbsp;B and&#160;C",  # NBSP is no word character: removed, not a hyphen
    "A\u00a0B raw no-break space",
    "Caf&#233; &#x41; &#150; &amp; &foo; &lt;x&gt;",
    "Emoji \u2764\ufe0f heart \U0001f44d\U0001f3fd and \u2705",  # U+FE0F is a mark: kept
    "\u0939\u093f\u0928\u094d\u0926\u0940 \u0936\u0940\u0930\u094d\u0937\u0915",  # signs, virama
    "Cafe\u0301 combining and caf\u00e9 precomposed",
    "\u0391\u03a3 \u039f\u0394\u039f\u03a3 no final sigma",
    "\u0130stanbul dotted capital I",
    "Tab\tinside",
    "The `code_span` and *emph* and **strong**",
    "snake_case_name and _emph_ and __strong__",
    "_leading underscore_ and trailing_",
    "a -- b---c ... d << e >> f",
    "[link text](http://example.com/path_x) and [inline](</a b>)",
    "[ref] and [text][ref] and [nope][missing] and [Ref][]",
    "![alt text](img.png) after image",
    # an image inside brackets closes its own `]`: a badge link, a nested image
    "Project [![ci](badge_x.svg)](https://ci.example/x_y) status",
    "aa![![a](x_y)a](x_y)",
    "[![a](x)b](y)c and [a [b] c](x)d",
    '<span class="x">inner</span> <b>bold</b> <!-- c --> <code>a_b &amp;</code>',
    "<http://auto.link/x_y> and <me@mail.com>",
    "Escaped \\_ \\* \\# \\~ \\` chars",
    "~~struck~~ text",
    "$$x^2_y$$ math",
    "\"Quoted\" and 'single' don't it's",
    "Unicode \u2014 dash \u2013 and \u2026 ellipsis",
    "\u216b roman \u00bd half \u00b2 squared \u0663 arabic-indic",
    "x\u203fy connector and x\u2040y",
    "ZWJ a\u200db zwnj a\u200cb",
    "123 Numbers first",
    "!!!",
    "!!!",
    "???",
    "{::comment}hidden{:/comment} visible {::nomarkdown}<b>raw</b>{:/nomarkdown}",
    "Span IAL *x*{: .cls} after",
    "Ends with hash#",
    "Trailing hashes ##",
    "O \\#",
    "P {#p-id} ##",
    "Q ## {#q-id}",
    "S {#1bad}",
    "T {#_ok:x.y-z}",
    "U {#\u00e9t\u00e9}",
    "V {#a b}",
    "D {: #not}",
    "Dup",
    "Dup",
    "Dup {#dup-1}",
    "Dup",
    "Dup-1",
    "A 1",
    "Measure(s) of Success & KPI",
    "1. Numbered & stuff!",
    "FinOps: Crawl/Walk/Run \u2014 \u201cquotes\u201d",
]

BLOCKS = """\
# Title

Setext one
==========

Setext two
----------

Multi line
setext
------

## IAL after
{: #ial-after .cls}

{: #ial-before}
## IAL before

## Two IALs
{: #e1}
{: #e2}

## Key value IAL
{: id="kv-id"}

<div markdown="1">
## In Div
</div>

<div>

## Raw Div

</div>

## In Div

<section markdown="1">

## In Section

<div>

## Raw In Section

</div>

</section>

<details markdown="1">
<summary>s</summary>

## In Details

</details>

<h2 id="html-id" class="raw">Raw h2</h2>

  ## Indented

#NoSpace

para
## After para

> ## Quoted
>
> Quoted setext
> -------------

- ## In list
- item

  ## In item

```
# fenced comment
```

~~~
# tilde comment
~~~

    # indented code

## Last [^fn]

Again[^fn] and again[^fn], another[^n2] and an undefined one[^none].

`[^fn]` in code

[ref]: http://example.com
[^fn]: A note.
[^n2]: Another note.
"""

CONFIGS: dict[str, dict[str, Any]] = {
    "gfm": {"input": "GFM"},
    "kramdown": {"input": "kramdown"},
    "gfm-prefix": {"input": "GFM", "auto_id_prefix": "p-"},
    "kramdown-stripping": {
        "input": "kramdown",
        "auto_id_stripping": True,
        "auto_id_prefix": "k-",
        "footnote_prefix": "f-",
    },
    "no-auto-ids": {"auto_ids": False},
}


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str | None]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if attr.get("id"):
            self.ids.add(str(attr["id"]))
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" and attr.get("class") != "raw":
            self.headings.append((int(tag[1]), attr.get("id") or None))


def built_ids(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return parser


def our_ids(doc: Document) -> list[tuple[int, str | None]]:
    return [(h.level, h.id or None) for h in doc.headings if h.renders]


def inline_page(headings: list[str]) -> str:
    return FRONT + "".join(f"## {h}\n\n" for h in headings) + "[ref]: http://example.com\n"


def site_files(pages: dict[str, str], kramdown: dict[str, Any]) -> dict[str, str]:
    config = "title: ids\nmarkdown: kramdown\nkramdown:\n" + "".join(
        f"  {k}: {str(v).lower() if isinstance(v, bool) else v}\n" for k, v in kramdown.items()
    )
    return {"_config.yml": config, **pages}


def compare(src: Path, out: Path, pages: dict[str, str]) -> list[str]:
    """Differences between our ids and the built ones, one line each."""
    options = IdOptions.from_jekyll(
        __import__("yaml").safe_load((src / "_config.yml").read_text(encoding="utf-8"))
    )
    problems = []
    for rel, text in pages.items():
        html = (out / (rel[: -len(".md")] + ".html")).read_text(encoding="utf-8")
        built = built_ids(html)
        doc = parse_text(text, rel, rel, id_style=options)
        ours = our_ids(doc)
        if ours != built.headings:
            problems.append(f"{rel}: ids differ")
            for k in range(max(len(ours), len(built.headings))):
                a = ours[k] if k < len(ours) else None
                b = built.headings[k] if k < len(built.headings) else None
                if a != b:
                    heading = [h for h in doc.headings if h.renders]
                    source = heading[k].source if k < len(heading) else "?"
                    problems.append(f"  #{k} {source!r}: ours {a} built {b}")
        missing = built.ids - doc.anchors()
        extra = doc.anchors() - built.ids
        if missing or extra:
            problems.append(f"{rel}: anchors missing {sorted(missing)} extra {sorted(extra)}")
    return problems


@pytest.fixture(scope="module")
def torture_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    jekyll_or_skip()
    pages = {"inline.md": inline_page(INLINE_HEADINGS), "blocks.md": FRONT + BLOCKS}
    builds = {}
    for name, kramdown in CONFIGS.items():
        base = tmp_path_factory.mktemp(f"ids-{name}")
        src = write_site(base / "src", site_files(pages, kramdown))
        builds[name] = (src, build(src, base / "out"))
    return builds


@pytest.mark.parametrize("config", list(CONFIGS))
def test_torture_heading_ids_match_jekyll(
    torture_builds: dict[str, tuple[Path, Path]], config: str
) -> None:
    src, out = torture_builds[config]
    pages = {"inline.md": inline_page(INLINE_HEADINGS), "blocks.md": FRONT + BLOCKS}
    problems = compare(src, out, pages)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------ generated

_TOKENS = [
    "a", "Z", "\u00e9", "e\u0301", "_", "__", "*", "**", "`", "-", "--", "---", "...", "<<",
    ">>", "\\", "\\_", "\\*", "[", "]", "(", ")", "![", "](x_y)", "&amp;", "&eacute;", "&#45;",
    "&#x5F;", "&nbsp;", "&bogus;", "<span>", "</span>", "<b>", "</b>", "<!--", "-->", "<code>",
    "</code>", "<br>", "<div>", '"', "'", "$$", "{:", "}", "{::comment}", "{:/}", "~~", "\t",
    " ", " ", " ", "\u00a0", "1", "2", "\u2764\ufe0f", "\u0939\u093f", "\u0928\u094d", "\u03a3",
    "\u0130", "[ref]", "<http://a.b/c_d>", "<x@y.z>", "#", "{#id}", "x", "y", "\u0663", "\u216b",
    "\u0345", "{#\u00e9}", "\u200d",
]  # fmt: skip


def _heading_text() -> st.SearchStrategy[str]:
    tokens = st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=8).map("".join)
    letters = st.text(
        alphabet=st.characters(
            categories=["Lu", "Ll", "Lo", "Mn", "Mc", "Nd", "No", "Pc", "Pd", "Po", "So", "Zs"]
        ),
        min_size=1,
        max_size=10,
    )
    return (
        st.one_of(tokens, letters)
        .map(lambda s: s.strip(" \t"))
        .filter(lambda s: bool(s) and "\n" not in s and "\r" not in s)
        .map(lambda s: "x" + s if s[0] in "#-*+>=|:~`0123456789 \t" else s)
    )


@pytest.mark.parametrize("config", ["gfm", "kramdown"])
@settings(
    max_examples=2,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(headings=st.lists(_heading_text(), min_size=120, max_size=120))
def test_generated_heading_ids_match_jekyll(
    tmp_path_factory: pytest.TempPathFactory, config: str, headings: list[str]
) -> None:
    jekyll_or_skip()
    pages = {"gen.md": inline_page(headings)}
    base = tmp_path_factory.mktemp(f"gen-{config}")
    src = write_site(base / "src", site_files(pages, CONFIGS[config]))
    out = build(src, base / "out")
    problems = compare(src, out, pages)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------ Ruby's tables


def test_ruby_tables_are_current() -> None:
    """src/finops_lint/parsing/ruby_unicode.py matches the Ruby that runs kramdown."""
    if shutil.which("ruby") is None:
        jekyll_or_skip()
        pytest.skip("no ruby")
    script = Path(__file__).with_name("gen_ruby_unicode.py")
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, (
        "ruby_unicode.py is stale: run python tests/oracle/gen_ruby_unicode.py\n" + proc.stderr
    )
