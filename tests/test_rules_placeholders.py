"""PH rules: placeholder rows, cells, prose, unfinished notes, template text,
merge-conflict markers. Pages use a 3-line front matter: body line N is page line N + 3."""

from __future__ import annotations

import pytest

from tests.conftest import CAPABILITY_PAGE, DOMAIN_PAGE, Site, only, page

TABLE = "| A | B | C |\n| --- | --- | --- |\n"


# ------------------------------------------------------------------ PH001


def test_ph001_placeholder_row_at_its_first_cell(site: Site) -> None:
    text = page("\n" + TABLE + "| real | data | here |\n| hello | world | foobar |\n")
    findings = site.lint_full("t.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("PH001", 8, 3)]
    assert "hello | world | foobar" in findings[0].message


@pytest.mark.parametrize(
    "row", ["| foo | bar | baz |", "| TBD | TODO | xxx |", "| test | test |  |"]
)
def test_ph001_other_placeholder_rows(site: Site, row: str) -> None:
    assert only(site.lint("t.md", page("\n" + TABLE + row + "\n")), "PH001") == [("PH001", 7)]


def test_ph001_real_rows_that_contain_placeholder_words_are_fine(site: Site) -> None:
    text = page("\n" + TABLE + "| hello team | world map | we test it |\n| Crawl | test | 5% |\n")
    assert only(site.lint("t.md", text), "PH001") == []


# ------------------------------------------------------------------ PH002


def test_ph002_placeholder_cell_at_the_cell(site: Site) -> None:
    text = page("\n| Level | Notes | Pct |\n| --- | --- | --- |\n| Walk | TBD | 80% |\n")
    findings = site.lint_full("c.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("PH002", 7, 10)]
    assert findings[0].end_column == 13
    assert findings[0].severity.value == "warning"


def test_ph002_filled_cell_is_fine(site: Site) -> None:
    text = page("\n| Level | Notes | Pct |\n| --- | --- | --- |\n| Walk | Done monthly | 80% |\n")
    assert site.lint("c.md", text) == []


def test_ph002_not_reported_when_the_whole_row_is_ph001(site: Site) -> None:
    text = page("\n" + TABLE + "| TBD | TODO | xxx |\n")
    assert site.lint("c.md", text) == [("PH001", 7)]


# ------------------------------------------------------------------ PH003


def test_ph003_lorem_ipsum(site: Site) -> None:
    text = page("\n# Title\n\nSome intro.\n\nLorem ipsum dolor sit amet.\n")
    assert site.lint_pos("p.md", text) == [("PH003", 9, 1)]


def test_ph003_todo_note_points_at_the_todo(site: Site) -> None:
    text = page("\n# Title\n\nWe will add it. TODO: write the inputs.\n")
    assert site.lint_pos("p.md", text) == [("PH003", 7, 17)]


def test_ph003_hello_world_heading(site: Site) -> None:
    text = page("\n# Title\n\n## Hello World\n\nText.\n")
    assert site.lint_pos("p.md", text) == [("PH003", 7, 4)]


def test_ph003_block_that_is_only_test(site: Site) -> None:
    assert site.lint_pos("p.md", page("\n# Title\n\ntest\n")) == [("PH003", 7, 1)]


def test_ph003_generated_filler_text(site: Site) -> None:
    text = page("\n# T\n\nPoutine banjo marfa, put a bird on it aliqua deep v kombucha.\n")
    assert site.lint_pos("p.md", text) == [("PH003", 7, 1)]


#: Cat-ipsum filler: none of these words is in the built-in vocabulary.
CAT_IPSUM = "Purr meow hiss, knead the blanket, chirp at birds and zoomies at night."


def test_ph003_filler_vocabulary_is_profile_data_a_config_adds_to(site: Site) -> None:
    text = page("\n# T\n\n" + CAT_IPSUM + "\n")
    assert site.lint("p.md", text) == []
    site.config(
        "placeholders:\n  filler-words: [purr, meow, hiss, knead]\n"
        "  filler-phrases: [Chirp at birds]\n"
    )
    assert site.lint_pos("p.md", text) == [("PH003", 7, 1)]
    # the built-in words still count: the config's lists extend the profile's
    builtin = page("\n# T\n\nPoutine banjo marfa, put a bird on it aliqua deep v kombucha.\n")
    assert site.lint_pos("q.md", builtin) == [("PH003", 7, 1)]


def test_ph007_uses_the_same_filler_vocabulary(site: Site) -> None:
    site.config("placeholders:\n  filler-words: [purr, meow, hiss, knead, zoomies]\n")
    fm = f"---\ntitle: Cats\ndescription: {CAT_IPSUM}\n---\n"
    assert site.lint_pos("p.md", fm + "\n# Cats\n\nReal text.\n") == [("PH007", 3, 14)]


def test_filler_words_are_letters_only(site: Site) -> None:
    site.config("placeholders:\n  filler-words: [purr, two words]\n")
    result = site.cli("check")
    assert result.exit_code == 2, result.output
    assert ".finops-lint.yaml:2: placeholders/filler-words/1" in result.output


def test_ph003_template_title_phrase(site: Site) -> None:
    assert site.lint_pos("p.md", page("\n# Capability Title Here\n")) == [("PH003", 5, 14)]


def test_ph003_word_test_in_a_real_sentence_is_not_a_placeholder(site: Site) -> None:
    text = page(
        "\n# Title\n\nWe test the forecast monthly and test it again.\n\n"
        "- A/B test results\n\n## Test Strategy\n\nA test.\n"
    )
    assert site.lint("p.md", text) == []


def test_ph003_not_read_inside_code_blocks_comments_or_liquid(site: Site) -> None:
    text = page(
        "\n# Title\n\n```\nLorem ipsum dolor\nTODO: x\n```\n\n    TODO: indented code\n\n"
        "<!-- TODO: hidden note -->\n\nReal {{ 'TODO: x' }} text {% include todo.html %}.\n"
    )
    assert site.lint("p.md", text) == []


def test_ph003_not_read_inside_code_spans(site: Site) -> None:
    assert site.lint("p.md", page("\n# Title\n\nWrite `TODO: x` to mark a gap.\n")) == []


def test_ph003_not_read_inside_liquid_comment_blocks(site: Site) -> None:
    text = page("\n# Title\n\n{% comment %}\nTODO: liquid comment\n{% endcomment %}\n")
    assert site.lint("p.md", text) == []


# ------------------------------------------------------------------ PH004


def test_ph004_coming_soon_is_a_warning_at_the_phrase(site: Site) -> None:
    findings = site.lint_full("u.md", page("\n# Title\n\nReference of courses coming soon.\n"))
    assert [(f.code, f.line, f.column) for f in findings] == [("PH004", 7, 22)]
    assert findings[0].severity.value == "warning"


def test_ph004_needs_update_in_a_heading(site: Site) -> None:
    text = page("\n# Title\n\n## Functional Activity (needs update)\n\nx\n")
    assert site.lint_pos("u.md", text) == [("PH004", 7, 24)]


def test_ph004_dates_tbd_inside_a_sentence_is_not_unfinished(site: Site) -> None:
    text = page(
        "\n# Title\n\nThe summit dates TBD will be announced by the board.\n\n"
        "The scope is to be determined by the board.\n"
    )
    assert site.lint("u.md", text) == []


def test_ph004_boilerplate_on_every_page_of_a_type_is_one_finding(framework_site: Site) -> None:
    soon = "\n## FinOps Training\n\nReference of courses and training partners coming soon.\n"
    first = DOMAIN_PAGE + soon
    second = DOMAIN_PAGE.replace("quantify-business-value", "zz-other") + soon
    second += "\n## Tools\n\nTool list coming soon.\n"
    framework_site.write("_domains/quantify-business-value.md", first)
    framework_site.write("_domains/zz-other.md", second)
    findings = framework_site.findings(
        "_domains/quantify-business-value.md", "_domains/zz-other.md"
    )
    got = [(f.path, f.code, f.line) for f in findings if f.code == "PH004"]
    assert got == [
        ("_domains/quantify-business-value.md", "PH004", 21),
        ("_domains/zz-other.md", "PH004", 25),  # a sentence of its own
    ]
    assert "1 other domain page" in findings[0].message
    assert [(r.path, r.line) for r in findings[0].related] == [("_domains/zz-other.md", 21)]


def test_ph004_a_page_whose_words_markup_splits_is_reported_on_its_own(
    framework_site: Site,
) -> None:
    """Other pages are parsed only when their source holds the pattern's words; a page
    whose source splits them ("co**ming**") is left out of the index of repeated
    sentences, and its own finding must then stand alone, not be dropped."""
    soon = "\n## FinOps Training\n\nReference of courses and training partners coming soon.\n"
    split = soon.replace("coming", "co**ming**")
    framework_site.write("_domains/quantify-business-value.md", DOMAIN_PAGE + soon)
    for name, extra in (("zz-one", split), ("zz-two", soon)):
        text = DOMAIN_PAGE.replace("quantify-business-value", name) + extra
        framework_site.write(f"_domains/{name}.md", text)
    findings = framework_site.findings(
        "_domains/quantify-business-value.md", "_domains/zz-one.md", "_domains/zz-two.md"
    )
    got = [(f.path, f.code, len(f.related)) for f in findings if f.code == "PH004"]
    assert got == [
        ("_domains/quantify-business-value.md", "PH004", 1),  # zz-two's copy is related
        ("_domains/zz-one.md", "PH004", 0),
    ]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"\bcoming soon\b", (("coming",), ("soon",))),
        (r"\(\s*needs? (?:an )?update\s*\)", (("need",), ("update",))),
        (r"\b(?:TODO|FIXME):", (("fixme", "todo"),)),
        (r"(?-i:\b(?:Title|Name) (?:[Gg]oes )?Here\b)", (("name", "title"), ("here",))),
        (r"(?:ab|x?)cd", (("cd",),)),  # an alternative that requires nothing
        (r"x{0,3}", None),
        (r"[abc]+", None),
        (r"(?<=\d)x", (("x",),)),
        (r"(?P<a>", None),  # not a pattern
    ],
)
def test_required_words_of_a_pattern(pattern: str, words: tuple | None) -> None:
    from finops_lint.rules.placeholder_analysis import required_words

    assert required_words(pattern) == words


