"""Property tests: whatever a page holds, parsing and every rule finish cleanly.

Inputs: arbitrary text and bytes, arbitrary front matter (valid and broken YAML,
every YAML type where a string is expected), Markdown built from a grammar of
the constructs we parse, and mutations of real corpus pages. Properties:

* ``parse_document`` never raises;
* the engine (every rule) never raises and never reports IN001;
* every finding has a path, a line within the file, a column >= 1 and a code
  that ``all_rules()`` knows (or FM000 / IN001);
* parsing is deterministic;
* a page's page-scope findings do not depend on which other pages are checked.

Deterministic for CI (``derandomize=True``, no example database); the whole file
stays well under a minute. ``bench/fuzz.py`` runs the same properties longer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finops_lint.document import Document, parse_document, parse_text
from finops_lint.engine import RunOptions, run
from finops_lint.rules.base import all_rules
from tests.conftest import CAPABILITY_TEMPLATE, CONFIG_YML
from tests.corpus import corpus_dir

KNOWN_CODES = {r.code for r in all_rules()} | {"FM000", "IN001"}
PAGE_SCOPE = {r.code for r in all_rules() if r.scope == "page"}

CI = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def budget(n: int) -> settings:
    return settings(CI, max_examples=n)


# ------------------------------------------------------------------ the checks


class TmpSite:
    """One small Jekyll site reused across examples (pages are rewritten)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "_templates").mkdir(parents=True, exist_ok=True)
        (root / "_config.yml").write_text(CONFIG_YML, encoding="utf-8")
        (root / "_templates" / "_capability.md").write_text(CAPABILITY_TEMPLATE, encoding="utf-8")
        (root / "index.md").write_text(
            "---\ntitle: Home\npermalink: /\n---\n\n# Home\n\n## Intro {#intro}\n", encoding="utf-8"
        )
        (root / "img").mkdir(exist_ok=True)
        (root / "img" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")

    def write(self, rel: str, data: bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def lint(self, *rels: str) -> Any:
        return run(RunOptions(paths=[self.root / r for r in rels], root=self.root))


@pytest.fixture(scope="module")
def tmp_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TmpSite]:
    root = tmp_path_factory.mktemp("prop") / "site"
    root.mkdir()
    old = Path.cwd()
    os.chdir(root)
    try:
        yield TmpSite(root)
    finally:
        os.chdir(old)


def check_findings(result: Any, data: dict[str, bytes]) -> None:
    """The invariants every finding of a run keeps. data: rel path -> bytes."""
    assert result.internal_errors == 0
    for f in result.findings:
        assert f.code != "IN001", f.message
        assert f.code in KNOWN_CODES, f.code
        assert f.path, f
        assert f.column >= 1, f
        name = next((r for r in data if f.path == r or f.path.endswith("/" + r)), None)
        if name is None:
            continue
        raw = data[name]
        text = raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        lines = max(raw.count(b"\n") + 1, text.count("\n") + 1)
        assert 1 <= f.line <= max(1, lines), (f, lines)


def lint_one(site: TmpSite, rel: str, data: bytes) -> Any:
    site.write(rel, data)
    result = site.lint(rel)
    check_findings(result, {rel: data})
    return result


def model(doc: Document) -> tuple[Any, ...]:
    return (
        doc.headings,
        doc.links,
        doc.tables,
        doc.sections,
        sorted(doc.definitions.items()),
        doc.front_matter.data,
        doc.front_matter.error,
        doc.malformed_links,
        doc.html_ids,
    )


# ------------------------------------------------------------------ strategies

WORDS = st.sampled_from(
    [
        "Forecasting",
        "TBD",
        "coming soon",
        "hello",
        "world",
        "foobar",
        "Crawl",
        "Walk",
        "Run",
        "Maturity Assessment",
        "Definition",
        "needs update",
        "Capability Title Here",
        "x",
        "é",
        "日本",
        "<<<<<<< HEAD",
        "=======",
        ">>>>>>> main",
        "&amp;",
        "\\",
        "*",
        "_",
        "|",
        "`",
    ]
)
URLS = st.sampled_from(
    [
        "index.md",
        "/",
        "/framework/capabilities/forecasting/",
        "#intro",
        "#nowhere",
        "index.md#intro",
        "https://www.finops.org/",
        "https://www.finops.org/nope/",
        "https://example.com/a",
        "mailto:a@b.c",
        "www.example.com",
        "http//broken",
        "",
        "../up.md",
        "img/logo.png",
        "/img/missing.png",
        "{{ site.baseurl }}/x/",
        "{% link index.md %}",
        "<with space.md>",
        "a(b)c.md",
        "a b.md",
        "javascript:x",
        "//cdn.example.com/x.js",
        "?q=1",
        "#",
        "%zz",
        "\\",
        "x.md#a#b",
    ]
)
INLINE_TEXT = st.lists(WORDS, max_size=4).map(" ".join)


@st.composite
def links(draw: st.DrawFn) -> str:
    text, url = draw(INLINE_TEXT), draw(URLS)
    label = draw(st.sampled_from(["ref", "Ref One", "missing", "", "^1"]))
    return draw(
        st.sampled_from(
            [
                f"[{text}]({url})",
                f"![{text}]({url})",
                f'[{text}]({url} "title")',
                f"[{text}]({url} 'title')",
                f"[{text}]({url} (title))",
                f"[{text}][{label}]",
                f"[{text}][]",
                f"[{label}]",
                f"<{url}>",
                f'<a href="{url}">{text}</a>',
                f"<img src='{url}'>",
                f"[{text}] ({url})",
                f"[{text}]()",
                f"[{text}](<{url}>)",
                f"[{text}]({url}",
                f"[[{text}]({url})]",
                f"\\[{text}]({url})",
                f"`[{text}]({url})`",
                f"[^{label}]",
                f"[ ]({url})",
                f"[x] {text}",
                f"{{{{ '{url}' | relative_url }}}}",
            ]
        )
    )


INLINE = st.lists(st.one_of(WORDS, links()), min_size=0, max_size=6).map(" ".join)


@st.composite
def heading(draw: st.DrawFn) -> str:
    level = draw(st.integers(1, 7))
    text = draw(INLINE)
    attr = draw(
        st.sampled_from(
            [
                "",
                " {#my-id}",
                " {: #other .cls}",
                " {#}",
                " ##",
                " {#a b",
                "\n{: #ial-id}",
                "\n{:.cls}",
            ]
        )
    )
    style = draw(st.sampled_from(["atx", "atx", "setext", "nospace"]))
    if style == "setext" and text.strip():
        return f"{text}{attr}\n{draw(st.sampled_from(['===', '---', '-']))}"
    if style == "nospace":
        return "#" * level + text + attr
    return "#" * level + " " + text + attr


@st.composite
def table(draw: st.DrawFn) -> str:
    cols = draw(st.integers(1, 6))
    cell = st.one_of(INLINE, st.sampled_from(["", " ", "\\|", "`a|b`", "TBD", "foobar"]))
    header = [draw(cell) for _ in range(cols)]
    lead = draw(st.booleans())
    delim = [draw(st.sampled_from(["---", ":--", "--:", ":-:", "-", ""])) for _ in range(cols)]
    out = ["|" * lead + " | ".join(header) + " |" * lead, "|" * lead + "|".join(delim) + "|" * lead]
    for _ in range(draw(st.integers(0, 5))):
        n = draw(st.integers(0, cols + 2))  # ragged rows
        out.append("| " + " | ".join(draw(cell) for _ in range(n)) + " |")
    return "\n".join(out)


@st.composite
def block(draw: st.DrawFn, depth: int = 0) -> str:
    kinds = ["para", "heading", "table", "fence", "html", "liquid", "def", "comment", "hr"]
    if depth < 3:
        kinds += ["list", "quote"]
    kind = draw(st.sampled_from(kinds))
    if kind == "para":
        return draw(INLINE)
    if kind == "heading":
        return draw(heading())
    if kind == "table":
        return draw(table())
    if kind == "fence":
        fence = draw(st.sampled_from(["```", "~~~", "````", "    "]))
        body = draw(INLINE)
        close = draw(st.sampled_from([fence, "", "``"])) if fence.strip() else ""
        return f"{fence}lang\n{body}\n{close}" if fence.strip() else f"    {body}"
    if kind == "html":
        return draw(
            st.sampled_from(
                [
                    '<div id="box" markdown="1">\n{}\n</div>',
                    "<table>\n<tr><td>{}</td></tr>\n</table>",
                    '<p id="{{{{ page.id }}}}">{}</p>',
                    "<details>\n{}",
                    '<a name="n">{}</a>',
                ]
            )
        ).format(draw(INLINE))
    if kind == "liquid":
        return draw(
            st.sampled_from(
                [
                    "{% include x.html %}",
                    "{% raw %}[a](b){% endraw %}",
                    "{% comment %}[x](y)",
                    "{% if a %}{}{% endif %}",
                    "{{ page.title }}",
                    "{% for c in site.capabilities %}",
                    "{%",
                    "{{",
                    "{% endcomment %}",
                ]
            )
        ).replace("{}", draw(INLINE))
    if kind == "def":
        label = draw(st.sampled_from(["ref", "Ref One", "unused", "^1", "a]b"]))
        return f"[{label}]: {draw(URLS)}" + draw(st.sampled_from(["", ' "t"', "\n  'title'"]))
    if kind == "comment":
        return draw(
            st.sampled_from(
                [
                    "<!-- {} -->",
                    "<!-- {}",
                    "{} -->",
                    "<!-- finops-lint-disable LK001 -->\n{}",
                    "<!-- finops-lint-disable-next-line -->\n{}",
                    "<!-- finops-lint-disable-file -->",
                ]
            )
        ).format(draw(INLINE))
    if kind == "hr":
        return draw(st.sampled_from(["---", "***", "___", "- - -"]))
    inner = draw(st.lists(block(depth + 1), min_size=1, max_size=3))
    if kind == "quote":
        prefix = draw(st.sampled_from(["> ", ">", "> > "]))
        return "\n".join(prefix + line for b in inner for line in b.split("\n"))
    marker = draw(st.sampled_from(["- ", "* ", "1. ", "2) ", "- [ ] ", "+ "]))
    indent = " " * len(marker)
    items = []
    for b in inner:
        first, *rest = b.split("\n")
        items.append(marker + first + "".join("\n" + indent + r for r in rest))
    return "\n".join(items)


YAML_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(["TBD", "Capability Title Here", ""]),
)
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FM_KEYS = st.sampled_from(
    [
        "title",
        "layout",
        "permalink",
        "page-identifier",
        "description",
        "order",
        "label",
        "framework-capability-title",
        "framework-capability-desc",
        "framework-capabilities",
        "framework-domain-title",
        "redirect_from",
        "published",
        "search-keywords",
        "image",
        "type",
        "date",
        "tags",
        "1",
        "true",
        "",
    ]
)
RAW_YAML = st.sampled_from(
    [
        "title: Cost: Metadata",
        "title: [unclosed",
        "\ttitle: tab",
        "- a\n- b",
        "just text",
        "title: 'a\n",
        "a: &x 1\nb: *x",
        "a: *undefined",
        "<<: {title: t}",
        "? [a]\n: b",
        "title: !!binary aGVsbG8=",
        "title: !!set {a, b}",
        "x: !!python/name:os.system",
        "title: !custom x",
        "title: |\n  block\n  text",
        "title: >-\n  folded",
        "%YAML 1.2\n---",
        "title: a\ntitle: b",
        "k: 0x1F\nv: 1_000\nd: 2024-13-45",
        "t: .inf\nn: .nan\nz: ~",
        "a: [" * 70 + "]" * 70,
        "---",
        "...",
        "\ufeffkey: v",
        "title: \x85next",
    ]
)


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return ""
    if choice == 1:
        data = draw(st.dictionaries(FM_KEYS, YAML_VALUES, max_size=6))
        try:
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        except yaml.YAMLError:
            text = "title: x\n"
        return f"---\n{text}---\n"
    if choice == 2:
        parts = draw(st.lists(RAW_YAML, min_size=1, max_size=3))
        closer = draw(st.sampled_from(["---\n", "...\n", "", "--- \n", "----\n"]))
        return "---\n" + "\n".join(parts) + "\n" + closer
    key = draw(FM_KEYS)
    value = draw(YAML_VALUES)
    return f"---\nlayout: capability\n{key}: {yaml.safe_dump(value, default_flow_style=True)}---\n"


