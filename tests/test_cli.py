"""The command line: exit codes, options, output formats, config handling, the
other commands, and the real maturity-model case from the corpus."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import Site, page
from tests.corpus import corpus_case

PROJECT = Path(__file__).resolve().parent.parent

CLEAN = page("\n# Clean\n\nNothing to see.\n")
ERROR = page("\n# Page\n\nTODO: write this.\n")  # PH003 at line 7 (error)
WARNING = page("\n# Page\n\nCourses coming soon.\n")  # PH004 at line 7 (warning)

REQUIRED_CODES = (
    [f"FM00{i}" for i in range(7)]
    + [f"PH00{i}" for i in range(1, 7)]
    + [f"TB00{i}" for i in range(1, 6)]
    + [f"HD00{i}" for i in range(1, 6)]
    + [f"SC00{i}" for i in range(1, 4)]
    + [f"LK00{i}" for i in range(1, 10)]
    + ["XR001", "XR002"]
)

MATURITY = page(
    "\n#### FinOps Maturity Model guidelines\n"
    "| FinOps Maturity Level | Maturity Level Characteristics | Sample Measures of Success |\n"
    "| --- | --- | --- |\n| Crawl | little | 50% |\n| Walk | more | 80% |\n| Run | all | 95% |\n"
)


# ------------------------------------------------------------------ exit codes


def test_exit_0_when_clean(site: Site) -> None:
    site.write("a.md", CLEAN)
    result = site.cli("check", "a.md")
    assert result.exit_code == 0
    assert result.output == "No problems found in 1 file.\n"


def test_exit_1_on_errors_with_text_output(site: Site) -> None:
    site.write("a.md", ERROR)
    result = site.cli("check", "a.md")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "a.md:7:1: PH003 placeholder text: 'TODO: write this.' [placeholder-text]"
    assert lines[-1].startswith("Found 1 problem (1 error, 0 warnings)")


def test_warnings_exit_0_and_strict_makes_them_1(site: Site) -> None:
    site.write("a.md", WARNING)
    assert site.cli("check", "a.md").exit_code == 0
    assert site.cli("check", "--strict", "a.md").exit_code == 1


def test_default_path_is_the_current_folder(site: Site) -> None:
    site.write("sub/a.md", ERROR)
    result = site.cli("check")
    assert result.exit_code == 1 and "sub/a.md:7:1: PH003" in result.output


def test_exit_2_on_usage_error(site: Site) -> None:
    assert site.cli("check", "--format", "nope").exit_code == 2
    assert site.cli("frobnicate").exit_code == 2


def test_missing_path_is_reported_not_a_traceback(site: Site) -> None:
    result = site.cli("check", "nope.md")
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output and "nope.md" in result.output


# ------------------------------------------------------------------ select / ignore


def test_select_and_ignore(site: Site) -> None:
    site.write("a.md", page("\n# Page\n\nTODO: write this.\n\nCourses coming soon.\n"))
    _, both = site.cli_json("a.md")
    assert [f["code"] for f in both["findings"]] == ["PH003", "PH004"]
    _, selected = site.cli_json("--select", "PH004", "a.md")
    assert [f["code"] for f in selected["findings"]] == ["PH004"]
    _, family = site.cli_json("--select", "ph", "a.md")
    assert [f["code"] for f in family["findings"]] == ["PH003", "PH004"]
    _, ignored = site.cli_json("--ignore", "PH003", "a.md")
    assert [f["code"] for f in ignored["findings"]] == ["PH004"]
    code, none = site.cli_json("--ignore", "PH", "a.md")
    assert code == 0 and none["findings"] == []
    _, comma = site.cli_json("--select", "PH003,PH004", "--ignore", "PH004", "a.md")
    assert [f["code"] for f in comma["findings"]] == ["PH003"]


# ------------------------------------------------------------------ JSON


def test_json_shape_and_paths_relative_to_cwd(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    site.write("docs/a.md", ERROR)
    monkeypatch.chdir(site.root.parent)
    result = site.cli("check", "--format", "json", "site/docs/a.md")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert set(data) == {"findings", "summary"}
    (finding,) = data["findings"]
    assert finding == {
        "path": os.path.join("site", "docs", "a.md"),
        "line": 7,
        "column": 1,
        "end_line": None,
        "end_column": None,
        "code": "PH003",
        "rule": "placeholder-text",
        "severity": "error",
        "message": finding["message"],
        "help_uri": "https://github.com/finops-lint/finops-lint/blob/main/docs/rules.md"
        "#ph003-placeholder-text",
    }
    assert "TODO" in finding["message"]
    assert data["summary"]["error"] == 1 and data["summary"]["warning"] == 0
    assert data["summary"]["files"] == 1


def test_json_clean_run(site: Site) -> None:
    site.write("a.md", CLEAN)
    code, data = site.cli_json("a.md")
    assert code == 0 and data["findings"] == [] and data["summary"]["error"] == 0


# ------------------------------------------------------------------ colour


def test_no_escape_codes_when_not_a_tty(site: Site) -> None:
    site.write("a.md", ERROR)
    assert "\x1b[" not in site.cli("check", "a.md").output


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_color_is_respected_even_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    from finops_lint.check_command import use_color as _use_color

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _use_color(_Tty()) is True
    assert _use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert _use_color(_Tty()) is False
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert _use_color(_Tty()) is False


def test_no_color_set_gives_plain_output(site: Site) -> None:
    site.write("a.md", ERROR)
    result = site.cli("check", "a.md", env={"NO_COLOR": "1"})
    assert "\x1b[" not in result.output and "a.md:7:1: PH003" in result.output


def test_force_color_gives_escape_codes(site: Site) -> None:
    site.write("a.md", ERROR)
    assert "\x1b[" in site.cli("check", "a.md", env={"FORCE_COLOR": "1"}).output


# ------------------------------------------------------------------ rules / explain


def test_rules_lists_every_code(site: Site) -> None:
    result = site.cli("rules")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.splitlines() if line.strip()}
    assert set(REQUIRED_CODES) <= listed


def test_rules_json(site: Site) -> None:
    result = site.cli("rules", "--format", "json")
    data = json.loads(result.output)
    by_code = {r["code"]: r for r in data}
    assert set(REQUIRED_CODES) <= set(by_code)
    assert by_code["TB003"]["name"] == "missing-row"
    assert by_code["TB003"]["severity"] == "error"
    assert by_code["HD005"]["severity"] == "warning"
    for r in data:
        assert {"code", "name", "severity", "summary"} <= set(r)


def test_explain_prints_docs(site: Site) -> None:
    result = site.cli("explain", "TB003")
    assert result.exit_code == 0
    assert result.output.startswith("TB003 missing-row\n")
    assert "\ndefault severity: error\n" in result.output
    assert "Crawl" in result.output and "Bad" in result.output


def test_explain_by_name_and_lowercase(site: Site) -> None:
    assert site.cli("explain", "tb003").exit_code == 0
    assert site.cli("explain", "missing-row").output.startswith("TB003")


def test_explain_unknown_code_exits_2(site: Site) -> None:
    result = site.cli("explain", "NOPE")
    assert result.exit_code == 2
    assert "unknown rule code 'NOPE'" in result.output


# ------------------------------------------------------------------ config


def _config_error(site: Site) -> str:
    site.write("a.md", ERROR)
    result = site.cli("check", "a.md")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert ".finops-lint.yaml" in lines[0]
    return lines[0]


def test_config_unknown_key_exits_2_with_one_line(site: Site) -> None:
    site.config("bogus: 1\n")
    line = _config_error(site)
    assert "bogus" in line


def test_config_unknown_key_names_its_line(site: Site) -> None:
    site.config("select: [PH]\nbogus: 1\n")
    assert ".finops-lint.yaml:2:" in _config_error(site)


def test_config_invalid_yaml_names_file_and_line(site: Site) -> None:
    site.config("select:\n  - PH\nignore: a: b\n")
    line = _config_error(site)
    assert ".finops-lint.yaml:3:" in line and "invalid YAML" in line


def test_config_wrong_type_names_file_and_line(site: Site) -> None:
    site.config("select:\n  - PH\nignore: 5\n")
    line = _config_error(site)
    assert ".finops-lint.yaml:3:" in line and "ignore" in line


def test_config_bad_severity_names_its_line(site: Site) -> None:
    site.config("rules:\n  HD005: {severity: fatal}\n")
    assert ".finops-lint.yaml:2:" in _config_error(site)


def test_config_bad_extends(site: Site) -> None:
    site.config("extends: no-such-profile\n")
    assert "no-such-profile" in _config_error(site)


def test_config_found_by_walking_up(site: Site) -> None:
    site.config("ignore: [PH003]\n")
    site.write("deep/er/a.md", ERROR)
    assert site.cli("check", "deep/er/a.md").exit_code == 0


def test_config_changes_severity(site: Site) -> None:
    site.config("rules:\n  PH003: {severity: warning}\n")
    site.write("a.md", ERROR)
    code, data = site.cli_json("a.md")
    assert code == 0 and data["findings"][0]["severity"] == "warning"


def test_config_adds_placeholder_words(site: Site) -> None:
    site.config("placeholders:\n  text: ['\\bwidget\\b']\n")
    site.write("a.md", page("\n# Page\n\nA widget lives here.\n"))
    assert site.cli("check", "a.md").exit_code == 1


def test_pyproject_tool_section_is_found(site: Site) -> None:
    site.write(
        "pyproject.toml", '[project]\nname = "x"\n\n[tool.finops-lint]\nignore = ["PH003"]\n'
    )
    site.write("a.md", ERROR)
    assert site.cli("check", "a.md").exit_code == 0


def test_pyproject_without_the_section_is_ignored(site: Site) -> None:
    site.write("pyproject.toml", '[project]\nname = "x"\n')
    site.write("a.md", ERROR)
    assert site.cli("check", "a.md").exit_code == 1


def test_config_option_overrides_the_found_file(site: Site) -> None:
    site.config("ignore: [PH004]\n")
    site.write("other.yaml", "ignore: [PH003]\n")
    site.write("a.md", page("\n# Page\n\nTODO: write this.\n\nCourses coming soon.\n"))
    _, found = site.cli_json("a.md")
    assert [f["code"] for f in found["findings"]] == ["PH003"]
    _, chosen = site.cli_json("--config", "other.yaml", "a.md")
    assert [f["code"] for f in chosen["findings"]] == ["PH004"]


def test_config_option_missing_file_exits_2(site: Site) -> None:
    site.write("a.md", CLEAN)
    result = site.cli("check", "--config", "nope.yaml", "a.md")
    assert result.exit_code == 2 and "nope.yaml" in result.output


# ------------------------------------------------------------------ extract


def test_extract_maturity_table_records(site: Site) -> None:
    site.write("m.md", MATURITY)
    result = site.cli("extract", "m.md")
    assert result.exit_code == 0
    data = json.loads(result.output)
    (pg,) = data["pages"]
    assert pg["front_matter"] == {"title": "A page"}
    assert pg["headings"] == [
        {
            "level": 4,
            "text": "FinOps Maturity Model guidelines",
            "id": "finops-maturity-model-guidelines",
            "line": 5,
        }
    ]
    (table,) = pg["tables"]
    assert table["line"] == 6 and table["spec"] == "maturity-guidelines"
    assert table["heading"] == "FinOps Maturity Model guidelines"
    assert table["records"] == [
        {"level": "Crawl", "characteristics": "little", "sample measures": "50%"},
        {"level": "Walk", "characteristics": "more", "sample measures": "80%"},
        {"level": "Run", "characteristics": "all", "sample measures": "95%"},
    ]
    assert table["rows"][0]["cells"][0] == {"text": "Crawl", "raw": "Crawl", "line": 8, "column": 3}


def test_extract_links_resolve(framework_site: Site) -> None:
    framework_site.write("l.md", page("\n[F](/framework/capabilities/forecasting/)\n"))
    data = json.loads(framework_site.cli("extract", "l.md").output)
    (pg,) = data["pages"]
    (link,) = pg["links"]
    assert link["resolves_to"]["page"] == "_capabilities/forecasting.md"
    assert pg["capability_links"][0]["page_identifier"] == "capability_forecasting"


# ------------------------------------------------------------------ init / schema


def test_init_writes_config_and_refuses_to_overwrite(site: Site) -> None:
    result = site.cli("init")
    assert result.exit_code == 0
    target = site.root / ".finops-lint.yaml"
    written = target.read_text(encoding="utf-8")
    assert written.strip()
    target.write_text(written + "# edited\n", encoding="utf-8")
    again = site.cli("init")
    assert again.exit_code == 2 and "--force" in again.output
    assert target.read_text(encoding="utf-8").endswith("# edited\n")
    forced = site.cli("init", "--force")
    assert forced.exit_code == 0
    assert target.read_text(encoding="utf-8") == written


def test_init_config_is_valid(site: Site) -> None:
    site.cli("init")
    site.write("a.md", CLEAN)
    assert site.cli("check", "a.md").exit_code == 0


def test_schema_is_valid_json_schema(site: Site) -> None:
    result = site.cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    Draft202012Validator.check_schema(schema)
    assert Draft202012Validator(schema).is_valid({"ignore": ["PH003"]})
    assert not Draft202012Validator(schema).is_valid({"bogus": 1})


# ------------------------------------------------------------------ the real case


def _corpus_case() -> Path:
    return corpus_case("maturity-model-placeholder-row.md")


def test_real_maturity_model_placeholder_row() -> None:
    case = _corpus_case()
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", "check", "--format", "json", str(case)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    ph001 = [(f["line"], f["column"]) for f in findings if f["code"] == "PH001"]
    assert ph001 == [(28, 3)]
    tb003 = [f for f in findings if f["code"] == "TB003"]
    assert len(tb003) == 1
    assert tb003[0]["line"] == 26
    for level in ("Crawl", "Walk", "Run"):
        assert level in tb003[0]["message"]


def test_plain_check_form_skips_click(tmp_path: Path) -> None:
    """`finops-lint check FILE...` (pre-commit's call) runs without importing click."""
    (tmp_path / "a.md").write_text("---\ntitle: A\n---\n\n# A\n\n| a | b |\n| - | - |\n| x |\n")
    code = (
        "import sys; from finops_lint.console import main\n"
        "sys.argv = ['finops-lint', 'check', 'a.md']\n"
        "try:\n    main()\nexcept SystemExit as e:\n"
        "    print('click' in sys.modules, e.code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "FINOPS_LINT_FAST_EXIT": "0"},
        timeout=60,
    )
    assert proc.stdout.strip().endswith("False 1"), proc.stdout + proc.stderr
    assert "a.md:9:" in proc.stdout


def test_a_long_report_is_written_a_slice_at_a_time_with_the_same_text() -> None:
    """Reports of big sites are tens of MB: written in slices, never encoded whole, and
    a terminal that cannot show a character still gets a '?' for it in every slice."""
    import io

    from finops_lint import streams

    text = ("ok \u00e9 line\n" * 300_000)[: 3 * streams.SLICE + 5]
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", newline="")
    streams.write(stream, text)
    stream.flush()
    assert raw.getvalue() == text.encode("ascii", "replace")
    assert b"".join(streams.encoded([text, "\n"])) == (text + "\n").encode("utf-8")
