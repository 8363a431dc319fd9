"""The same findings however a run is asked for (issue 10, item 2).

A finding is a claim about a page, so it may not depend on how the page was
named: through a symlink or not, with ``..`` or a trailing slash, absolute or
relative, from which current directory, as a folder or as files listed one by
one in any order, by one process or several, nor on ``--select`` (a
selection's findings are exactly the selected part of all findings).

Findings are compared on (real path, line, column, code, message): the path a
finding shows stays the one the user gave, so it is resolved here first.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finops_lint import workers
from finops_lint.config import DEFAULT_PROFILE, load_config
from finops_lint.discover import real_path
from finops_lint.engine import RunOptions, RunResult, run
from finops_lint.resources import profile_path
from finops_lint.rules.base import all_rules
from tests.conftest import (
    CAPABILITY_BODY,
    CAPABILITY_FRONT_MATTER,
    CAPABILITY_PAGE,
    CAPABILITY_TEMPLATE,
    CONFIG_YML,
    DOMAIN_PAGE,
)
from tests.corpus import corpus_root

Key = tuple[str, int, int, str, str]

#: Codes a plain run reports: no --external, none the built-in profile turns off
#: (selecting one of those by its code turns it on, so it is not part of all findings).
_PROFILE = load_config(Path.cwd(), profile_path(DEFAULT_PROFILE))
DEFAULT_CODES = sorted(
    r.code
    for r in all_rules()
    if _PROFILE.rule_enabled(r.code, r.default_enabled) and not r.needs_network
)


@contextmanager
def _running(cwd: Path, jobs: int | None) -> Iterator[None]:
    """Run from cwd with FINOPS_LINT_JOBS=jobs; with jobs > 1 even a small site forks."""
    old_cwd = os.getcwd()
    old_jobs = os.environ.get("FINOPS_LINT_JOBS")
    old_min = workers.PARALLEL_MIN_FILES
    os.chdir(cwd)
    if jobs is None:
        os.environ.pop("FINOPS_LINT_JOBS", None)
    else:
        os.environ["FINOPS_LINT_JOBS"] = str(jobs)
        if jobs > 1:
            workers.PARALLEL_MIN_FILES = 2
    try:
        yield
    finally:
        os.chdir(old_cwd)
        workers.PARALLEL_MIN_FILES = old_min
        if old_jobs is None:
            os.environ.pop("FINOPS_LINT_JOBS", None)
        else:
            os.environ["FINOPS_LINT_JOBS"] = old_jobs


def lint(
    paths: Sequence[str | Path],
    cwd: Path,
    *,
    select: Sequence[str] = (),
    jobs: int | None = 1,
) -> list[Key]:
    with _running(cwd, jobs):
        result = run(RunOptions(paths=[Path(p) for p in paths], select=list(select)))
        return keys(result, cwd)


def keys(result: RunResult, cwd: Path) -> list[Key]:
    return sorted(
        (real_path(os.path.join(cwd, f.path)), f.line, f.column, f.code, f.message)
        for f in result.findings
    )


def checked_files(paths: Sequence[str | Path], cwd: Path) -> list[str]:
    """Every file a run over paths checks, as absolute paths."""
    with _running(cwd, 1):
        result = run(RunOptions(paths=[Path(p) for p in paths], select=["FM001"]))
    return [os.path.join(cwd, p) for p in result.checked]


def selected(reference: list[Key], select: Sequence[str]) -> list[Key]:
    return [k for k in reference if k[3] in select or k[3][:2] in select]


# ------------------------------------------------------------ a small site

STORY_DEFAULTS = """\
  - scope:
      path: "_capabilities"
    values:
      layout: capability
  - scope:
      path: "_resources/member-story.md"
    values:
      type: User Story