@st.composite
def markdown_page(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(block(), max_size=8))
    sep = draw(st.sampled_from(["\n\n", "\n", "\n\n\n"]))
    return draw(front_matter()) + sep.join(blocks) + draw(st.sampled_from(["", "\n", "\r\n"]))


PAGE_PATHS = st.sampled_from(
    [
        "page.md",
        "_capabilities/cap.md",
        "_domains/dom.md",
        "_resources/res.md",
        "dir/page.md",
        "page.html",
        "page.markdown",
    ]
)

# ------------------------------------------------------------------ properties


@budget(1000)
@given(st.text(max_size=400))
def test_parse_text_never_raises_on_arbitrary_text(text: str) -> None:
    doc = parse_text(text, "a.md", "a.md")
    assert model(doc) == model(parse_text(text, "a.md", "a.md"))


@budget(600)
@given(st.binary(max_size=300))
def test_parse_document_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    for name in ("a.md", "a.html"):
        parse_document(data, name, name)


@budget(600)
@given(markdown_page())
def test_parse_grammar_pages_deterministic(text: str) -> None:
    for style in ("kramdown", "gfm"):
        a = parse_text(text, "a.md", "a.md", id_style=style)
        b = parse_text(text, "a.md", "a.md", id_style=style)
        assert model(a) == model(b)
        for link in a.links:
            assert link.line >= 1 and link.column >= 1
        for h in a.headings:
            assert 1 <= h.line <= max(1, len(a.lines))


