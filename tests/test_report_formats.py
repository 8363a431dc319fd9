"""Output formats (SARIF, GitHub, JUnit, statistics), docs/rules.md generation and init.

Each format is checked with a real consumer: SARIF against the official
SARIF 2.1.0 JSON Schema, JUnit with an XML parser, init's output with YAML.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from finops_lint.docs_gen import render_rules_markdown
from finops_lint.findings import Finding, Fix, Related, Severity
from finops_lint.init import SCHEMA_URL, generate_config
from finops_lint.report.github import escape_data, escape_property, render_github
from finops_lint.report.junit import render_junit
from finops_lint.report.sarif import render_sarif
from finops_lint.report.statistics import render_statistics, statistics
from finops_lint.rules.base import Issue, Rule, RuleContext
from tests.corpus import corpus_root

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    env = os.environ.get("FINOPS_LINT_SHARED")
    return Path(env) if env else PROJECT_ROOT.parent / "shared"


def _corpus_dir() -> Path:
    return corpus_root()


def _require(path: Path, what: str) -> Path:
    if path.exists():
        return path
    if os.environ.get("FINOPS_LINT_REQUIRE_CORPUS") == "1":
        pytest.fail(f"{what} not found at {path} (FINOPS_LINT_REQUIRE_CORPUS=1)")
    pytest.skip(f"{what} not found at {path}; set FINOPS_LINT_SHARED / FINOPS_LINT_CORPUS")


# --------------------------------------------------------------------------- fixtures


def _no_check(document: Any, context: RuleContext) -> Iterable[Issue]:
    return ()


def make_rule(
    code: str,
    name: str,
    severity: Severity = Severity.ERROR,
    summary: str = "",
    docs: str = "",
    **kwargs: Any,
) -> Rule:
    return Rule(
        code=code,
        name=name,
        severity=severity,
        summary=summary or f"{name} summary",
        docs=docs or f"{name} docs.",
        check=_no_check,
        **kwargs,
    )


RULES = [
    make_rule(
        "PH001",
        "placeholder-table-row",
        Severity.ERROR,
        "A table row holds placeholder text",
        docs=(
            "A table row holds placeholder or test text such as `hello | world`.\n"
            "It was committed by mistake.\n\n"
            "## Why\n\nThe real maturity table vanished.\n\n"
            "## Example\n\n```markdown\n# not a heading\n| hello | world | foobar |\n```\n"
        ),
    ),
    make_rule(
        "LK001",
        "broken-link",
        Severity.ERROR,
        "A link points at no page | file",
        fixable=True,
    ),
    make_rule(
        "FM004",
        "duplicate-permalink",
        Severity.WARNING,
        "Two pages share a permalink",
        scope="site",
    ),
    make_rule("HD005", "heading-style", Severity.INFO, "Heading style", default_enabled=False),
]


def sample_findings() -> list[Finding]:
    return [
        Finding(
            path="_resources/b.md",
            line=3,
            column=1,
            code="FM004",
            rule="duplicate-permalink",
            severity=Severity.WARNING,
            message="permalink /resources/not-here/ is also used by _resources/a.md",
            end_line=3,
            end_column=30,
            related=[
                Related("_resources/a.md", 4, 1, "the other page with this permalink"),
                Related("_resources/c d.md", 5),
            ],
        ),
        Finding(
            path="_capabilities/chargeback.md",
            line=40,
            column=3,
            code="PH001",
            rule="placeholder-table-row",
            severity=Severity.ERROR,
            message='table row "| hello | world | foobar |" looks like placeholder text',
            end_line=40,
            end_column=27,
        ),
        Finding(
            path="_capabilities/chargeback.md",
            line=12,
            column=5,
            code="LK001",
            rule="broken-link",
            severity=Severity.ERROR,
            message=(
                "link /framework/domains/x/ matches no page; did you mean /framework/domains/y/?"
            ),
            end_line=12,
            end_column=25,
            fix=Fix("Use the page's permalink", 12, 7, 12, 24, "/framework/domains/y/"),
        ),
        Finding(
            path="_pages/framework/phases.md",
            line=2,
            column=1,
            code="HD005",
            rule="heading-style",
            severity=Severity.INFO,
            message="heading style",
            end_line=4,
            end_column=2,
        ),
        # A code that is not among the rules passed in still gets a rule entry.
        Finding(
            path="index.md",
            line=1,
            column=1,
            code="XR001",
            rule="unknown-capability",
            severity=Severity.ERROR,
            message="names capability X",
        ),
    ]


# --------------------------------------------------------------------------- SARIF


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    path = _require(_shared_dir() / "data" / "sarif-schema-2.1.0.json", "SARIF 2.1.0 schema")
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)  # Draft 4, per the schema's $schema
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(validator: Any, log: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)
    ]


@pytest.mark.parametrize("base_uri", [None, "/srv/site", "file:///srv/site/"])
def test_sarif_validates_against_official_schema(
    sarif_validator: Any, base_uri: str | None
) -> None:
    text = render_sarif(sample_findings(), RULES, tool_version="0.1.0", base_uri=base_uri)
    log = json.loads(text)
    assert _errors(sarif_validator, log) == []


def test_sarif_validator_rejects_a_broken_log(sarif_validator: Any) -> None:
    # The schema check is real: a region with line 0 and an unknown level fail it.
    log = json.loads(render_sarif(sample_findings(), RULES, tool_version="0.1.0"))
    result = log["runs"][0]["results"][0]
    result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    result["level"] = "info"
    assert len(_errors(sarif_validator, log)) >= 2


def test_sarif_empty_run_is_valid(sarif_validator: Any) -> None:
    log = json.loads(render_sarif([], [], tool_version="0.1.0.dev1"))
    assert _errors(sarif_validator, log) == []
    assert log["runs"][0]["results"] == []
    assert "semanticVersion" not in log["runs"][0]["tool"]["driver"]


def test_sarif_rule_metadata() -> None:
    log = json.loads(render_sarif(sample_findings(), RULES, tool_version="1.2.3"))
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "finops-lint"
    assert driver["version"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    # given rules sorted by code, then codes only findings knew of
    assert ids == ["FM004", "HD005", "LK001", "PH001", "XR001"]
    by_id = {r["id"]: r for r in driver["rules"]}
    ph = by_id["PH001"]
    assert ph["name"] == "placeholder-table-row"
    assert ph["shortDescription"]["text"] == "A table row holds placeholder text"
    assert ph["fullDescription"]["text"] == (
        "A table row holds placeholder or test text such as `hello | world`. "
        "It was committed by mistake."
    )
    assert ph["help"]["markdown"] == RULES[0].docs.strip()
    assert ph["help"]["text"] == RULES[0].docs.strip()
    assert ph["defaultConfiguration"] == {"level": "error"}
    assert ph["properties"]["tags"] == ["PH", "placeholders"]
    assert by_id["FM004"]["defaultConfiguration"] == {"level": "warning"}
    assert by_id["HD005"]["defaultConfiguration"] == {"level": "note", "enabled": False}
    assert by_id["LK001"]["properties"]["fixable"] is True
    assert by_id["XR001"]["name"] == "unknown-capability"


def test_sarif_results_locations_related_and_fixes() -> None:
    log = json.loads(
        render_sarif(sample_findings(), RULES, tool_version="0.1.0", base_uri="/srv/site")
    )
    run = log["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///srv/site/"}}
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    # sorted by path, line, column
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results
    ] == [
        ("LK001", 12),
        ("PH001", 40),
        ("HD005", 2),
        ("FM004", 3),
        ("XR001", 1),
    ]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {
        "LK001": "error",
        "PH001": "error",
        "HD005": "note",
        "FM004": "warning",
        "XR001": "error",
    }

    link = results[0]
    loc = link["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {
        "uri": "_capabilities/chargeback.md",
        "uriBaseId": "%SRCROOT%",
    }
    assert loc["region"] == {"startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 25}
    assert link["message"]["text"].startswith("link /framework/domains/x/ matches no page")
    assert link["fixes"] == [
        {
            "description": {"text": "Use the page's permalink"},
            "artifactChanges": [
                {
                    "artifactLocation": {
                        "uri": "_capabilities/chargeback.md",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 12,
                                "startColumn": 7,
                                "endLine": 12,
                                "endColumn": 24,
                            },
                            "insertedContent": {"text": "/framework/domains/y/"},
                        }
                    ],
                }
            ],
        }
    ]

    multi_line = results[2]["locations"][0]["physicalLocation"]["region"]
    assert multi_line == {"startLine": 2, "startColumn": 1, "endLine": 4, "endColumn": 2}

    dup = results[3]
    assert dup["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "_resources/a.md", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 4, "startColumn": 1},
            },
            "message": {"text": "the other page with this permalink"},
        },
        {
            "id": 2,
            "physicalLocation": {
                # URIs are percent-encoded
                "artifactLocation": {"uri": "_resources/c%20d.md", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 5, "startColumn": 1},
            },
        },
    ]
    assert "region" in results[4]["locations"][0]["physicalLocation"]
    assert "endLine" not in results[4]["locations"][0]["physicalLocation"]["region"]


def test_sarif_paths_without_base_and_absolute_paths() -> None:
    findings = [
        Finding("docs/a.md", 1, 1, "LK001", "broken-link", Severity.ERROR, "m"),
        Finding("/srv/site/docs/b.md", 2, 1, "LK001", "broken-link", Severity.ERROR, "m"),
        Finding("/elsewhere/c.md", 3, 1, "LK001", "broken-link", Severity.ERROR, "m"),
    ]
    plain = json.loads(render_sarif(findings, RULES, tool_version="0.1.0"))
    assert "originalUriBaseIds" not in plain["runs"][0]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]
        for r in plain["runs"][0]["results"]
    ]
    assert uris == [
        {"uri": "file:///elsewhere/c.md"},
        {"uri": "file:///srv/site/docs/b.md"},
        {"uri": "docs/a.md"},
    ]
    based = json.loads(render_sarif(findings, RULES, tool_version="0.1.0", base_uri="/srv/site"))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]
        for r in based["runs"][0]["results"]
    ]
    assert uris == [
        {"uri": "file:///elsewhere/c.md"},
        {"uri": "docs/b.md", "uriBaseId": "%SRCROOT%"},
        {"uri": "docs/a.md", "uriBaseId": "%SRCROOT%"},
    ]


def test_sarif_is_deterministic() -> None:
    findings = sample_findings()
    first = render_sarif(findings, RULES, tool_version="0.1.0", base_uri="/srv/site")
    again = render_sarif(
        list(reversed(findings)), list(reversed(RULES)), tool_version="0.1.0", base_uri="/srv/site"
    )
    assert first == again
    assert first.endswith("\n")


# --------------------------------------------------------------------------- GitHub


def test_github_commands() -> None:
    lines = render_github(sample_findings()).splitlines()
    assert lines == [
        "::error file=_capabilities/chargeback.md,line=12,col=5,endLine=12,endColumn=25,"
        "title=LK001 broken-link::link /framework/domains/x/ matches no page; "
        "did you mean /framework/domains/y/?",
        "::error file=_capabilities/chargeback.md,line=40,col=3,endLine=40,endColumn=27,"
        'title=PH001 placeholder-table-row::table row "| hello | world | foobar |" '
        "looks like placeholder text",
        # a multi-line region has no columns (GitHub ignores them there)
        "::notice file=_pages/framework/phases.md,line=2,endLine=4,"
        "title=HD005 heading-style::heading style",
        "::warning file=_resources/b.md,line=3,col=1,endLine=3,endColumn=30,"
        "title=FM004 duplicate-permalink::permalink /resources/not-here/ is also used by "
        "_resources/a.md",
        "::error file=index.md,line=1,col=1,title=XR001 unknown-capability::names capability X",
    ]


def test_github_escaping() -> None:
    finding = Finding(
        path="odd,dir/a:b%.md",
        line=7,
        column=2,
        code="PH002",
        rule="placeholder-text",
        severity=Severity.WARNING,
        message="100% placeholder:\n  line two\r\nkey: a, b",
    )
    (line,) = render_github([finding]).splitlines()
    assert line == (
        "::warning file=odd%2Cdir/a%3Ab%25.md,line=7,col=2,title=PH002 placeholder-text"
        "::100%25 placeholder:%0A  line two%0D%0Akey: a, b"
    )
    # properties escape : and , too; data keeps them
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("a:b,c%\r\n") == "a:b,c%25%0D%0A"
    # exactly one workflow command per finding, and the message never opens a new one
    assert render_github([finding]).count("\n") == 1


def test_github_empty() -> None:
    assert render_github([]) == ""


# --------------------------------------------------------------------------- JUnit


def test_junit_structure_and_counts() -> None:
    checked = [
        "_capabilities/chargeback.md",
        "_resources/b.md",
        "_resources/a.md",
        "_pages/framework/phases.md",
    ]
    text = render_junit(sample_findings(), checked)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "finops-lint"
    # index.md had a finding though it was not among the checked paths: it is a case too
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "_capabilities/chargeback.md",
        "_pages/framework/phases.md",
        "_resources/a.md",
        "_resources/b.md",
        "index.md",
    ]
    assert all(c.get("classname") == "finops-lint" for c in cases)
    for element in (root, suite):
        assert element.get("tests") == "5"
        assert element.get("failures") == "2"
        assert element.get("errors") == "0"

    chargeback, phases, a, b, index = cases
    failure = chargeback.find("failure")
    assert failure is not None
    assert failure.get("message") == "2 errors"
    assert (failure.text or "").splitlines() == [
        "_capabilities/chargeback.md:12:5: LK001 link /framework/domains/x/ matches no page; "
        "did you mean /framework/domains/y/? [broken-link]",
        '_capabilities/chargeback.md:40:3: PH001 table row "| hello | world | foobar |" '
        "looks like placeholder text [placeholder-table-row]",
    ]
    assert chargeback.find("system-out") is None

    # warnings and notes pass, but are listed
    assert phases.find("failure") is None
    out = phases.find("system-out")
    assert out is not None
    assert "HD005 heading style [heading-style]" in (out.text or "")
    assert b.find("failure") is None
    assert "FM004" in (b.findtext("system-out") or "")
    # a clean file is a passing case with no children
    assert list(a) == []
    assert index.find("failure") is not None


def test_junit_escapes_markup_and_control_characters() -> None:
    finding = Finding(
        path='a&b<"c">.md',
        line=1,
        column=1,
        code="PH002",
        rule="placeholder-text",
        severity=Severity.ERROR,
        message="</failure> & <b>bold</b> \x0b \x00 \u2603",
    )
    root = ET.fromstring(render_junit([finding], []))
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == 'a&b<"c">.md'
    failure = case.find("failure")
    assert failure is not None
    assert "</failure> & <b>bold</b>" in (failure.text or "")
    assert "\u2603" in (failure.text or "")


def test_junit_no_findings() -> None:
    root = ET.fromstring(render_junit([], ["a.md", "b.md"]))
    assert root.get("tests") == "2"
    assert root.get("failures") == "0"
    assert len(root.findall("testsuite/testcase/failure")) == 0


# --------------------------------------------------------------------------- statistics


def test_statistics() -> None:
    findings = [
        *sample_findings(),
        Finding("x.md", 1, 1, "PH001", "placeholder-table-row", Severity.ERROR, "m"),
        Finding("y.md", 1, 1, "PH001", "placeholder-table-row", Severity.ERROR, "m"),
        Finding("y.md", 2, 1, "FM004", "duplicate-permalink", Severity.WARNING, "m"),
    ]
    assert statistics(findings) == [
        ("PH001", "placeholder-table-row", Severity.ERROR, 3),
        ("FM004", "duplicate-permalink", Severity.WARNING, 2),
        ("LK001", "broken-link", Severity.ERROR, 1),
        ("XR001", "unknown-capability", Severity.ERROR, 1),
        ("HD005", "heading-style", Severity.INFO, 1),
    ]
    assert render_statistics(findings).splitlines() == [
        "3  PH001  error    placeholder-table-row",
        "2  FM004  warning  duplicate-permalink",
        "1  LK001  error    broken-link",
        "1  XR001  error    unknown-capability",
        "1  HD005  info     heading-style",
    ]
    assert render_statistics([]) == ""


# --------------------------------------------------------------------------- docs/rules.md


def test_rules_markdown() -> None:
    text = render_rules_markdown(list(reversed(RULES)))
    assert text.startswith("# Rules\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    table = [line for line in text.splitlines() if line.startswith("| [")]
    assert [row.split("|")[1].strip() for row in table] == [
        "[FM004](#fm004-duplicate-permalink)",
        "[HD005](#hd005-heading-style)",
        "[LK001](#lk001-broken-link)",
        "[PH001](#ph001-placeholder-table-row)",
    ]
    assert "A link points at no page \\| file" in text  # pipes in cells escaped
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == [
        "FM004 duplicate-permalink",
        "HD005 heading-style",
        "LK001 broken-link",
        "PH001 placeholder-table-row",
    ]
    # the rule's own "## Why" nests under its "## CODE name" heading; code is untouched
    assert "\n### Why\n" in text
    assert "\n### Example\n" in text
    assert "\n# not a heading\n" in text
    assert render_rules_markdown(RULES) == text  # deterministic, order-independent


# --------------------------------------------------------------------------- init


def _uncomment_block(text: str, first: str) -> str:
    """Uncomment the commented YAML lines starting at ``first`` (``# `` removed)."""
    lines = text.splitlines()
    start = lines.index(first)
    end = start + 1
    while end < len(lines) and lines[end].startswith("#  "):
        end += 1
    block = [line[2:] for line in lines[start:end]]
    return "\n".join(lines[:start] + block + lines[end:]) + "\n"


def test_init_on_a_small_site(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text(
        "title: Example\n"
        "url: https://docs.example.org\n"
        "baseurl: /handbook\n"
        "collections:\n"
        "  capabilities: {output: true}\n"
        "  framework_domains: {output: true}\n"
        "  events: {output: true}\n"
        "  tools-services: {output: true}\n",
        encoding="utf-8",
    )
    (tmp_path / "_pages" / "framework").mkdir(parents=True)
    text = generate_config(tmp_path)
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_URL}"
    data = yaml.safe_load(text)
    assert data == {
        "extends": "finops-framework",
        # the site's own host, from _config.yml url
        "site": {"hosts": ["https://docs.example.org"]},
        # a built-in type in a folder the profile does not expect is pointed there
        "page-types": {"domain": {"match": ["_framework_domains/**/*.md"]}},
    }
    assert "# baseurl /handbook: read from _config.yml on every run." in text
    assert "#   capabilities       _capabilities/       -> capability (built in)" in text
    assert "-> tool-service (built in)" in text
    assert "#   events             _events/             -> no built-in type" in text
    assert "pages under _pages/framework/ -> framework-page" in text
    # the example page type for `events`, uncommented, is valid config
    example = _uncomment_block(text, "#   event:")
    assert yaml.safe_load(example)["page-types"]["event"] == {
        "match": ["_events/**/*.md"],
        "schema": "event.schema.json",
        "h1": "required",
        "sections": ["Overview"],
    }


def test_init_unmatched_collection_without_moved_types(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text(
        "collections: [recipes, resources]\ncollections_dir: content\n", encoding="utf-8"
    )
    text = generate_config(tmp_path)
    # not the FinOps framework: the generic profile, one page type per collection
    exts = ("md", "markdown", "html")
    assert yaml.safe_load(text) == {
        "extends": "jekyll",
        "page-types": {
            name: {
                "description": f"A page of the {name}s collection (content/_{name}s/)",
                "match": [f"content/_{name}s/**/*.{ext}" for ext in exts],
            }
            for name in ("recipe", "resource")
        },
    }


@pytest.mark.parametrize(
    ("config", "note"),
    [
        (None, "no _config.yml found"),
        ("title: [unclosed\n", "_config.yml is not valid YAML at line"),
        ("- just\n- a list\n", "_config.yml is not a mapping"),
        ("", "_config.yml has no `url`"),
        ("collections: 7\nurl: 42\n", "_config.yml has no `url`"),
    ],
)
def test_init_tolerates_missing_or_invalid_config(
    tmp_path: Path, config: str | None, note: str
) -> None:
    if config is not None:
        (tmp_path / "_config.yml").write_text(config, encoding="utf-8")
    text = generate_config(tmp_path)
    # a folder with no _config.yml is not a site: nothing says it is not the framework's
    profile = "finops-framework" if config is None else "jekyll"
    assert yaml.safe_load(text) == {"extends": profile}
    assert note in text
    assert "# No collections found in _config.yml." in text


@pytest.mark.corpus
def test_init_on_the_corpus() -> None:
    site = _require(_corpus_dir() / "finops-framework", "FinOps framework corpus")
    before = sorted(p.name for p in site.iterdir())
    text = generate_config(site)
    assert sorted(p.name for p in site.iterdir()) == before  # wrote nothing
    data = yaml.safe_load(text)
    assert data.pop("extends") == "finops-framework"
    # the site's own _config.yml excludes (tailwind.config.js...) are not linted
    config = yaml.safe_load((site / "_config.yml").read_text(encoding="utf-8"))
    assert len(data.pop("exclude")) >= len(config["exclude"])
    assert data == {}
    for line in [
        "#   resources       _resources/       -> resource, story (built in)",
        "#   tools-services  _tools-services/  -> tool-service (built in)",
        "#   domains         _domains/         -> domain (built in)",
        "#   capabilities    _capabilities/    -> capability (built in)",
        "#   pages under _pages/framework/ -> framework-page",
    ]:
        assert line in text.splitlines()
    assert "no built-in type" not in text
