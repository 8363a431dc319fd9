"""The pre-commit hooks, run by the real ``pre-commit`` binary.

A temporary git repository holds a snapshot of this project (pre-commit
installs a hook repository from a commit, and the working tree may have
uncommitted work); a second one holds a small Jekyll site whose
``.pre-commit-config.yaml`` points at that snapshot. Installing the hook
environment needs the package registry (pip); nothing else goes online.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: What a hook repository needs to build and install the package.
HOOK_REPO_ITEMS = [
    "pyproject.toml",
    "README.md",
    "LICENSE",
    ".pre-commit-hooks.yaml",
    "src",
    "schemas",
    "rules",
    "docs",
]


def _pre_commit() -> str:
    local = Path(sys.executable).parent / "pre-commit"
    found = str(local) if local.exists() else shutil.which("pre-commit")
    if found is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return found


def _run(
    args: list[str], cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}")
    return proc


@dataclass
class HookRepo:
    path: Path
    rev: str
    env: dict[str, str]
    pre_commit: str


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookRepo]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (PROJECT_ROOT / ".pre-commit-hooks.yaml").is_file():
        pytest.fail(".pre-commit-hooks.yaml is missing from the project root")
    pre_commit = _pre_commit()
    base = tmp_path_factory.mktemp("precommit")
    gitconfig = base / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = finops-lint tests\n\temail = tests@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT", "VIRTUAL_ENV", "FINOPS_LINT"))
    }
    env.update(
        {
            "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            "PRE_COMMIT_HOME": str(base / "pre-commit-home"),
            "NO_COLOR": "1",
        }
    )

    repo = base / "finops-lint"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache")
    for name in HOOK_REPO_ITEMS:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, repo / name)
    if not (repo / "README.md").exists():  # pyproject names it as the readme
        (repo / "README.md").write_text("# finops-lint\n", encoding="utf-8")
    _run(["git", "init", "-q"], repo, env)
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-q", "-m", "snapshot for the pre-commit test"], repo, env)
    rev = _run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()
    yield HookRepo(repo, rev, env, pre_commit)


# --------------------------------------------------------------------------- the site

CONFIG_YML = """\
title: Example Framework
url: https://www.example.org
markdown: kramdown
permalink: pretty
include:
  - _pages/
collections:
  capabilities:
    output: true
"""

CAPABILITY = """\
---
layout: capability
permalink: /framework/capabilities/budget-management/
search: true
search-keywords: budgets forecasting
title: Budget Management
description: Budgeting for cloud is collecting estimated expenses for a period of time.
page-identifier: capability_budget-management
framework-capability-title: Budget Management
framework-capability-desc: Budgeting for cloud is collecting estimated expenses for a period.
label:
order: 1
---

# Budget Management

## Definition
Budgeting for cloud is collecting the estimated expenses for a period of time.
See the [maturity model](/framework/maturity-model/) for the stages.

## Maturity Assessment
#### Crawl
* Budgets are set at the top level and not broken down.

#### Walk
* Budgets are broken down into departments and product teams.

#### Run
* Engineering teams predict the cost impact of changes.

## Functional Activity
#### As someone in a Finance/FinOps role, I will…
* Provide reporting on budget vs actual vs forecast

## Measure(s) of Success & KPI
* Overall budget vs actuals

## Inputs
* Forecasted cloud spend
"""

MATURITY_ROWS = [
    "| **Crawl** | very little reporting and tooling | allocate at least 50% |",
    "| **Walk** | Capability is understood and followed | allocate at least 80% |",
    "| **Run** | Capability is followed by all teams | allocate more than 90% |",
]

MATURITY = (
    """\
---
layout: wide
permalink: /framework/maturity-model/
search: true
title: FinOps Maturity Model
description: A Crawl, Walk, Run approach lets organizations start small and grow.
---

# FinOps Maturity Model

Every [Capability](/framework/capabilities/budget-management/) can be at a
different level of maturity.

## FinOps Maturity Model Guidelines