@budget(400)
@given(text=st.text(max_size=300), path=PAGE_PATHS)
def test_rules_on_arbitrary_text(tmp_site: TmpSite, text: str, path: str) -> None:
    lint_one(tmp_site, path, text.encode("utf-8", "surrogatepass"))


@budget(200)
@given(data=st.binary(max_size=200), path=PAGE_PATHS)
def test_rules_on_arbitrary_bytes(tmp_site: TmpSite, data: bytes, path: str) -> None:
    lint_one(tmp_site, path, data)


@budget(400)
@given(fm=front_matter(), path=PAGE_PATHS)
def test_rules_on_arbitrary_front_matter(tmp_site: TmpSite, fm: str, path: str) -> None:
    lint_one(tmp_site, path, (fm + "\n# Title\n\nBody.\n").encode())


@budget(500)
@given(text=markdown_page(), path=PAGE_PATHS)
def test_rules_on_grammar_pages(tmp_site: TmpSite, text: str, path: str) -> None:
    lint_one(tmp_site, path, text.encode("utf-8", "surrogatepass"))


@budget(150)
@given(a=markdown_page(), b=markdown_page(), path=PAGE_PATHS)
def test_findings_do_not_depend_on_other_pages(
    tmp_site: TmpSite, a: str, b: str, path: str
) -> None:
    other = "other/b.md" if path != "other/b.md" else "other/c.md"
    data_a, data_b = a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    tmp_site.write(path, data_a)
    tmp_site.write(other, data_b)
    alone = tmp_site.lint(path)
    both = tmp_site.lint(path, other)
    check_findings(both, {path: data_a, other: data_b})

    def page_findings(result: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (f.line, f.column, f.code, f.message)
            for f in result.findings
            if f.code in PAGE_SCOPE and (f.path == path or f.path.endswith("/" + path))
        )

    assert page_findings(alone) == page_findings(both)
    (tmp_site.root / other).unlink()


