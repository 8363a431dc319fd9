"""SC rules on capability pages: required sections, Crawl/Walk/Run parts, empty
sections. The capability front matter is 13 lines: '# Forecasting' is line 15."""

from __future__ import annotations

import pytest

from tests.conftest import CAPABILITY_BODY, CAPABILITY_FRONT_MATTER, Site, only

CAP = "_capabilities/forecasting.md"
MATURITY_PARTS = (
    "#### Crawl\n\n- Forecasts are made by hand once a year.\n\n"
    "#### Walk\n\n- Forecasts are made monthly from trailing usage.\n\n"
    "#### Run\n\n- Forecasts are driver-based and reviewed weekly.\n"
)


def lint_body(s: Site, body: str) -> list[tuple[str, int, int]]:
    return s.lint_pos(CAP, CAPABILITY_FRONT_MATTER + body)


def test_valid_capability_has_no_section_findings(framework_site: Site) -> None:
    assert lint_body(framework_site, CAPABILITY_BODY) == []


# ------------------------------------------------------------------ SC001


def test_sc001_missing_inputs_at_the_title(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace("## Inputs\n\n- Billing data and business plans.\n", "")
    findings = framework_site.lint_full(CAP, CAPABILITY_FRONT_MATTER + body)
    assert [(f.code, f.line, f.column) for f in findings] == [("SC001", 15, 1)]
    assert "'Inputs'" in findings[0].message


def test_sc001_missing_maturity_assessment(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace("## Maturity Assessment\n\n" + MATURITY_PARTS, "")
    assert only(lint_body(framework_site, body), "SC001") == [("SC001", 15, 1)]


@pytest.mark.parametrize(
    "heading",
    [
        "## Measure(s) of Success & KPI",
        "## Measure(s) of Success",
        "## Measures of Success",
        "## Measure of Success",
        "### Measures of Success and KPIs",
    ],
)
def test_sc001_measures_of_success_aliases(framework_site: Site, heading: str) -> None:
    body = CAPABILITY_BODY.replace("## Measure(s) of Success & KPI", heading)
    assert lint_body(framework_site, body) == []


def test_sc001_section_with_a_note_still_matches(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace(
        "## Functional Activity", "## Functional Activity (needs update)"
    )
    # PH004 warns about the note; the section itself is present.
    assert only(lint_body(framework_site, body), "SC001") == []


def test_sc001_capability_nested_one_level_deeper(framework_site: Site) -> None:
    # '# Title' then '### Section' and '##### Crawl': same outline, one level deeper.
    body = CAPABILITY_BODY.replace("\n## ", "\n### ").replace("\n#### ", "\n##### ")
    assert "\n### Maturity Assessment" in body and "\n##### Crawl" in body
    # The sections are all found; only the outline's skips (h1 -> h3, h3 -> h5) are HD005's.
    assert [f for f in lint_body(framework_site, body) if f[0] != "HD005"] == []


def test_sc001_word_inside_another_heading_does_not_count(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace("## Inputs", "## Other Inputs")
    assert only(lint_body(framework_site, body), "SC001") == [("SC001", 15, 1)]


def test_sc001_not_applied_to_generic_pages(site: Site) -> None:
    assert site.lint("p.md", "---\ntitle: x\n---\n# Page\n\ntext\n") == []


# ------------------------------------------------------------------ SC002


def test_sc002_missing_walk_at_the_section_heading(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace(
        "#### Walk\n\n- Forecasts are made monthly from trailing usage.\n\n", ""
    )
    findings = framework_site.lint_full(CAP, CAPABILITY_FRONT_MATTER + body)
    assert [(f.code, f.line, f.column) for f in findings] == [("SC002", 21, 1)]
    assert "Walk" in findings[0].message and "Crawl" not in findings[0].message


def test_sc002_parts_as_table_rows_are_on_the_page(framework_site: Site) -> None:
    # policy-governance.md gives Crawl/Walk/Run as the rows of a table: the built page
    # shows all three levels, and nothing on the site links to #crawl, #walk or #run.
    table = (
        "| Maturity | Description | Focus |\n| --- | --- | --- |\n"
        "| **Crawl** | a | b |\n| Walk | c | d |\n| Run | e | f |\n"
    )
    body = CAPABILITY_BODY.replace(MATURITY_PARTS, table)
    findings = framework_site.lint_full(CAP, CAPABILITY_FRONT_MATTER + body)
    assert [f.code for f in findings if f.code == "SC002"] == []


def test_sc002_a_level_missing_from_the_table_is_reported(framework_site: Site) -> None:
    table = (
        "| Maturity | Description | Focus |\n| --- | --- | --- |\n"
        "| Crawl | a | b |\n| Walk | c | d |\n"
    )
    body = CAPABILITY_BODY.replace(MATURITY_PARTS, table)
    findings = framework_site.lint_full(CAP, CAPABILITY_FRONT_MATTER + body)
    assert [(f.code, f.line) for f in findings if f.code == "SC002"] == [("SC002", 21)]
    assert "has no Run (" in findings[0].message


def test_sc002_parts_with_extra_words_count(framework_site: Site) -> None:
    body = (
        CAPABILITY_BODY.replace("#### Crawl", "#### Crawl stage")
        .replace("#### Walk", "#### Walk Stage")
        .replace("#### Run", "#### Run (advanced)")
    )
    assert lint_body(framework_site, body) == []


# ------------------------------------------------------------------ SC003


def test_sc003_empty_required_section(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace(
        "Forecasting is how an organisation predicts future cloud spend.\n\n", ""
    )
    findings = framework_site.lint_full(CAP, CAPABILITY_FRONT_MATTER + body)
    assert [(f.code, f.line, f.column) for f in findings] == [("SC003", 17, 1)]
    assert "'Definition'" in findings[0].message


def test_sc003_stray_duplicate_heading_names_the_one_with_content(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace(
        "## Measure(s) of Success & KPI",
        "## Measure(s) of Success\n## Measure(s) of Success & KPI",
    )
    findings = framework_site.lint_full(CAP, CAPABILITY_FRONT_MATTER + body)
    assert [(f.code, f.line) for f in findings] == [("SC003", 39)]
    assert "line 40" in findings[0].message


def test_sc003_section_whose_content_is_in_subsections_is_not_empty(framework_site: Site) -> None:
    # Maturity Assessment has no own text, only #### Crawl/Walk/Run.
    assert only(lint_body(framework_site, CAPABILITY_BODY), "SC003") == []


def test_sc003_allow_empty_in_config(framework_site: Site) -> None:
    framework_site.config(
        "page-types:\n  capability:\n    sections:\n"
        "      - name: Definition\n        allow-empty: true\n"
    )
    body = CAPABILITY_BODY.replace(
        "Forecasting is how an organisation predicts future cloud spend.\n\n", ""
    )
    assert only(lint_body(framework_site, body), "SC003") == []
