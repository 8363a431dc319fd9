"""The real FinOps framework site: every real defect is reported, nothing else.

Each finding below was checked by hand against the corpus; see the comments
for why it is a defect. FM006 (85 resource listings sharing the permalink
/resources/not-here/) is asserted separately.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import corpus_root

# (path under finops-framework/, line, code, severity)
EXPECTED = {
    # Lorem ipsum published on the /search/ page (an HTML page's visible text)
    ("_pages/search.html", 16, "PH003", "error"),
    ("_capabilities/asset-management.md", 76, "PH005", "error"),
    ("_capabilities/asset-management.md", 77, "PH005", "error"),
    ("_capabilities/asset-management.md", 97, "PH005", "error"),
    ("_capabilities/asset-management.md", 99, "PH005", "error"),
    ("_capabilities/asset-management.md", 105, "PH005", "error"),
    # A lone '*' under a persona heading: the built page shows <p>*</p>
    ("_capabilities/asset-management.md", 80, "PH012", "error"),
    ("_capabilities/asset-management.md", 83, "PH012", "error"),
    ("_capabilities/asset-management.md", 86, "PH012", "error"),
    ("_capabilities/asset-management.md", 89, "PH012", "error"),
    ("_capabilities/manage-shared-cloud-costs.md", 84, "PH012", "error"),
    # '>[functional activity] so that [desired outcome] is achieved.' under six persona
    # headings: printed with its brackets on the built page (reported once)
    ("_capabilities/decision-accountability-structure.md", 73, "PH011", "error"),
    ("_capabilities/chargeback.md", 89, "PH005", "error"),
    ("_capabilities/chargeback.md", 92, "PH005", "error"),
    ("_capabilities/decision-accountability-structure.md", 68, "PH004", "warning"),
    ("_capabilities/decision-accountability-structure.md", 69, "PH005", "error"),
    ("_capabilities/decision-accountability-structure.md", 70, "PH005", "error"),
    ("_capabilities/education-enablement.md", 54, "PH005", "error"),
    ("_capabilities/education-enablement.md", 55, "PH005", "error"),
    ("_capabilities/establish-finops-culture.md", 130, "PH005", "error"),
    ("_capabilities/manage-commitment-based-discounts.md", 64, "PH005", "error"),
    ("_capabilities/manage-commitment-based-discounts.md", 65, "PH005", "error"),
    ("_capabilities/manage-commitment-based-discounts.md", 69, "SC003", "error"),
    ("_capabilities/manage-commitment-based-discounts.md", 91, "PH005", "error"),
    ("_capabilities/policy-governance.md", 42, "SC002", "error"),
    ("_capabilities/policy-governance.md", 54, "PH005", "error"),
    ("_capabilities/policy-governance.md", 55, "PH005", "error"),
    ("_capabilities/policy-governance.md", 79, "TB005", "warning"),
    ("_capabilities/utilization-efficiency.md", 96, "PH005", "error"),
    ("_capabilities/workload-management-automation.md", 71, "PH005", "error"),
    ("_domains/cloud-rate-optimization.md", 33, "PH004", "warning"),
    ("_domains/cloud-rate-optimization.md", 37, "PH004", "warning"),
    ("_domains/cloud-usage-and-cost.md", 40, "PH004", "warning"),
    ("_domains/cloud-usage-and-cost.md", 44, "PH004", "warning"),
    ("_domains/cloud-usage-optimization.md", 35, "PH004", "warning"),
    ("_domains/cloud-usage-optimization.md", 39, "PH004", "warning"),
    ("_domains/organizational-alignment.md", 40, "PH004", "warning"),
    ("_domains/organizational-alignment.md", 44, "PH004", "warning"),
    ("_domains/real-time-decision-making.md", 37, "PH004", "warning"),
    ("_domains/real-time-decision-making.md", 41, "PH004", "warning"),
    ("_domains/tracking-and-benchmarking.md", 37, "PH004", "warning"),
    ("_domains/tracking-and-benchmarking.md", 41, "PH004", "warning"),
    # <a href=".../resources/stories/"></a>Community User Stories</a>: an empty link
    ("_pages/community/getting-started.html", 21, "LK005", "error"),
    # HTML pages' links are read too: /resources/stories/ is 301-redirected to /resources/
    ("_pages/community/getting-started.html", 21, "LK007", "warning"),
    ("_pages/search.html", 58, "LK007", "warning"),
    ("_pages/framework/whats-new.md", 397, "LK005", "error"),
    ("_pages/framework/whats-new.md", 508, "PH003", "error"),
    ("_pages/framework/whats-new.md", 510, "PH003", "error"),
    ("_pages/framework/whats-new.md", 561, "TB005", "warning"),
    ("_pages/introduction/what-is-finops.md", 36, "LK001", "error"),
    ("_pages/projects/overview.md", 56, "LK007", "warning"),
    ("_pages/resources/terminology.md", 313, "LK003", "error"),
    ("_pages/resources/terminology.md", 316, "LK003", "error"),
    ("_resources/f2--august-2022-summit.md", 10, "XR001", "error"),
    ("_resources/f2--august-2022-summit.md", 11, "XR001", "error"),
    ("_resources/f2--august-2022-summit.md", 12, "XR001", "error"),
    ("_resources/f2--reinvent-recap-2021.md", 12, "FM005", "error"),
    ("_resources/pc--apptio-finops-fridays-welcome-to-finops.md", 7, "FM003", "warning"),
    ("_resources/pc-project--managing-data-efficiency-playbook.md", 16, "FM003", "warning"),
    ("_resources/pc-project--managing-data-efficiency-playbook.md", 16, "FM003", "error"),
    ("_resources/project--accurate-cloud-forecasts.md", 199, "LK004", "error"),
    ("_resources/project--adopting-finops-guide.md", 16, "FM003", "warning"),
    ("_resources/project--adopting-finops.md", 38, "HD002", "warning"),
    ("_resources/project--finops-tbm.md", 67, "LK004", "error"),
    ("_resources/project--forecasting-playbook.md", 200, "LK005", "error"),
    ("_resources/project--forecasting-playbook.md", 215, "LK004", "error"),
    ("_resources/project--multi-cloud.md", 52, "TB001", "error"),
    ("_resources/project--multi-cloud.md", 66, "TB005", "warning"),
    ("_resources/story--azure-reservation-journey.md", 56, "TB005", "warning"),
    ("_resources/story--bigquery-commitments.md", 34, "LK002", "error"),
    ("_resources/story--unchecked-vpc-endpoints.md", 14, "FM003", "warning"),
    # Blank '- title:/url:' items after filled ones: each is an empty <a href=""> on the built page
    ("_tools-services/cloudfix.md", 58, "FM007", "warning"),
    ("_tools-services/corestack.md", 50, "FM007", "warning"),
    ("_tools-services/corestack.md", 80, "FM007", "warning"),
    ("_tools-services/kyndryl.md", 51, "FM007", "warning"),
    ("_tools-services/kyndryl.md", 89, "FM007", "warning"),
    ("_tools-services/magicorange.md", 78, "FM007", "warning"),
    ("_tools-services/softchoice.md", 79, "FM007", "warning"),
    ("_tools-services/stratascale.md", 45, "FM007", "warning"),
    ("_tools-services/yotascale.md", 43, "FM007", "warning"),
    ("_tools-services/accenture.md", 12, "FM003", "warning"),
    ("_tools-services/accenture.md", 27, "FM003", "warning"),
    ("_tools-services/accenture.md", 91, "FM003", "warning"),
    ("_tools-services/anglepoint.md", 28, "FM003", "warning"),
    ("_tools-services/centilytics.md", 13, "FM003", "warning"),
    ("_tools-services/centilytics.md", 36, "FM003", "warning"),
    ("_tools-services/clockwork.md", 13, "FM003", "warning"),
    ("_tools-services/cloudfix.md", 13, "FM003", "warning"),
    ("_tools-services/cloudfix.md", 31, "FM003", "warning"),
    ("_tools-services/cloudstratex.md", 13, "FM003", "warning"),
    ("_tools-services/cloudstratex.md", 34, "FM003", "warning"),
    ("_tools-services/cloudzero.md", 27, "FM003", "warning"),
    ("_tools-services/corestack.md", 13, "FM003", "warning"),
    ("_tools-services/corestack.md", 27, "FM003", "warning"),
    ("_tools-services/costimize.md", 12, "FM003", "warning"),
    ("_tools-services/deloitte.md", 12, "FM003", "warning"),
    ("_tools-services/deloitte.md", 29, "FM003", "warning"),
    ("_tools-services/densify.md", 25, "FM003", "warning"),
    ("_tools-services/doit-international.md", 13, "FM003", "warning"),
    ("_tools-services/doit-international.md", 42, "FM003", "error"),
    ("_tools-services/finout.md", 13, "FM003", "warning"),
    ("_tools-services/finout.md", 30, "FM003", "warning"),
    ("_tools-services/flexera.md", 13, "FM003", "warning"),
    ("_tools-services/flexera.md", 27, "FM003", "warning"),
    ("_tools-services/google.md", 12, "FM003", "warning"),
    ("_tools-services/harness.md", 12, "FM003", "warning"),
    ("_tools-services/hcl-technologies.md", 12, "FM003", "warning"),
    ("_tools-services/kyndryl.md", 13, "FM003", "warning"),
    ("_tools-services/kyndryl.md", 30, "FM003", "warning"),
    ("_tools-services/liquid-reply.md", 13, "FM003", "warning"),
    ("_tools-services/liquid-reply.md", 27, "FM003", "warning"),
    ("_tools-services/magicorange.md", 13, "FM003", "warning"),
    ("_tools-services/magicorange.md", 62, "XR001", "error"),
    ("_tools-services/neos.md", 12, "FM003", "warning"),
    ("_tools-services/neos.md", 29, "FM003", "warning"),
    ("_tools-services/nordcloud.md", 30, "FM003", "warning"),
    ("_tools-services/oracle-cloud.md", 13, "FM003", "warning"),
    ("_tools-services/revolgy.md", 30, "FM003", "warning"),
    ("_tools-services/sada.md", 12, "FM003", "warning"),
    ("_tools-services/sada.md", 27, "FM003", "warning"),
    ("_tools-services/softchoice.md", 13, "FM003", "warning"),
    ("_tools-services/softchoice.md", 42, "FM003", "warning"),
    ("_tools-services/softwareone.md", 12, "FM003", "warning"),
    ("_tools-services/spot.md", 13, "FM003", "warning"),
    ("_tools-services/stacklet.md", 13, "FM003", "warning"),
    ("_tools-services/strategic-blue.md", 29, "FM003", "warning"),
    ("_tools-services/sync-computing.md", 13, "FM003", "warning"),
    ("_tools-services/technative.md", 13, "FM003", "warning"),
    ("_tools-services/timspirit.md", 13, "FM003", "warning"),
    ("_tools-services/turbonomic.md", 13, "FM003", "warning"),
    ("_tools-services/turbonomic.md", 31, "FM003", "warning"),
    ("_tools-services/vaxowave.md", 13, "FM003", "warning"),
    ("_tools-services/vmware.md", 12, "FM003", "warning"),
    ("_tools-services/vmware.md", 25, "FM003", "warning"),
    ("_tools-services/yotascale.md", 13, "FM003", "warning"),
}

WHY = {
    "FM003": "front matter breaks its page type's schema (2 errors: a 'AWS, GCP' string "
    "where the site needs a list, a sentence in a URL key; warnings: text over the "
    "length the vendor layout shows)",
    "FM005": "date-added given twice in f2--reinvent-recap-2021.md",
    "FM007": "blank template items after filled ones in product-resources / "
    "recent-finops-activity: member.html prints an empty link for each",
    "HD002": "project--adopting-finops.md has two H1 headings",
    "LK001": "a link to a .pptx NOTICE.md says is absent (old /framework/domains/... links "
    "only inside HTML comments are not LK001: the built site has no such link)",
    "LK002": "/img/reducing-waste-bigquery-2.png is a typo for /img/reducing-waste/bigquery-2.png",
    "LK003": "terminology.md links #chargeback/#showback: those terms have no anchor",
    "LK004": "links to /resources/terminology/#forecasting etc.: no such anchor",
    "LK005": "[text]() with an empty destination; <a href=...></a> with no text",
    "LK007": "/resources/stories/ is 301-redirected to /resources/",
    "PH003": "'Hello World (New)' and hipster-ipsum filler in whats-new.md; "
    "lorem ipsum on /search/",
    "PH004": "'coming soon' sections on the six domain pages, '(needs update)' heading",
    "PH005": "the capability template's italic instructions left in published pages",
    "PH011": "template sentences with [slots] never filled in, printed as written",
    "PH012": "a lone '*' list marker kramdown prints as a literal asterisk",
    "SC002": "policy-governance.md has Crawl/Walk/Run only as table rows",
    "SC003": "empty '## Measure(s) of Success' above '## Measure(s) of Success & KPI'",
    "TB001": "a 6-cell row under a 5-cell header in project--multi-cloud.md",
    "TB005": "empty trailing table rows",
    "XR001": "resource names capabilities that do not exist; a vendor's "
    "capability_education-enablementure typo",
}


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


def test_every_real_defect_is_reported_and_nothing_else(
    corpus_findings: list[dict[str, object]],
) -> None:
    got = {
        (str(f["path"]), f["line"], f["code"], f["severity"])
        for f in corpus_findings
        if f["code"] != "FM006"
    }
    missing = EXPECTED - got
    unexpected = got - EXPECTED
    assert not missing, f"defects no longer reported: {sorted(missing)}"
    assert not unexpected, f"new findings (check by hand, then pin): {sorted(unexpected)}"
    assert {code for _p, _l, code, _s in EXPECTED} <= set(WHY)


def test_shared_permalink_reported_on_all_85_pages(
    corpus_findings: list[dict[str, object]],
) -> None:
    dup = [f for f in corpus_findings if f["code"] == "FM006"]
    assert len(dup) == 85
    assert all("/resources/not-here/" in str(f["message"]) for f in dup)
    assert all(str(f["path"]).startswith("_resources/") for f in dup)
    assert all(f["related"] for f in dup)


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
