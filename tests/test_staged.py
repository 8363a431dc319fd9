"""`check --staged`: a staged deletion, rename or lost anchor is reported in the
pages that link to it, and only their findings about it (in a real git repository;
the pre-commit hook that uses it is in test_precommit.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Site, page

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FORECASTING = "_capabilities/forecasting.md"
DOMAIN = "_domains/quantify-business-value.md"
#: A page that links to the capability, one of its anchors and the domain's image,
#: and has a legacy broken link of its own.
LINKER = page(
    "\n# Links\n\n"
    "See [Forecasting](/framework/capabilities/forecasting/#forecasting).\n\n"
    "![Domain](/img/domain.png)\n\n"
    "A [legacy broken link](/framework/never-was/).\n"
)


def _git(site: Site, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    proc = subprocess.run(
        ["git", *args], cwd=site.root, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout


@pytest.fixture
def repo(framework_site: Site) -> Site:
    framework_site.write("linker.md", LINKER)
    other = (framework_site.root / FORECASTING).read_text("utf-8")
    for old, new in (("forecasting", "budgeting"), ("Forecasting", "Budgeting")):
        other = other.replace(old, new)
    framework_site.write("_capabilities/budgeting.md", other)
    _git(framework_site, "init", "-q")
    _git(framework_site, "add", "-A")
    _git(framework_site, "commit", "-q", "-m", "site")
    return framework_site


def _staged(site: Site, *paths: str) -> tuple[int, list[tuple[str, str, int]], str]:
    result = site.cli("check", "--staged", "--format", "json", *paths)
    start = result.stdout.index("{")
    import json

    data = json.loads(result.stdout[start:])
    found = [(f["path"], f["code"], f["line"]) for f in data["findings"]]
    return result.exit_code, found, result.stderr


def test_deleting_a_linked_page_is_reported_in_the_linking_pages(repo: Site) -> None:
    _git(repo, "rm", "-q", FORECASTING)
    code, found, notices = _staged(repo)
    assert code == 1
    # the domain names it in front matter and links to it; the linker links to it;
    # the linker's legacy broken link is not this commit's doing
    assert ("linker.md", "LK001", 7) in found
    assert (DOMAIN, "XR001", 10) in found
    assert (DOMAIN, "LK001", 17) in found
    assert not [f for f in found if f[2] == 11 and f[0] == "linker.md"]
    assert "_capabilities/forecasting.md (deleted)" in notices


def test_a_baselined_legacy_finding_in_a_linking_page_is_not_called_fixed(repo: Site) -> None:
    # the linker's legacy broken link is in the baseline; --staged drops it from the
    # linking page's findings, which must not read as "fixed" (prune would lose it)
    assert repo.cli("baseline").exit_code == 0
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "baseline")
    _git(repo, "rm", "-q", FORECASTING)
    code, found, notices = _staged(repo)
    assert code == 1
    assert ("linker.md", "LK001", 7) in found
    assert "fixed" not in notices
    assert repo.cli("check", "--format", "json").exit_code == 1  # the deletion is new


def test_deleting_a_linked_image_is_reported(repo: Site) -> None:
    _git(repo, "rm", "-q", "img/domain.png")
    _code, found, _notices = _staged(repo)
    assert ("linker.md", "LK002", 9) in found
    assert (DOMAIN, "LK010", 11) in found


def test_renaming_a_page_that_keeps_its_permalink_is_fine(repo: Site) -> None:
    _git(repo, "mv", FORECASTING, "_capabilities/forecasting-cloud-spend.md")
    code, found, _notices = _staged(repo, "_capabilities/forecasting-cloud-spend.md")
    assert found == [] and code == 0


def test_renaming_a_page_and_its_url_is_reported(repo: Site) -> None:
    new = "_capabilities/forecast.md"
    _git(repo, "mv", FORECASTING, new)
    text = (repo.root / new).read_text("utf-8").replace("/forecasting/", "/forecast/")
    repo.write(new, text)
    _git(repo, "add", "-A")
    _code, found, notices = _staged(repo, new)
    assert ("linker.md", "LK001", 7) in found
    assert f"renamed to {new}" in notices


def test_removing_a_linked_anchor_is_reported(repo: Site) -> None:
    text = (
        (repo.root / FORECASTING)
        .read_text("utf-8")
        .replace("# Forecasting\n", "# Forecasting cloud spend\n")
    )
    repo.write(FORECASTING, text)
    _git(repo, "add", "-A")
    _code, found, _notices = _staged(repo, FORECASTING)
    assert found == [("linker.md", "LK004", 7)]


def test_a_clean_edit_checks_no_other_page(repo: Site) -> None:
    text = (repo.root / FORECASTING).read_text("utf-8").replace("once a year", "yearly")
    repo.write(FORECASTING, text)
    _git(repo, "add", "-A")
    code, found, notices = _staged(repo, FORECASTING)
    assert code == 0 and found == []
    assert "--staged" not in notices


def test_unstaged_deletions_are_not_the_commits(repo: Site) -> None:
    (repo.root / FORECASTING).unlink()  # deleted, but not staged
    _code, found, _notices = _staged(repo, "linker.md")
    # the linker is checked as given (its links are broken on disk): every finding of it
    assert ("linker.md", "LK001", 11) in found
    assert not [f for f in found if f[0] == DOMAIN]


def test_outside_git_it_says_so(framework_site: Site) -> None:
    framework_site.write("linker.md", LINKER)
    env_root = framework_site.root
    if subprocess.run(["git", "rev-parse"], cwd=env_root, capture_output=True).returncode == 0:
        pytest.skip("the temporary folder is inside a git repository")
    result = framework_site.cli("check", "--staged", "linker.md")
    assert "not inside a git repository" in result.stderr


def test_site_in_a_subfolder_with_no_files_given(framework_site: Site, tmp_path: Path) -> None:
    repo_root = framework_site.root.parent
    framework_site.write("linker.md", LINKER)
    subprocess.run(["git", "init", "-q"], cwd=repo_root, check=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    subprocess.run(["git", "add", "-A"], cwd=repo_root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "x"], cwd=repo_root, check=True, env=env)
    subprocess.run(["git", "rm", "-q", f"site/{FORECASTING}"], cwd=repo_root, check=True)
    os.chdir(repo_root)
    result = framework_site.cli("check", "--staged")
    assert result.exit_code == 1
    assert "site/linker.md:7:" in result.stdout


def test_a_lost_anchor_is_found_with_the_sites_own_heading_ids(site: Site) -> None:
    """A site on kramdown's own parser: `## 1. Intro` has the id `intro` (GFM would
    make `1-intro`). Renaming the heading removes `intro`, which the linking page
    uses; --staged must work that out with the same id options as the engine."""
    site.write("_config.yml", "permalink: pretty\nkramdown:\n  input: kramdown\n")
    site.write("b.md", page("\n# B\n\n## 1. Intro\n\nText.\n"))
    site.write("a.md", page("\n# A\n\nSee [the intro](/b/#intro).\n"))
    _git(site, "init", "-q")
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "site")
    site.write("b.md", page("\n# B\n\n## 1. Introduction\n\nText.\n"))
    _git(site, "add", "-A")
    _code, found, _notices = _staged(site, "b.md")
    assert found == [("a.md", "LK004", 7)]


def test_a_lost_id_of_an_html_page_is_reported(site: Site) -> None:
    """LK004 checks links to .html pages' ids, so --staged must see one go."""
    site.write("team.html", '---\ntitle: Team\npermalink: /team/\n---\n<h2 id="members">M</h2>\n')
    site.write("a.md", page("\n# A\n\nSee [the members](/team/#members).\n"))
    _git(site, "init", "-q")
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "site")
    site.write("team.html", '---\ntitle: Team\npermalink: /team/\n---\n<h2 id="people">M</h2>\n')
    _git(site, "add", "-A")
    _code, found, _notices = _staged(site, "team.html")
    assert found == [("a.md", "LK004", 7)]
