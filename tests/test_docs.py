"""docs/rules.md, the README's rule table and the config schema's rule settings are
generated from the rules' metadata; a stale one fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from finops_lint.docs_gen import (
    generated_files,
    render_config_schema,
    render_readme_table,
    render_rules_markdown,
)
from finops_lint.rules.base import Option, Rule, all_rules

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "name", ["docs/rules.md", "README.md", "schemas/config.schema.json"], ids=str
)
def test_generated_file_is_up_to_date(name: str) -> None:
    expected = generated_files(all_rules(), PROJECT)[PROJECT / name]
    actual = (PROJECT / name).read_text(encoding="utf-8")
    assert actual == expected, f"{name} is stale: run python -m finops_lint.docs_gen --write"


def test_readme_lists_every_rule_code() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    missing = [r.code for r in all_rules() if f"`{r.code}`" not in readme]
    assert not missing, f"README rule table lacks {missing}"


def _rule_with_option() -> Rule:
    return Rule(
        code="ZZ001",
        name="made-up",
        severity=all_rules()[0].severity,
        summary="A made-up rule with one option.",
        docs="A made-up rule.",
        check=lambda doc, ctx: iter(()),
        options={
            "max-depth": Option({"type": "integer", "minimum": 1}, 3, "How deep to look."),
        },
    )


def test_a_new_option_changes_every_generated_file() -> None:
    """The metadata is the one place: an option shows in the docs, README row and schema."""
    made_up = _rule_with_option()
    rules = [*all_rules(), made_up]
    assert "`max-depth` (integer, default `3`): How deep to look." in render_rules_markdown(rules)
    assert "| `ZZ001` | made-up | error |" in render_readme_table(rules)
    current = json.loads((PROJECT / "schemas" / "config.schema.json").read_text("utf-8"))
    schema = json.loads(render_config_schema(current, rules))
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"rules": {"ZZ001": {"max-depth": 2}}})
    assert not validator.is_valid({"rules": {"ZZ001": {"max-depth": 0}}})
    assert not validator.is_valid({"rules": {"ZZ001": {"depth": 2}}})
    assert not validator.is_valid({"rules": {"PH001": {"tokens": ["x"]}}})
    assert made_up.option_values() == {"max-depth": 3}
    assert made_up.option_values({"max-depth": 5}) == {"max-depth": 5}


def test_every_rule_has_a_help_uri_into_the_docs() -> None:
    text = render_rules_markdown(all_rules())
    for r in all_rules():
        assert r.help_uri.endswith("docs/rules.md#" + r.anchor)
        assert f"## {r.code} {r.name}\n" in text


def test_every_rule_has_docs_with_examples() -> None:
    for r in all_rules():
        assert any(w in r.docs for w in ("Bad", "Configure", "Why")), r.code
        assert len(r.docs) > 80, r.code
