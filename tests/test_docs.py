"""docs/rules.md and the README's rule table are generated from the rules' own docs."""

from __future__ import annotations

from pathlib import Path

from finops_lint.docs_gen import render_rules_markdown
from finops_lint.rules.base import all_rules

PROJECT = Path(__file__).resolve().parent.parent


def test_docs_rules_md_is_up_to_date() -> None:
    expected = render_rules_markdown(all_rules())
    actual = (PROJECT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "run: python -m finops_lint.docs_gen > docs/rules.md"


def test_readme_lists_every_rule_code() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    missing = [r.code for r in all_rules() if f"`{r.code}`" not in readme]
    assert not missing, f"README rule table lacks {missing}"


def test_every_rule_has_docs_with_examples() -> None:
    for r in all_rules():
        assert any(w in r.docs for w in ("Bad", "Configure", "Why")), r.code
        assert len(r.docs) > 80, r.code
