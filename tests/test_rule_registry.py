"""The rules package finds its modules: a new rule is one new module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from finops_lint import rules
from finops_lint.rules.base import REGISTRY, all_rules

PROBE = '''
from finops_lint.rules.base import rule


@rule("ZZ901", "probe-rule", "warning", "A rule in a module nobody lists.")
def probe(doc, ctx):
    """A rule in a module nobody lists."""
    return iter(())
'''


def test_every_module_of_the_package_is_loaded() -> None:
    all_rules()
    folder = Path(rules.__file__).parent
    on_disk = {p.stem for p in folder.glob("*.py")} - {"__init__", "base"}
    assert set(rules.module_names()) == on_disk
    assert all(f"finops_lint.rules.{name}" in sys.modules for name in on_disk)


def test_a_new_rule_module_is_found_without_listing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "probe_rule.py").write_text(PROBE, encoding="utf-8")
    # The package's folder plus one more: where the new module is.
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(tmp_path)])
    monkeypatch.setattr(rules, "_LOADED", False)
    try:
        assert "probe_rule" in rules.module_names()
        assert "ZZ901" in {r.code for r in all_rules()}
    finally:
        REGISTRY.pop("ZZ901", None)
        sys.modules.pop("finops_lint.rules.probe_rule", None)