def test_may_match_source_folds_as_the_pattern_matches() -> None:
    from finops_lint.rules.placeholder_analysis import may_match_source

    items = (r"\bcoming soon\b", r"\bunder construction\b")
    assert may_match_source("Coming\nSOON", items)
    assert may_match_source("Under [construction](x)", items)
    assert may_match_source("under construct\u0131on", items)  # dotless i: re matches it
    assert may_match_source("coming later, soon-ish", items)  # words anywhere: a prefilter
    assert not may_match_source("Nothing is unfinished here.", items)
    assert may_match_source("anything", (r"\bcoming soon\b", r"x?"))  # x? requires no word


# ------------------------------------------------------------------ PH005


def test_ph005_template_instruction_paragraph(framework_site: Site) -> None:
    text = CAPABILITY_PAGE.replace(
        "Forecasting is how an organisation predicts future cloud spend.",
        '_definition for this Capability.  the objective here is to capture the "What" '
        '(**not** the "How") for this Capability._',
    )
    findings = framework_site.lint_full("_capabilities/forecasting.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("PH005", 19, 1)]
    assert "_templates/_capability.md" in findings[0].message


FUNCTIONAL_BLOCK = (
    "_written for each persona responsible for the functional activity and processes "
    "encapsulated by his Capability.  each one should be associated generally to one of the "
    "FinOps Phases (Inform, Optimize, Operate). for example:_\n"
    ">As a [FinOps Persona], I will [functional activity] so that [desired outcome] is achieved.\n"
)


def test_ph005_one_finding_per_template_block_not_per_line(framework_site: Site) -> None:
    text = CAPABILITY_PAGE.replace(
        "Forecasting is how an organisation predicts future cloud spend.", FUNCTIONAL_BLOCK
    )
    findings = framework_site.lint_full("_capabilities/forecasting.md", text)
    assert [(f.code, f.line, f.end_line) for f in findings] == [("PH005", 19, 20)]
    assert "(lines 19-20)" in findings[0].message


def test_ph005_the_same_block_under_two_headings_is_two_findings(framework_site: Site) -> None:
    text = CAPABILITY_PAGE.replace(
        "Forecasting is how an organisation predicts future cloud spend.",
        FUNCTIONAL_BLOCK + "\n## Other\n\n" + FUNCTIONAL_BLOCK,
    )
    findings = framework_site.lint_full("_capabilities/forecasting.md", text)
    assert [(f.code, f.line) for f in findings] == [("PH005", 19), ("PH005", 24)]


def test_ph005_template_title_heading(framework_site: Site) -> None:
    text = CAPABILITY_PAGE.replace("# Forecasting\n", "# Capability Name Heading Here\n")
    got = framework_site.lint_pos("_capabilities/forecasting.md", text)
    assert ("PH005", 15, 1) in got


def test_ph005_shared_section_headings_are_not_template_text(framework_site: Site) -> None:
    # The page has ## Definition, ## Inputs ... exactly as the template does.
    assert framework_site.codes("_capabilities/forecasting.md") == []


def test_ph005_only_for_page_types_with_a_template(site: Site) -> None:
    text = page(
        '\n# T\n\n_definition for this Capability.  the objective here is to capture the "What" '
        '(**not** the "How") for this Capability._\n'
    )
    assert only(site.lint("p.md", text), "PH005") == []


# ------------------------------------------------------------------ PH006


def test_ph006_merge_conflict_markers(site: Site) -> None:
    text = page("\n# T\n\n<<<<<<< HEAD\nCrawl\n=======\nWalk\n>>>>>>> feature\n")
    assert only(site.lint("m.md", text), "PH006") == [("PH006", 7), ("PH006", 9), ("PH006", 11)]


def test_ph006_setext_underline_is_not_a_marker(site: Site) -> None:
    text = page("\nTitle\n=======\n\ntext\n")
    assert site.lint("m.md", text) == []
