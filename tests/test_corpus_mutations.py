"""Mutations of real corpus pages: defects introduced into a real page are caught,
benign edits are not.

The whole framework site is copied once into a temporary folder; each case edits
one real page there, checks that one file (resolved against the whole site, as
pre-commit does) and compares with the same page unedited. A defect must add a
finding of its code; a benign edit must add nothing (compared by code and message,
so findings that only move lines do not count).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from finops_lint.engine import RunOptions, run
from finops_lint.findings import Finding
from tests.corpus import corpus_root

CAPABILITY = "_capabilities/forecasting.md"
DOMAIN = "_domains/cloud-usage-and-cost.md"
RESOURCE = "_resources/project--forecasting-playbook.md"
MULTI_CLOUD = "_resources/project--multi-cloud.md"

Edit = Callable[[str], str]


def replace(old: str, new: str, count: int = 1) -> Edit:
    def edit(text: str) -> str:
        assert old in text, f"the page no longer contains {old!r}"
        return text.replace(old, new, count)

    return edit


def reorder_front_matter(text: str) -> str:
    """Reverse the order of the top-level front matter keys (a key with its list items)."""
    _, fm, body = text.split("---\n", 2)
    blocks: list[list[str]] = []
    for ln in fm.splitlines():
        if not ln.strip():
            continue
        if re.match(r"^[\w-]+:", ln):
            blocks.append([ln])
        else:
            blocks[-1].append(ln)  # a list item or continuation of the key above
    lines = [ln for block in reversed(blocks) for ln in block]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def add_table_row(text: str) -> str:
    anchor = "| Static Forecast |"
    row = "| Zero-Based Forecast | Starts every period from zero and justifies each cost. |\n"
    i = text.index(anchor)
    return text[:i] + row + text[i:]


CAUGHT: list[tuple[str, str, Edit, str]] = [
    # (case, page, edit, code that must appear)
    (
        "template-value-in-front-matter",
        CAPABILITY,
        replace(
            "framework-capability-title: Forecasting",
            "framework-capability-title: Capability Title Here",
        ),
        "FM004",
    ),
    (
        "tbd-in-a-table-cell",
        CAPABILITY,
        replace(
            "| Static Forecast | Predict for the fiscal year only with no adjustments. |",
            "| Static Forecast | TBD |",
        ),
        "PH002",
    ),
    (
        "hello-world-row",
        CAPABILITY,
        replace(
            "| Static Forecast | Predict for the fiscal year only with no adjustments. |",
            "| hello | world |",
        ),
        "PH001",
    ),
    (
        "broken-row",
        CAPABILITY,
        replace(
            "| Static Forecast | Predict for the fiscal year only with no adjustments. |",
            "| Static Forecast |",
        ),
        "TB001",
    ),
    ("title-reference", RESOURCE, replace("- capability_forecasting", "- Forecasting"), "XR001"),
    (
        "typo-reference-in-a-domain",
        DOMAIN,
        replace("- capability_forecasting", "- capability_forcasting"),
        "XR001",
    ),
    ("lost-maturity-level", CAPABILITY, replace("#### Walk\n", "Walk\n"), "SC002"),
    (
        "broken-internal-link",
        RESOURCE,
        replace(
            "(https://www.finops.org/framework/personas/)",
            "(https://www.finops.org/framework/persona/)",
        ),
        "LK001",
    ),
    ("duplicate-key", CAPABILITY, replace("order: 5\n", "order: 5\norder: 6\n"), "FM005"),
    (
        "lorem-ipsum-in-front-matter",
        CAPABILITY,
        replace(
            "framework-capability-desc: Understand",
            "framework-capability-desc: Lorem ipsum dolor sit amet. Understand",
        ),
        "PH007",
    ),
    (
        "lorem-ipsum-paragraph",
        CAPABILITY,
        replace(
            "Unfortunately, there is no one forecasting method that fits all situations.",
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        ),
        "PH003",
    ),
]

BENIGN: list[tuple[str, str, Edit]] = [
    (
        "reword-a-sentence",
        CAPABILITY,
        replace(
            "Unfortunately, there is no one forecasting method that fits all situations.",
            "No single forecasting method fits every situation.",
        ),
    ),
    ("add-a-table-row", CAPABILITY, add_table_row),
    ("reorder-front-matter", CAPABILITY, reorder_front_matter),
    ("reorder-front-matter-of-a-domain", DOMAIN, reorder_front_matter),
    (
        "add-a-row-to-a-table-with-findings",
        MULTI_CLOUD,
        replace(
            "| **Insights** |",
            "|  | [Billing Export](https://cloud.google.com/billing) |  |  |  |\n| **Insights** |",
        ),
    ),
    (
        "name-another-capability-by-identifier",
        RESOURCE,
        replace(
            "- capability_forecasting", "- capability_forecasting\n  - capability_budget-management"
        ),
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    src = corpus_root() / "finops-framework"
    dest = tmp_path_factory.mktemp("mutations") / "finops-framework"
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
    for folder, dirs, files in __import__("os").walk(dest):
        for name in dirs + files:
            (Path(folder) / name).chmod(0o755 if name in dirs else 0o644)
    yield dest


def lint(site: Path, page: str) -> list[Finding]:
    return run(RunOptions(paths=[site / page], root=site)).findings


def signature(findings: list[Finding]) -> Counter[tuple[str, str]]:
    return Counter(
        (f.code, re.sub(r"\blines? \d+(-\d+)?|line \d+", "line N", f.message)) for f in findings
    )


def mutated(site: Path, page: str, edit: Edit) -> list[Finding]:
    path = site / page
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(edit(original), encoding="utf-8")
        return lint(site, page)
    finally:
        path.write_text(original, encoding="utf-8")


@pytest.mark.parametrize(("case", "page", "edit", "code"), CAUGHT, ids=[c[0] for c in CAUGHT])
def test_defect_introduced_into_a_real_page_is_caught(
    site: Path, case: str, page: str, edit: Edit, code: str
) -> None:
    before = signature(lint(site, page))
    after = signature(mutated(site, page, edit))
    new = after - before
    assert any(c == code for c, _m in new), f"{case}: expected a new {code}, got {sorted(new)}"


@pytest.mark.parametrize(("case", "page", "edit"), BENIGN, ids=[c[0] for c in BENIGN])
def test_benign_edit_of_a_real_page_adds_nothing(
    site: Path, case: str, page: str, edit: Edit
) -> None:
    before = signature(lint(site, page))
    after = signature(mutated(site, page, edit))
    assert after == before, f"{case}: {sorted((after - before).elements())}"
