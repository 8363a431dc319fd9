"""XR rules: front matter that names pages that do not exist; orphan capabilities."""

from __future__ import annotations

from tests.conftest import DOMAIN_PAGE, Site, only

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


def test_xr001_resource_may_name_capabilities_by_identifier_or_title(
    framework_site: Site,
) -> None:
    text = RESOURCE.format(items="- Forecasting\n- capability_forecasting")
    assert only(framework_site.lint("_resources/video.md", text), "XR001") == []


def test_xr001_resource_naming_a_capability_that_does_not_exist(framework_site: Site) -> None:
    text = RESOURCE.format(items="- Forecasting\n- Sustainability")
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
