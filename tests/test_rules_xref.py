"""XR rules: front matter that names pages that do not exist; orphan capabilities."""

from __future__ import annotations

import re

from tests.conftest import CONFIG_YML, DOMAIN_PAGE, Site, only

DOMAIN = "_domains/quantify-business-value.md"

RESOURCE = """\
---
layout: resource
title: Forecasting video
description: A video.
type: Video
source: Community Contribution
label: Video
cloud-provider: [AWS]
permalink: /resources/forecasting-video/
weight: 1
framework-capabilities:
{items}
---
A video about forecasting.
"""


# ------------------------------------------------------------------ XR001


def test_xr001_domain_names_an_unknown_capability_at_the_list_item(framework_site: Site) -> None:
    text = DOMAIN_PAGE.replace(
        "- capability_forecasting", "- capability_forecasting\n- capability_forecastingg"
    )
    findings = framework_site.lint_full(DOMAIN, text)
    assert [(f.code, f.line, f.column) for f in findings] == [("XR001", 11, 3)]
    assert "capability_forecastingg" in findings[0].message
    assert "did you mean 'capability_forecasting'" in findings[0].message


def test_xr001_domain_naming_real_capabilities_is_fine(framework_site: Site) -> None:
    assert framework_site.codes(DOMAIN) == []


def test_xr001_resource_naming_a_capability_by_title_gets_the_identifier(
    framework_site: Site,
) -> None:
    text = RESOURCE.format(items="- Forecasting\n- capability_forecasting")
    findings = [
        f for f in framework_site.lint_full("_resources/video.md", text) if f.code == "XR001"
    ]
    assert [(f.line, f.column) for f in findings] == [(12, 3)]
    assert "never links" in findings[0].message
    assert "use 'capability_forecasting'" in findings[0].message


def test_xr001_resource_naming_capabilities_by_identifier_is_fine(framework_site: Site) -> None:
    text = RESOURCE.format(items="- capability_forecasting")
    assert only(framework_site.lint("_resources/video.md", text), "XR001") == []


def test_xr001_resource_naming_a_capability_that_does_not_exist(framework_site: Site) -> None:
    text = RESOURCE.format(items="- capability_forecasting\n- Sustainability")
    assert only(framework_site.lint_pos("_resources/video.md", text), "XR001") == [("XR001", 13, 3)]


# ------------------------------------------------------------------ XR002


def test_xr002_capability_no_domain_lists_is_info(framework_site: Site) -> None:
    framework_site.write(DOMAIN, DOMAIN_PAGE.replace("capability_forecasting", "capability_other"))
    findings = framework_site.findings("_capabilities/forecasting.md")
    assert [(f.code, f.line, f.column) for f in findings] == [("XR002", 6, 1)]
    assert findings[0].severity.value == "info"
    # info findings never fail the run
    assert framework_site.cli("check", "_capabilities/forecasting.md").exit_code == 0


def test_xr002_listed_capability_is_not_an_orphan(framework_site: Site) -> None:
    assert only(framework_site.codes("_capabilities/forecasting.md"), "XR002") == []


# ------------------------------------------------------------------ LK010

VENDOR = """\
---
layout: member
name: Example
logo-url: "{logo}"
product-resources:
- title: Docs
  url: "{url}"
- title: Demo
  url: https://example.com/demo
---
"""


def _with_vendors(site: Site) -> None:
    """The tools-services collection, whose assets are served under its URL."""
    config = CONFIG_YML.replace(
        "collections:\n", "collections:\n  tools-services:\n    output: true\n"
    )
    site.write("_config.yml", config)
    site.write("_tools-services/logos/example.svg", "<svg/>")


def test_lk010_missing_logo_and_resource_point_at_their_values(framework_site: Site) -> None:
    _with_vendors(framework_site)
    text = VENDOR.format(logo="/tools-services/logos/exampel.svg", url="/framework/nope/")
    found = only(framework_site.lint_pos("_tools-services/example.md", text), "LK010")
    assert found == [("LK010", 4, 11), ("LK010", 7, 8)]


def test_lk010_existing_files_and_other_sites_are_fine(framework_site: Site) -> None:
    _with_vendors(framework_site)
    text = VENDOR.format(logo="/tools-services/logos/example.svg?2", url="https://example.org/x")
    assert only(framework_site.lint("_tools-services/example.md", text), "LK010") == []


# ------------------------------------------------------------ did-you-mean


def test_closest_is_difflib_get_close_matches_on_random_names() -> None:
    """XR001's bounded search gives difflib's answer (best ratio, ties to the greater
    name) whatever the names: random words over a small alphabet, so ties, equal
    lengths and near misses are common."""
    import difflib
    import random

    from finops_lint.rules.xref import closest

    rng = random.Random(14)
    for _ in range(400):
        alphabet = "ab_-" if rng.random() < 0.5 else "abcdefgh"
        names = {
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            for _ in range(rng.randint(0, 40))
        }
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        for cutoff in (0.6, 0.8):
            expected = difflib.get_close_matches(word, list(names), n=1, cutoff=cutoff)
            assert closest(word, frozenset(names), cutoff) == (expected[0] if expected else None)


def test_closest_on_the_corpus_identifiers() -> None:
    import difflib

    from finops_lint.rules.xref import closest
    from tests.corpus import framework_site

    site = framework_site()
    found = re.findall(
        r"^page-identifier:[ \t]*(\S+)",
        "\n".join(p.read_text(encoding="utf-8") for p in site.glob("_*/*.md")),
        re.MULTILINE,
    )
    names = frozenset(found)
    assert len(names) > 30
    words = ["Forecasting", "capability_forecastingg", "capability_education-enablementure"]
    words += [n[:-2] + "xy" for n in sorted(names)[:60]] + [n.upper() for n in sorted(names)[:20]]
    for word in words:
        expected = difflib.get_close_matches(word, list(names), n=1, cutoff=0.6)
        assert closest(word, names, 0.6) == (expected[0] if expected else None)