# ------------------------------------------------------------------ corpus mutations


def _corpus_pages() -> list[Path]:
    root = corpus_dir()
    if root is None:
        if os.environ.get("FINOPS_LINT_REQUIRE_CORPUS") == "1":
            pytest.fail("the shared corpus is not there (set FINOPS_LINT_CORPUS)")
        return []
    site = root / "finops-framework"
    return sorted(p for p in site.rglob("*.md") if p.is_file())


CORPUS = _corpus_pages()
#: the corpus site folder (the one with _config.yml)
CORPUS_ROOT = (
    next((p for p in CORPUS[0].parents if (p / "_config.yml").is_file()), None) if CORPUS else None
)


@st.composite
def mutated_corpus_page(draw: st.DrawFn) -> tuple[str, bytes]:
    assert CORPUS_ROOT is not None
    path = draw(st.sampled_from(CORPUS))
    lines = path.read_bytes().split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "pipe"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            line = lines[i]
            k = draw(st.integers(0, len(line)))
            lines[i] = line[:k] + draw(st.binary(min_size=1, max_size=8)) + line[k:]
        elif op == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            lines[i] = lines[i].replace(b"|", b"", 1) if b"|" in lines[i] else lines[i] + b" |"
    return path.relative_to(CORPUS_ROOT).as_posix(), b"\n".join(lines)


