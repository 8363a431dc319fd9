"""Mistakes fail loudly: unknown codes anywhere, rule options a rule does not declare,
invalid regular expressions (exit 2, file and line, a did-you-mean); and a config's
own page types win over the profile's catch-all types."""

from __future__ import annotations

import pytest

from finops_lint.findings import Severity
from finops_lint.rules.base import REGISTRY, Option, Rule

from .conftest import Site, only


def _error(site: Site, *args: str) -> str:
    result = site.cli("check", *args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "PH01"], "--select: unknown rule code or family 'PH01'; did you mean PH0"),
        (["--select", "PH,TB01"], "'TB01'; did you mean TB00"),
        (["--ignore", "LKK"], "--ignore: unknown rule code or family 'LKK'; did you mean LK?"),
        (["--ignore", "broken-link"], "did you mean LK001 (the code of broken-link)?"),
        (["--select", "QQ"], "unknown rule code or family 'QQ' (`finops-lint rules` lists them)"),
    ],
)
def test_unknown_code_on_the_command_line(site: Site, args: list[str], expected: str) -> None:
    assert expected in _error(site, *args)


def test_known_codes_and_families_still_work(site: Site) -> None:
    site.write("p.md", "---\ntitle: P\n---\n\n| a | b |\n| - | - |\n| foo | bar |\n")
    result = site.cli("check", "--select", "ph,TB001", "--ignore", "PH002", "p.md")
    assert result.exit_code == 1, result.output
    assert "PH001" in result.output


@pytest.mark.parametrize(
    ("config", "line", "expected"),
    [
        ("select: [PH, TB01]\n", 1, "select/1: unknown rule code or family 'TB01'; did you mean"),
        ("ignore:\n  - HD\n  - HD09\n", 3, "ignore/1: unknown rule code or family 'HD09'"),
        ("severity:\n  PH004: error\n  PH04: error\n", 3, "severity/PH04: unknown rule code"),
        ("rules:\n  LK01: off\n", 2, "rules/LK01: unknown rule code or family 'LK01'"),
        (
            "rules:\n  PH001:\n    tokens: [hello]\n",
            3,
            "rules/PH001/tokens: PH001 (placeholder-row) takes no options",
        ),
        (
            "rules:\n  PH: {tokens: [a]}\n",
            2,
            "options belong to one rule, not a family; give a full code such as PH001",
        ),
    ],
)
def test_unknown_code_or_option_in_the_config(
    site: Site, config: str, line: int, expected: str
) -> None:
    site.config(config)
    message = _error(site)
    assert f".finops-lint.yaml:{line}: " in message
    assert expected in message


@pytest.mark.parametrize(
    ("config", "line", "where"),
    [
        ("placeholders:\n  text:\n    - ok\n    - '[unclosed'\n", 4, "placeholders/text/1"),
        ("placeholders:\n  unfinished: ['(a']\n", 2, "placeholders/unfinished/0"),
        ("external:\n  exclude:\n    - '*x'\n", 3, "external/exclude/0"),
        (
            "tables:\n  t:\n    match:\n      header: 'a(?P<'\n",
            4,
            "tables/t/match/header",
        ),
        (
            "page-types:\n  note:\n    match: ['notes/*.md']\n    sections:\n"
            "      - {name: A, pattern: '[z-a]'}\n",
            5,
            "page-types/note/sections/0/pattern",
        ),
    ],
)
def test_invalid_regular_expression_is_a_config_error(
    site: Site, config: str, line: int, where: str
) -> None:
    site.config(config)
    message = _error(site)
    assert f".finops-lint.yaml:{line}: {where}: invalid regular expression" in message


def test_option_values_are_checked_against_the_rules_declaration(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_up = Rule(
        code="HD999",
        name="made-up",
        severity=Severity.ERROR,
        summary="A rule with one option.",
        docs="A rule with one option.",
        check=lambda doc, ctx: iter(()),
        options={"max-depth": Option({"type": "integer", "minimum": 1}, 3, "How deep.")},
    )
    monkeypatch.setitem(REGISTRY, "HD999", made_up)
    site.config("rules:\n  HD999:\n    max-depth: 0\n")
    message = _error(site)
    assert ".finops-lint.yaml:3: rules/HD999/max-depth: HD999 option 'max-depth': 0 is less" in (
        message
    )
    site.config("rules:\n  HD999:\n    depth: 2\n")
    assert "HD999 (made-up) has no option 'depth' (its options: max-depth)" in _error(site)


def test_a_family_in_rules_and_severity_sets_every_rule_in_it(site: Site) -> None:
    page = "---\ntitle: P\n---\n\n| a | b |\n| - | - |\n| foo | bar |\n| TBD | x |\n"
    site.write("p.md", page)
    assert {c for c, _ in site.codes("p.md")} >= {"PH001", "PH002"}
    site.config("rules:\n  PH: off\n  PH002: {enabled: true}\n")
    assert [c for c, _ in site.codes("p.md") if c.startswith("PH")] == ["PH002"]
    site.config("severity: {PH: info}\n")
    assert {f.severity for f in site.findings("p.md") if f.code.startswith("PH")} == {Severity.INFO}


def test_a_configs_own_page_type_beats_the_profiles_catch_all(site: Site) -> None:
    site.write("notes/n.md", "---\ntitle: N\n---\n\nNo heading here.\n")
    assert only(site.codes("notes/n.md"), "HD001") == []
    site.config("page-types:\n  note:\n    match: ['notes/*.md']\n    h1: required\n")
    assert [c for c, _ in only(site.codes("notes/n.md"), "HD001")] == ["HD001"]