"""


def write_site(root: Path) -> None:
    """A small site whose findings depend on every page fact: defaults (a capability's
    layout, a story's type come only from `_config.yml`), lint excludes (templates,
    drafts), collections, a symlinked page, cross-page references."""

    def write(rel: str, text: str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    write("_config.yml", CONFIG_YML + STORY_DEFAULTS)
    write("_templates/_capability.md", CAPABILITY_TEMPLATE)
    write("index.md", "---\ntitle: Home\npermalink: /\n---\n\n# Home\n\n[draft](/drafts/note.md)\n")
    no_layout = CAPABILITY_FRONT_MATTER.replace("layout: capability\n", "")
    write("_capabilities/forecasting.md", no_layout + CAPABILITY_BODY)
    broken = (
        CAPABILITY_PAGE.replace("forecasting", "budgeting")
        .replace("## Inputs", "## Inputz")
        .replace("#### Walk", "#### Stroll")
        + "\n| a | b |\n|---|---|\n| hello | world |\n\n[gone](/framework/nowhere/)\n\n"
        + "_the information used that contributes to the measure(s) of success listed above;"
        " information here may include specific datasources, reports or any relevant input_\n"
    )
    write("_capabilities/budgeting.md", broken)
    write(
        "_domains/quantify-business-value.md",
        DOMAIN_PAGE.replace(
            "- capability_forecasting\n", "- capability_forecasting\n- capability_nothing\n"
        ),
    )
    (root / "img").mkdir()
    (root / "img" / "domain.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    write(
        "_resources/member-story.md",
        "---\ntitle: A story\ndescription: How we did it.\npermalink: /resources/story/\n"
        "weight: 1\n---\n\n# A story\n\nComing soon.\n",
    )
    write(
        "_pages/about.md",
        "---\ntitle: About\npermalink: /about/\n---\n\n# About\n\n"
        "[top](#nowhere) and [other](/framework/capabilities/forecasting/#crawl)\n"
        "[bad](/framework/capabilities/forecasting/#no-such-part)\n\nLorem ipsum dolor.\n",
    )
    write("drafts/note.md", "# A draft\n\nTODO: write it\n")
    os.symlink("about.md", root / "_pages" / "about-alias.md")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Key]]:
    """(the folder holding the site, its findings from a plain run at the site root)."""
    base = tmp_path_factory.mktemp("invariance")
    real = base / "real" / "site"
    real.mkdir(parents=True)
    write_site(real)
    os.symlink(real, base / "link")
    (base / "elsewhere").mkdir()
    reference = lint(["."], real)
    return base, reference


def test_the_small_site_has_findings_from_every_page_fact(small: tuple[Path, list[Key]]) -> None:
    base, reference = small
    real = real_path(str(base / "real" / "site"))
    by_file = {(os.path.relpath(k[0], real), k[3]) for k in reference}
    assert ("_domains/quantify-business-value.md", "XR001") in by_file
    assert ("_capabilities/budgeting.md", "SC001") in by_file
    assert ("_capabilities/budgeting.md", "PH001") in by_file
    assert ("_capabilities/budgeting.md", "PH005") in by_file
    assert ("_pages/about.md", "LK003") in by_file
    assert ("_pages/about-alias.md", "LK003") in by_file
    # the story's type comes from _config.yml defaults: checked against the story schema
    assert any(
        k[3] == "FM003" and "member-story.md" in k[0] and "story-title" in k[4] for k in reference
    )
    # the capability's layout comes from defaults: no FM003 for it
    assert not any(k[3] == "FM003" and "forecasting.md" in k[0] for k in reference)
    # excluded from the lint (templates, drafts), yet part of the site
    assert not any("_templates" in k[0] or "drafts" in k[0] for k in reference)
    assert not any(k[3] == "LK001" and "index.md" in k[0] for k in reference)


#: (the paths given, the current directory), relative to the folder holding real/ and link/
SPELLINGS: list[tuple[list[str], str]] = [
    (["real/site"], "."),
    (["link"], "."),
    (["link/"], "."),
    (["./link/_capabilities/.."], "."),
    (["real/site/_pages/../"], "."),
    (["."], "real/site"),
    (["."], "link"),
    (["../../site"], "real/site/_capabilities"),
    ([".."], "link/_capabilities"),
    (["../link"], "elsewhere"),
    (["link/_capabilities", "link/_domains", "real/site/_pages", "link/_resources", "link"], "."),
]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    spelling=st.sampled_from(SPELLINGS),
    absolute=st.booleans(),
    jobs=st.sampled_from([1, 2, 3]),
)
def test_small_site_same_findings_however_named(
    small: tuple[Path, list[Key]], spelling: tuple[list[str], str], absolute: bool, jobs: int
) -> None:
    base, reference = small
    paths, cwd = spelling
    given = [str(base / cwd / p) if absolute else p for p in paths]
    assert lint(given, base / cwd, jobs=jobs) == reference


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    data=st.data(),
    via_link=st.booleans(),
    jobs=st.sampled_from([1, 2]),
)
def test_small_site_files_one_by_one_in_any_order(
    small: tuple[Path, list[Key]], data: st.DataObject, via_link: bool, jobs: int
) -> None:
    base, reference = small
    files = checked_files(["real/site"], base)
    assert len(files) >= 7  # the pages and the symlinked one (and text files the profile lints)
    if via_link:
        real = str(base / "real" / "site")
        files = [str(base / "link") + f[len(real) :] for f in files]
    order = data.draw(st.permutations(files))
    assert lint(order, base, jobs=jobs) == reference


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    select=st.lists(
        st.sampled_from(DEFAULT_CODES + sorted({c[:2] for c in DEFAULT_CODES})),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    via_link=st.booleans(),
    jobs=st.sampled_from([1, 2]),
)
def test_small_site_selection_is_a_subset_of_all_findings(
    small: tuple[Path, list[Key]], select: list[str], via_link: bool, jobs: int
) -> None:
    base, reference = small
    where = "link" if via_link else "real/site"
    assert lint([where], base, select=select, jobs=jobs) == selected(reference, select)


# ------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Key]]:
    """(the real corpus site, a folder with a symlink `link` to it, the reference findings)."""
    real = Path(real_path(str(corpus_root() / "finops-framework")))
    base = tmp_path_factory.mktemp("corpus-invariance")
    os.symlink(real, base / "link")
    reference = lint(["."], real, jobs=None)
    assert len({k[3] for k in reference}) > 10  # many rules have something to say
    return real, base, reference


@pytest.mark.parametrize(
    ("paths", "cwd", "jobs"),
    [
        (["link"], "base", None),
        (["link/"], "base", 1),
        (["link/_capabilities/.."], "base", None),
        (["{real}/"], "base", None),
        (["."], "link", None),
        (["../../finops-framework"], "real/_pages", 1),
        (["{base}/link/_domains/../"], "real", None),
        (["link/_resources", "link/_capabilities", "{real}", "link/_pages"], "base", None),
    ],
)
def test_corpus_same_findings_however_named(
    corpus: tuple[Path, Path, list[Key]], paths: list[str], cwd: str, jobs: int | None
) -> None:
    real, base, reference = corpus
    where = {"base": base, "link": base / "link", "real": real}[cwd.split("/")[0]]
    where = where.joinpath(*cwd.split("/")[1:])
    given = [p.format(real=real, base=base) for p in paths]
    assert lint(given, where, jobs=jobs) == reference


def test_corpus_capabilities_through_a_symlink(corpus: tuple[Path, Path, list[Key]]) -> None:
    """The reported case: `_capabilities` via a symlink gave 2 warnings, not its 21 errors."""
    real, base, reference = corpus
    got = lint(["link/_capabilities"], base, jobs=None)
    assert got == [k for k in reference if k[0].startswith(str(real / "_capabilities") + "/")]
    assert {"PH005", "SC003"} <= {k[3] for k in got}  # page types and defaults apply


def test_corpus_files_one_by_one_in_reverse_order(corpus: tuple[Path, Path, list[Key]]) -> None:
    real, base, reference = corpus
    files = checked_files([real], real)
    rng = random.Random(10)
    rng.shuffle(files)
    linked = [str(base / "link") + f[len(str(real)) :] for f in files]
    assert lint(linked, base, jobs=None) == reference


@pytest.mark.parametrize("select", [["FM"], ["FM003"], ["LK", "XR"], ["PH", "SC"], ["TB", "HD"]])
def test_corpus_selection_is_a_subset_of_all_findings(
    corpus: tuple[Path, Path, list[Key]], select: list[str]
) -> None:
    _real, base, reference = corpus
    got = lint(["link"], base, select=select, jobs=None)
    assert got == selected(reference, select)
    assert got