| FinOps Maturity Level | Maturity Level Characteristics | Sample goals/KPI |
| --: | --- | --- |
"""
    + "\n".join(MATURITY_ROWS)
    + "\n"
)

CAPABILITY_PATH = "_capabilities/budget-management.md"
MATURITY_PATH = "_pages/framework/maturity-model.md"


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


@dataclass
class Site:
    path: Path
    hook: HookRepo

    def write(self, relative: str, text: str) -> None:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run(["git", *args], self.path, self.hook.env, check=check)

    def pre_commit(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return _run([self.hook.pre_commit, *args], self.path, self.hook.env, check=check)

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        self.git("add", "-A")
        return self.git("commit", "-m", message, check=False)

    def commits(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").stdout.strip())


@pytest.fixture
def site(hook_repo: HookRepo, tmp_path: Path) -> Site:
    s = Site(tmp_path / "site", hook_repo)
    s.path.mkdir()
    s.write("_config.yml", CONFIG_YML)
    s.write(CAPABILITY_PATH, CAPABILITY)
    s.write(MATURITY_PATH, MATURITY)
    s.write(
        ".pre-commit-config.yaml",
        f"repos:\n"
        f"  - repo: {hook_repo.path.as_posix()}\n"
        f"    rev: {hook_repo.rev}\n"
        f"    hooks:\n"
        f"      - id: finops-lint\n"
        f"      - id: finops-lint-site\n"
        f"      - id: finops-lint-fix\n",
    )
    s.git("init", "-q")
    installed = s.pre_commit("install", check=True)
    assert "pre-commit installed" in installed.stdout
    return s


def _commit_clean(site: Site) -> None:
    result = site.commit("a clean site")
    assert result.returncode == 0, result.stdout
    assert site.commits() == 1


def test_clean_commit_passes(site: Site) -> None:
    _commit_clean(site)
    # both hooks ran (not skipped) and passed
    result = site.pre_commit("run", "--all-files")
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("Passed") == 3, result.stdout


def test_placeholder_row_is_refused(site: Site) -> None:
    _commit_clean(site)
    broken = MATURITY.replace("\n".join(MATURITY_ROWS), "| hello | world | foobar |")
    site.write(MATURITY_PATH, broken)
    result = site.commit("oops: placeholder table")
    assert result.returncode != 0, result.stdout
    line = _line_of(broken, "| hello | world | foobar |")
    assert f"{MATURITY_PATH}:{line}:" in result.stdout, result.stdout
    assert "Failed" in result.stdout
    assert site.commits() == 1  # the commit did not happen


def test_broken_link_is_refused(site: Site) -> None:
    _commit_clean(site)
    broken = CAPABILITY.replace(
        "for the stages.",
        "for the stages and [the phases](/framework/no-such-page/).",
    )
    site.write(CAPABILITY_PATH, broken)
    result = site.commit("oops: broken link")
    assert result.returncode != 0, result.stdout
    line = _line_of(broken, "/framework/no-such-page/")
    assert f"{CAPABILITY_PATH}:{line}:" in result.stdout, result.stdout
    assert site.commits() == 1


def test_site_hook_checks_the_whole_site(site: Site) -> None:
    _commit_clean(site)
    # A broken link gets in without the hooks ...
    broken = CAPABILITY.replace("(/framework/maturity-model/)", "(/framework/maturity-modle/)")
    site.write(CAPABILITY_PATH, broken)
    site.git("add", "-A")
    site.git("commit", "-q", "--no-verify", "-m", "skip hooks")
    # ... then a clean change to another page: the per-file hook looks only at that page,
    # the site hook at every page.
    site.write(MATURITY_PATH, MATURITY.replace("start small", "start small and"))
    site.git("add", "-A")
    per_file = site.pre_commit("run", "finops-lint")
    assert per_file.returncode == 0, per_file.stdout
    whole = site.pre_commit("run", "finops-lint-site")
    assert whole.returncode != 0, whole.stdout
    line = _line_of(broken, "/framework/maturity-modle/")
    assert f"{CAPABILITY_PATH}:{line}:" in whole.stdout, whole.stdout


def test_deleting_a_linked_page_is_refused(site: Site) -> None:
    _commit_clean(site)
    # the maturity model links to the capability; the commit deletes only the capability
    site.git("rm", "-q", CAPABILITY_PATH)
    result = site.git("commit", "-m", "remove a capability", check=False)
    assert result.returncode != 0, result.stdout
    line = _line_of(MATURITY, "(/framework/capabilities/budget-management/)")
    assert f"{MATURITY_PATH}:{line}:" in result.stdout, result.stdout
    assert "LK001" in result.stdout
    assert site.commits() == 1


def test_deleting_a_linked_image_is_refused(site: Site) -> None:
    site.write("img/phases.png", "not really a png\n")
    site.write(MATURITY_PATH, MATURITY + "\n![Phases](/img/phases.png)\n")
    _commit_clean(site)
    site.git("rm", "-q", "img/phases.png")  # no page is staged at all
    result = site.git("commit", "-m", "remove an image", check=False)
    assert result.returncode != 0, result.stdout
    assert f"{MATURITY_PATH}:" in result.stdout and "LK002" in result.stdout, result.stdout
    assert site.commits() == 1


def test_fix_hook_fixes_and_the_second_commit_passes(site: Site) -> None:
    _commit_clean(site)
    site.write(CAPABILITY_PATH, CAPABILITY + "\n##Sources\n* Billing exports\n")
    first = site.commit("heading without a space")
    assert first.returncode != 0, first.stdout
    assert "files were modified by this hook" in first.stdout, first.stdout
    assert "\n## Sources\n" in (site.path / CAPABILITY_PATH).read_text(encoding="utf-8")
    second = site.commit("heading without a space, fixed")
    assert second.returncode == 0, second.stdout
    assert site.commits() == 2


def test_hooks_never_use_the_network_whatever_the_config_says(site: Site) -> None:
    """The repository's config turns external checks on and the user's hook args even
    allow the local server: the hooks' --offline still wins (zero requests)."""
    from tests.linkserver import serve

    with serve() as server:
        site.write(".finops-lint.yaml", "external:\n  enabled: true\n")
        linked = CAPABILITY.replace(
            "for the stages.", f"for the stages, and [more]({server.base}/missing)."
        )
        site.write(CAPABILITY_PATH, linked)
        site.write(
            ".pre-commit-config.yaml",
            f"repos:\n"
            f"  - repo: {site.hook.path.as_posix()}\n"
            f"    rev: {site.hook.rev}\n"
            f"    hooks:\n"
            f"      - id: finops-lint\n"
            f"        args: [--external, --allow-host, 127.0.0.1]\n"
            f"      - id: finops-lint-site\n"
            f"        args: [--external, --allow-host, 127.0.0.1]\n",
        )
        site.git("add", "-A")
        result = site.pre_commit("run", "--all-files")
        assert result.stdout.count("Passed") == 2, result.stdout
        assert server.requests == []


