"""Any Jekyll site: the generic `jekyll` profile, the FinOps profile only for the
framework site, `init` for the site it is in, and a site in a subfolder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from finops_lint.cli import main
from finops_lint.config import default_profile, load_config
from finops_lint.resources import profile_path
from tests.conftest import Site

GENERIC_CONFIG = """\
title: A cookbook
url: https://cook.example.com
markdown: kramdown
permalink: pretty
exclude: [scripts/]
collections:
  recipes:
    output: true
"""

#: A page that breaks generic rules (placeholder row, broken internal link) and would
#: break FinOps-only ones if they applied (a `_capabilities/` page without its sections,
#: a link to a finops.org page that does not exist).
CAPABILITY_LIKE = """\
---
title: Soup
---

# Soup

| ingredient | amount |
| --- | --- |
| hello | world |

See [a missing recipe](/recipes/nope/) and [FinOps](https://www.finops.org/nope/).
"""


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def generic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    root = tmp_path / "cookbook"
    root.mkdir()
    monkeypatch.chdir(root)
    site = Site(root)
    site.write("_config.yml", GENERIC_CONFIG)
    site.write("_capabilities/soup.md", CAPABILITY_LIKE)
    site.write("_recipes/bread.md", "---\ntitle: Bread\n---\n\n# Bread\n\nFlour and water.\n")
    return site


def test_the_jekyll_profile_is_generic_and_the_finops_one_extends_it(tmp_path: Path) -> None:
    jekyll = yaml.safe_load(profile_path("jekyll").read_text(encoding="utf-8"))  # type: ignore[union-attr]
    for key in ("page-types", "tables", "references", "orphans"):
        assert key not in jekyll
    assert "hosts" not in jekyll.get("site", {})
    finops = yaml.safe_load(profile_path("finops-framework").read_text(encoding="utf-8"))  # type: ignore[union-attr]
    assert finops["extends"] == "jekyll"
    merged = load_config(tmp_path, profile_path("finops-framework"))
    # the generic parts arrive through `extends`
    assert "hello" in merged.placeholders["row-tokens"]
    assert {"_layouts/**", "_templates/**"} <= set(merged.exclude)
    assert "https://www.finops.org" in merged.hosts and merged.page_type("capability")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("collections: {capabilities: {output: true}, domains: {output: true}}\n", "finops"),
        ("url: https://www.finops.org\n", "finops"),
        ("url: https://finops.org/\n", "finops"),
        ("collections: [capabilities, framework_domains]\n", "finops"),
        (GENERIC_CONFIG, "jekyll"),
        ("collections: {capabilities: {output: true}}\n", "jekyll"),  # one name is not enough
        ("url: https://finops.org.example.com\n", "jekyll"),
        ("", "jekyll"),
        ("date: 2024-13-45\n", "jekyll"),  # YAML PyYAML refuses: not a crash
    ],
)
def test_default_profile_is_chosen_from_the_site(
    tmp_path: Path, config: str, expected: str
) -> None:
    (tmp_path / "_config.yml").write_text(config, encoding="utf-8")
    name, why = default_profile(tmp_path)
    assert name == ("finops-framework" if expected == "finops" else "jekyll")
    assert why


def test_a_generic_site_gets_generic_rules_only(generic: Site) -> None:
    findings = [(f.code, f.line) for f in generic.findings()]
    assert ("PH001", 9) in findings  # placeholder rows are placeholder rows everywhere
    assert ("LK001", 11) in findings  # a broken link inside the site
    codes = {c for c, _ in findings}
    # no FinOps page types (capability sections, schemas) and finops.org is not this site
    assert not codes & {"SC001", "SC002", "HD001", "FM003"}
    assert [line for code, line in findings if code == "LK001"] == [11]
    assert generic.run().config.profile == "jekyll"


def test_the_run_says_which_profile(generic: Site) -> None:
    _code, _out, err = _cli("check", "-v")
    assert "using the built-in 'jekyll' profile (not the FinOps framework site)" in err
    assert "finops-lint init" in err
    generic.config("extends: jekyll\n")
    _code, _out, err = _cli("check", "-v")
    assert "built-in" not in err  # a config chose it


def test_the_framework_site_keeps_its_profile(site: Site) -> None:
    # the shared fixture is shaped like the framework: capabilities and domains
    assert site.run().config.profile == "finops-framework"


# ------------------------------------------------------------------ init


def test_init_writes_a_working_config_for_a_generic_site(generic: Site) -> None:
    generic.write("CNAME", "recipes.example.org\n")
    code, out, _err = _cli("init")
    assert code == 0, out
    assert "(extends: jekyll)" in out
    assert "added .finops-lint-cache/ to" in out
    assert (generic.root / ".gitignore").read_text("utf-8").splitlines() == [".finops-lint-cache/"]
    _cli("init", "--force")  # once only
    assert (generic.root / ".gitignore").read_text("utf-8").splitlines() == [".finops-lint-cache/"]
    text = (generic.root / ".finops-lint.yaml").read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=https://")
    assert "file:" not in first
    data = yaml.safe_load(text)
    assert data["extends"] == "jekyll"
    assert data["site"]["hosts"] == ["https://cook.example.com", "https://recipes.example.org"]
    assert data["exclude"] == ["scripts/**"]
    assert data["page-types"]["recipe"]["match"][0] == "_recipes/**/*.md"
    # the config it wrote loads, and the run uses it: the site's own host is internal now
    generic.write(
        "_recipes/links.md", "---\ntitle: L\n---\n\n[x](https://cook.example.com/gone/)\n"
    )
    code, out, _err = _cli("check", "_recipes/links.md")
    assert code == 1 and "_recipes/links.md:5:5: LK001" in out
    generic.write(".gitignore", ".finops-lint-cache/\n")
    code, out, _err = _cli("init", "--force")
    assert code == 0 and "gitignore" not in out


def test_init_refuses_outside_a_jekyll_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, err = _cli("init")
    assert code == 2 and "not a Jekyll site" in err and "--force" in err
    assert not (tmp_path / ".finops-lint.yaml").exists()
    code, _out, _err = _cli("init", "--force")
    assert code == 0 and (tmp_path / ".finops-lint.yaml").is_file()


def test_init_for_a_site_in_a_subfolder(generic: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(generic.root.parent)
    code, out, _err = _cli("init", "cookbook")
    assert code == 0, out
    assert (generic.root / ".finops-lint.yaml").is_file()


# ------------------------------------------------------------------ a site in a subfolder


def test_a_site_in_a_subfolder_is_found_and_reported_with_paths_as_given(
    generic: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = generic.root.parent
    (repo / "README.md").write_text("# The repository\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    code, out, _err = _cli("check", "cookbook")
    assert code == 1
    assert "cookbook/_capabilities/soup.md:11:" in out  # the broken link, resolved in the site
    assert "README.md" not in out
    code, out, _err = _cli("check", os.path.join("cookbook", "_capabilities", "soup.md"))
    assert "cookbook/_capabilities/soup.md:9:3: PH001" in out