needs_corpus = pytest.mark.skipif(not CORPUS, reason="the shared corpus is not available")


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> TmpSite:
    """A tmp site with the corpus's _config.yml and the template (not the whole corpus)."""
    assert CORPUS_ROOT is not None
    root = tmp_path_factory.mktemp("corpus") / "site"
    root.mkdir()
    site = TmpSite(root)
    (root / "_config.yml").write_bytes((CORPUS_ROOT / "_config.yml").read_bytes())
    return site


@needs_corpus
@budget(400)
@given(page=mutated_corpus_page())
def test_mutated_corpus_pages_parse(page: tuple[str, bytes]) -> None:
    rel, data = page
    a = parse_document(data, rel, rel)
    assert model(a) == model(parse_document(data, rel, rel))


@needs_corpus
@budget(300)
@given(page=mutated_corpus_page())
def test_mutated_corpus_pages_lint(corpus_site: TmpSite, page: tuple[str, bytes]) -> None:
    rel, data = page
    lint_one(corpus_site, rel, data)
    (corpus_site.root / rel).unlink()


# ------------------------------------------------------------------ regressions


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000,  # was rescanned 4000 characters from every "[" (quadratic)
        '<a href="x" ' * 3000,
        "[a](<b " * 3000,
        "{{ x " * 3000,
        "# t " + "{#a " * 3000,
        "[a](b (" * 3000,
    ],
)
def test_regression_linear_scanners_give_same_model_as_before(text: str) -> None:
    doc = parse_text(text + "\n", "a.md", "a.md")
    assert doc.links == [] or all(link.line == 1 for link in doc.links)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[a [b] c](x.md)", ["x.md"]),
        ("[a\n\n](x.md) [b](y.md)", ["y.md"]),
        ("[a\\](x.md) [b](y.md)", ["y.md"]),
        ("\\[a](x.md)", []),
        ("[a](<dest with space.md>)", ["dest with space.md"]),
        ("[a](<no\nnewline.md>)", []),
        ("[a](x.md (paren title))", ["x.md"]),
        ("[a](x.md (unclosed title) [b](y.md)", ["y.md"]),
        ("[[nested]](x.md)", ["x.md"]),
        ("[" + "a" * 4100 + "](far.md) [b](y.md)", ["y.md"]),
    ],
)
def test_regression_bracket_matching(text: str, expected: list[str]) -> None:
    doc = parse_text(text + "\n", "a.md", "a.md")
    assert [link.target for link in doc.links if link.syntax == "inline"] == expected


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("[Forecasting](/framework/capabilities/forecasting/)", "Forecasting"),
        ("[Wiki](https://en.wikipedia.org/wiki/Foo_(bar))", "Wiki"),
        ("<b>bold</b> and <br/> break", "bold and break"),
        ("[ref][label] text", "ref text"),
        ("a < b and c > d", "a d"),
    ],
)
def test_regression_plain_text(raw: str, plain: str) -> None:
    from finops_lint.parsing.tables import plain_text

    assert plain_text(raw) == plain


@pytest.mark.parametrize(
    ("line", "hid", "text"),
    [
        ("## Title {#my-id}", "my-id", "Title"),
        ("## Title {: #my-id .cls}", "title--my-id-cls", "Title {: #my-id .cls}"),  # no IAL
        ("## Title ##", "title", "Title"),
        ("## Title   ###   ", "title", "Title"),
        ("## A {#b c", "a-b-c", "A {#b c"),
    ],
)
def test_regression_heading_ids(line: str, hid: str, text: str) -> None:
    doc = parse_text(line + "\n", "a.md", "a.md")
    assert (doc.headings[0].id, doc.headings[0].text) == (hid, text)


def test_regression_sections_end_at_same_or_higher_level() -> None:
    doc = parse_text("# A\n## B\n### C\n## D\n# E\ntext\n", "a.md", "a.md")
    assert [(s.heading.text, s.end_line, s.content_end_line) for s in doc.sections] == [
        ("A", 4, 1),
        ("B", 3, 2),
        ("C", 3, 3),
        ("D", 4, 4),
        ("E", 6, 6),
    ]