def test_baseline_lets_a_legacy_page_through_and_refuses_new_defects(site: Site) -> None:
    """The hooks use .finops-lint-baseline.json with no extra flag."""
    legacy = CAPABILITY.replace("* Overall budget vs actuals", "* TODO: fill in the KPIs")
    site.write(CAPABILITY_PATH, legacy)
    site.git("add", "-A")
    site.git("commit", "-q", "--no-verify", "-m", "a site with a legacy defect")
    assert site.pre_commit("run", "--all-files").returncode != 0
    written = _run(
        [sys.executable, "-m", "finops_lint", "baseline"], site.path, site.hook.env, check=True
    )
    assert "wrote .finops-lint-baseline.json: " in written.stdout
    assert " in 1 file;" in written.stdout
    assert site.commit("accept the legacy findings").returncode == 0
    # A clean edit above the legacy defect (its line number changes) passes both hooks.
    edited = legacy.replace("# Budget Management\n", "# Budget Management\n\nA new intro.\n")
    site.write(CAPABILITY_PATH, edited)
    result = site.commit("a clean edit")
    assert result.returncode == 0, result.stdout
    assert "finops-lint (whole site)....." in result.stdout  # the site hook ran too
    assert "Failed" not in result.stdout, result.stdout
    # A new defect on the same page is refused.
    broken = edited + "\n| a | b |\n| --- | --- |\n| hello | world |\n"
    site.write(CAPABILITY_PATH, broken)
    refused = site.commit("oops: placeholder row")
    assert refused.returncode != 0, refused.stdout
    assert f"{CAPABILITY_PATH}:{_line_of(broken, '| hello | world |')}:" in refused.stdout
    assert "TODO" not in refused.stdout  # the legacy one stays baselined
    assert site.commits() == 3
