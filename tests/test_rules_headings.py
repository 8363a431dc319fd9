"""HD rules: missing H1, several H1s, empty headings, '##Heading', level skips."""

from __future__ import annotations

from tests.conftest import CAPABILITY_BODY, CAPABILITY_FRONT_MATTER, Site, only, page

CAP = "_capabilities/forecasting.md"


# ------------------------------------------------------------------ HD001


def test_hd001_capability_without_h1_at_the_start_of_the_body(framework_site: Site) -> None:
    body = CAPABILITY_BODY.replace("# Forecasting\n", "Forecasting intro.\n")
    findings = framework_site.lint_full(CAP, CAPABILITY_FRONT_MATTER + body)
    assert [(f.code, f.line, f.column) for f in findings if f.code == "HD001"] == [("HD001", 14, 1)]


def test_hd001_capability_with_h1_is_fine(framework_site: Site) -> None:
    assert framework_site.codes(CAP) == []


def test_hd001_pages_whose_type_does_not_require_h1(site: Site) -> None:
    assert site.lint("g.md", page("\n## Only an h2\n")) == []


# ------------------------------------------------------------------ HD002


def test_hd002_second_h1(site: Site) -> None:
    findings = site.lint_full("h.md", page("\n# One\n\ntext\n\n# Two\n"))
    assert [(f.code, f.line, f.column) for f in findings] == [("HD002", 9, 1)]
    assert "line 5" in findings[0].message


def test_hd002_one_h1_is_fine(site: Site) -> None:
    assert site.lint("h.md", page("\n# One\n\ntext\n\n## Two\n")) == []


def test_hd002_hash_lines_in_code_blocks_are_not_headings(site: Site) -> None:
    assert site.lint("h.md", page("\n# One\n\n```bash\n# a comment\n```\n")) == []


# ------------------------------------------------------------------ HD003


def test_hd003_empty_heading(site: Site) -> None:
    assert site.lint_pos("h.md", page("\n# One\n\n##\n\ntext\n")) == [("HD003", 7, 1)]


def test_hd003_heading_with_text_is_fine(site: Site) -> None:
    assert site.lint("h.md", page("\n# One\n\n## Two\n\ntext\n")) == []


# ------------------------------------------------------------------ HD004


def test_hd004_missing_space_with_fix(site: Site) -> None:
    findings = site.lint_full("h.md", page("\n# One\n\n##Inputs\n\ntext\n"))
    assert [(f.code, f.line, f.column) for f in findings] == [("HD004", 7, 1)]
    fix = findings[0].fix
    assert fix is not None and (fix.line, fix.column, fix.replacement) == (7, 3, " ")


def test_hd004_hashtags_numbers_and_code_are_not_headings(site: Site) -> None:
    text = page("\n# One\n\n#hashtag here\n\n#1 thing\n\n```\n##Inputs\n```\n\n`##Inputs`\n")
    assert only(site.lint("h.md", text), "HD004") == []


# ------------------------------------------------------------------ HD005

SKIP = page("\n# One\n\n## Two\n\n#### Four\n")  # h2 -> h4: the FinOps house style
SKIP_H1_H3 = page("\n# What's New\n\n### November 2022\n")


def test_hd005_on_in_the_builtin_profile_which_allows_h2_to_h4(site: Site) -> None:
    assert site.lint("h.md", SKIP) == []
    findings = site.lint_full("h.md", SKIP_H1_H3)
    assert [(f.code, f.line, f.column, f.severity.value) for f in findings] == [
        ("HD005", 7, 1, "warning")
    ]
    assert "h1 to h3" in findings[0].message


def test_hd005_a_config_can_drop_the_house_style(site: Site) -> None:
    site.config("rules:\n  HD005: {allowed-jumps: []}\n")
    findings = site.lint_full("h.md", SKIP)
    assert [(f.code, f.line, f.column) for f in findings] == [("HD005", 9, 1)]
    assert "h2 to h4" in findings[0].message


def test_hd005_on_but_no_skip(site: Site) -> None:
    assert site.lint("h.md", page("\n# One\n\n## Two\n\n### Three\n\n## Back\n")) == []


def test_hd005_off_when_a_config_disables_it(site: Site) -> None:
    site.config("rules:\n  HD005: {enabled: false}\n")
    assert site.lint("h.md", SKIP_H1_H3) == []


def test_hd005_selected_explicitly(site: Site) -> None:
    assert site.lint("h.md", SKIP_H1_H3, select=["HD005"]) == [("HD005", 7)]
