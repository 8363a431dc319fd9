"""The real FinOps framework site: every finding has a reviewed verdict.

The expectations live in one file, tests/corpus_findings.yaml: each finding the
linter reports on the corpus (path, line, code, severity) with its verdict and a
one-line reason read against the site built with the real Jekyll. A finding
without an entry fails, and so does an entry whose finding is gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.corpus import PROJECT, corpus_root

VERDICTS_FILE = PROJECT / "tests" / "corpus_findings.yaml"
#: defect: wrong on the built site; deliberate: true, on purpose; artifact: true of the
#: snapshot only (an asset NOTICE.md says is missing); latent: a wrong value the built
#: site does not show today (a template lists only some items); noise: a known false positive
VERDICTS = {"defect", "deliberate", "artifact", "latent", "noise"}

Key = tuple[str, int, str, str]


def load_verdicts() -> list[dict[str, Any]]:
    with open(VERDICTS_FILE, encoding="utf-8") as fh:
        entries: list[dict[str, Any]] = yaml.safe_load(fh)["findings"]
    return entries


def _key(entry: dict[str, Any]) -> Key:
    return (str(entry["path"]), int(entry["line"]), str(entry["code"]), str(entry["severity"]))


def test_every_verdict_is_complete() -> None:
    entries = load_verdicts()
    for entry in entries:
        assert entry["verdict"] in VERDICTS, entry
        reason = str(entry.get("reason") or "")
        assert reason.strip() and "\n" not in reason.strip(), f"one-line reason: {entry}"


@pytest.fixture(scope="module")
def corpus_findings() -> list[dict[str, object]]:
    root = corpus_root() / "finops-framework"
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", "check", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    findings: list[dict[str, object]] = data["findings"]
    return findings


def test_every_finding_has_a_verdict_and_every_verdict_its_finding(
    corpus_findings: list[dict[str, object]],
) -> None:
    got = Counter(
        (str(f["path"]), int(str(f["line"])), str(f["code"]), str(f["severity"]))
        for f in corpus_findings
    )
    pinned = Counter(_key(e) for e in load_verdicts())
    unreviewed = sorted((got - pinned).elements())
    gone = sorted((pinned - got).elements())
    assert not unreviewed, (
        f"findings without a verdict (check each against the built site, then add it to "
        f"{VERDICTS_FILE.name}): {unreviewed}"
    )
    assert not gone, f"verdicts whose finding is no longer reported: {gone}"


def test_precision_on_the_corpus(corpus_findings: list[dict[str, object]]) -> None:
    """Report what the verdicts add up to; no finding may be pinned as noise."""
    counts = Counter(e["verdict"] for e in load_verdicts())
    print(f"corpus findings: {sum(counts.values())}, verdicts: {dict(counts)}")
    assert counts["noise"] == 0, "known false positives are bugs: fix the rule instead"


def test_listing_sink_is_one_conflict_warning(
    corpus_findings: list[dict[str, object]],
) -> None:
    dup = [f for f in corpus_findings if f["code"] == "FM006"]
    assert len(dup) == 1
    (sink,) = dup
    assert sink["severity"] == "warning"
    assert str(sink["message"]).startswith("Conflict: 85 pages")
    assert "sitemap: false" in str(sink["message"])
    related = sink["related"]
    assert isinstance(related, list) and len(related) == 84
    assert all(str(r["path"]).startswith("_resources/") for r in related)


def test_one_page_still_resolves_against_the_whole_site() -> None:
    root = corpus_root() / "finops-framework"
    page = root / "_resources" / "story--bigquery-commitments.md"
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", "check", str(page), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    data = json.loads(proc.stdout)
    codes = [(f["code"], f["line"]) for f in data["findings"]]
    assert ("LK002", 34) in codes
    assert {f["path"] for f in data["findings"]} == {
        str(Path("_resources") / "story--bigquery-commitments.md")
    }


def test_placeholder_case_page() -> None:
    case = corpus_root() / "cases" / "maturity-model-placeholder-row.md"
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", "check", str(case), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    assert any(f["code"] == "PH001" and f["line"] == 28 for f in findings)
    tb003 = [f for f in findings if f["code"] == "TB003"]
    assert tb003 and all(w in tb003[0]["message"] for w in ("Crawl", "Walk", "Run"))
