"""The front matter JSON Schemas in schemas/: valid, precise, and true to the real site.

Each page type's schema is checked three ways:

* it is itself a valid draft 2020-12 schema with an ``$id``, a title and a description;
* a small hand-written good front matter passes it, and bad ones fail with the
  expected keyword at the expected place and severity;
* every real page of that type in the FinOps framework corpus is validated (with
  ``_config.yml`` ``defaults`` merged in and dates normalised to ISO strings, as the
  linter does) and the violations must be exactly the pinned, hand-checked lists.

Severity convention: a violation whose schema path passes through a subschema carrying
``"x-severity"`` is reported at that severity (the innermost one wins); otherwise it is
an error.  ``"x-message"`` on the same path gives the human sentence for the finding.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from tests.corpus import corpus_dir
from tests.test_corpus import load_verdicts

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = PROJECT_ROOT / "schemas"
SCHEMA_NAMES = [
    "capability",
    "domain",
    "framework-page",
    "resource",
    "story",
    "tool-service",
    "page",
]
SEVERITIES = {"error", "warning", "info"}


# ---------------------------------------------------------------- helpers


def load_schema(name: str) -> dict[str, Any]:
    with open(SCHEMA_DIR / f"{name}.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def normalise(value: Any) -> Any:
    """PyYAML safe_load output -> JSON types: dates become ISO strings, keys strings."""
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _walk(schema: dict[str, Any], error: ValidationError) -> Iterator[Any]:
    node: Any = schema
    yield node
    for part in error.absolute_schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
        yield node


def severity_of(schema: dict[str, Any], error: ValidationError) -> str:
    severity = "error"
    for node in _walk(schema, error):
        if isinstance(node, dict) and "x-severity" in node:
            severity = node["x-severity"]
    return severity


def message_of(schema: dict[str, Any], error: ValidationError) -> str | None:
    message = None
    for node in _walk(schema, error):
        if isinstance(node, dict) and "x-message" in node:
            message = node["x-message"]
    return message


def _escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer_of(error: ValidationError) -> str:
    """JSON pointer of the offending value; for `required`, of the missing key."""
    parts = [_escape(p) for p in error.absolute_path]
    if error.validator == "required":
        for key in error.validator_value:
            if error.message.startswith(f"{key!r} "):
                parts.append(_escape(key))
                break
    return "".join("/" + p for p in parts)


def violations(name: str, data: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(json-pointer, keyword, severity) of every violation of schema `name`."""
    schema = load_schema(name)
    return {
        (pointer_of(e), str(e.validator), severity_of(schema, e))
        for e in Draft202012Validator(schema).iter_errors(data)
    }


# ---------------------------------------------------------------- the schemas themselves


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://finops-lint.dev/schemas/{name}.schema.json"
    assert schema["title"] and schema["description"]
    assert schema["type"] == "object"


def _subschemas(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _subschemas(value)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_conventions(name: str) -> None:
    schema = load_schema(name)
    assert "additionalProperties" not in json.dumps(schema), "pages carry extra keys legitimately"
    for sub in _subschemas(schema):
        if "x-severity" in sub:
            assert sub["x-severity"] in SEVERITIES, sub
        if "x-message" in sub:
            assert isinstance(sub["x-message"], str) and sub["x-message"].strip()
        if "pattern" in sub:
            re.compile(sub["pattern"])
            assert "x-message" in sub, f"pattern {sub['pattern']!r} needs an x-message"
    # every required key is also described under properties
    assert set(schema.get("required", [])) <= set(schema.get("properties", {}))


# ---------------------------------------------------------------- good and bad front matter

GOOD: dict[str, dict[str, Any]] = {
    "capability": {
        "layout": "capability",
        "permalink": "/framework/capabilities/forecasting/",
        "search": True,
        "search-keywords": "budget forecast",
        "title": "Forecasting",
        "description": "Understand forecasting cloud costs.",
        "page-identifier": "capability_forecasting",
        "framework-capability-title": "Forecasting",
        "framework-capability-desc": "Understand forecasting cloud costs.",
        "label": None,
        "order": 5,
        "identifier": "framework",
        "an-extra-key": "allowed",
    },
    "domain": {
        "layout": "wide",
        "title": "Organizational Alignment FinOps Domain",
        "description": "Within this domain ...",
        "permalink": "/framework/domains/organizational-alignment/",
        "page-identifier": "domain_org-alignment",
        "framework-domain-title": "Organizational Alignment",
        "framework-domain-desc": "Within this domain ...",
        "framework-capabilities": ["capability_showback", "capability_chargeback"],
        "image": "/img/domains/domain-icons_organization.png",
        "order": 6,
        "identifier": "framework",
    },
    "framework-page": {
        "layout": "wide",
        "permalink": "/framework/phases/",
        "search": True,
        "title": "FinOps Phases",
        "description": "The FinOps journey consists of three iterative phases.",
        "identifier": "framework",
    },
    "resource": {
        "title": "Introduction to FinOps",
        "description": "A video.",
        "type": "Video",
        "source": "Foundation Contribution",
        "label": "FinOps X",
        "cloud-provider": ["AWS", "Multi-Cloud"],
        "permalink": "/resources/introduction-to-finops/",
        "weight": 30,
        "date-added": "Sept 2022",
        "link": "https://www.youtube.com/watch?v=abc",
        "listing": True,
        "framework-capabilities": ["capability_forecasting", "Managing Shared Cost"],
        "framework-persona": ["finance", "engineering"],
        "framework-maturity": ["crawl", "walk"],
    },
    "story": {
        "layout": "story",
        "permalink": "/resources/stories/anomaly-story/",
        "title": "Catching an anomaly",
        "description": "How we caught it.",
        "type": "User Story",
        "source": "Community Contribution",
        "story-title": "Catching an anomaly",
        "story-date": "2021-03-04",
        "author": ["Ann Author", "Bob Writer"],
        "company": None,
        "industry": "Media",
        "cloud-provider": ["GCP"],
        "framework-persona": "FinOps Practitioner",
        "framework-maturity": "Walk / Run",
        "framework-capabilities": ["capability_anomalies"],
        "weight": 100,
    },
    "tool-service": {
        "layout": "member",
        "name": "Example Co",
        "logo-url": "/tools-services/logos/example.png",
        "logo-url-width": 120,
        "linkedin-url": None,
        "website-url": "https://example.com/",
        "company-description": "We make things.",
        "member-level": "premier",
        "member-order": 3,
        "type": ["Platform Provider"],
        "certified-status": ["FinOps Certified Platform"],
        "product-overview": None,
        "product-video-url": "https://www.youtube.com/embed/abc",
        "product-resources": [{"title": None, "url": None}],
        "capabilities": ["capability_allocation"],
        "clouds-supported": ["AWS", "Google Cloud"],
        "date": "2021-10-01",
        "recent-finops-activity": None,
        "slack-channels": [{"title": "#example", "url": "https://example.slack.com"}],
        "number-of-focp": 4,
        "contribution-areas": ["Kubernetes SIG"],
    },
    "page": {
        "layout": "wide",
        "permalink": "/about/",
        "title": "About",
        "description": None,
        "search": True,
    },
}


_DROP = object()


def _with(schema_name: str, /, **changes: Any) -> dict[str, Any]:
    """GOOD[schema_name] with keys changed (underscores in names become dashes) or _DROP-ped."""
    data = json.loads(json.dumps(GOOD[schema_name]))
    for key, value in changes.items():
        key = key.replace("_", "-")
        if value is _DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# (schema, front matter, expected (pointer, keyword, severity))
BAD: list[tuple[str, dict[str, Any], tuple[str, str, str]]] = [
    (
        "capability",
        _with("capability", page_identifier="forecasting"),
        ("/page-identifier", "pattern", "error"),
    ),
    (
        "capability",
        _with("capability", page_identifier=None),
        ("/page-identifier", "type", "error"),
    ),
    (
        "capability",
        _with("capability", framework_capability_title=_DROP),
        ("/framework-capability-title", "required", "error"),
    ),
    ("capability", _with("capability", order="5"), ("/order", "type", "error")),
    ("capability", _with("capability", title=""), ("/title", "pattern", "error")),
    (
        "capability",
        _with("capability", permalink="/capabilities/forecasting/"),
        ("/permalink", "pattern", "warning"),
    ),
    (
        "domain",
        _with("domain", page_identifier="org-alignment"),
        ("/page-identifier", "pattern", "error"),
    ),
    (
        "domain",
        _with("domain", framework_capabilities=["Cost Allocation"]),
        ("/framework-capabilities/0", "pattern", "error"),
    ),
    (
        "domain",
        _with("domain", framework_capabilities=None),
        ("/framework-capabilities", "type", "error"),
    ),
    (
        "domain",
        _with("domain", framework_capabilities=[]),
        ("/framework-capabilities", "minItems", "warning"),
    ),
    ("framework-page", _with("framework-page", search=_DROP), ("/search", "required", "error")),
    ("framework-page", _with("framework-page", search="yes"), ("/search", "type", "error")),
    ("resource", _with("resource", type="Webinar"), ("/type", "enum", "error")),
    ("resource", _with("resource", type="User Story"), ("/type", "enum", "error")),
    (
        "resource",
        _with("resource", cloud_provider=["AWS, GCP"]),
        ("/cloud-provider/0", "enum", "error"),
    ),
    ("resource", _with("resource", label="Finops X"), ("/label", "enum", "warning")),
    ("resource", _with("resource", permalink="resources/x/"), ("/permalink", "pattern", "error")),
    ("resource", _with("resource", weight=_DROP), ("/weight", "required", "error")),
    ("resource", _with("resource", date_added="2022-11-01"), ("/date-added", "pattern", "warning")),
    ("story", _with("story", type="Member Story"), ("/type", "const", "error")),
    ("story", _with("story", story_title=_DROP), ("/story-title", "required", "error")),
    (
        "story",
        _with("story", framework_capabilities=["Forecasting"]),
        ("/framework-capabilities/0", "pattern", "error"),
    ),
    (
        "story",
        _with("story", framework_persona=["finance"]),
        ("/framework-persona", "type", "error"),
    ),
    (
        "story",
        _with("story", framework_maturity="Sprint"),
        ("/framework-maturity", "pattern", "warning"),
    ),
    ("tool-service", _with("tool-service", layout="wide"), ("/layout", "const", "error")),
    (
        "tool-service",
        _with("tool-service", member_level="gold"),
        ("/member-level", "enum", "error"),
    ),
    ("tool-service", _with("tool-service", member_level=None), ("/member-level", "type", "error")),
    (
        "tool-service",
        _with("tool-service", certified_status=["FinOps Certified"]),
        ("/certified-status/0", "enum", "error"),
    ),
    ("tool-service", _with("tool-service", type="Platform Provider"), ("/type", "type", "error")),
    (
        "tool-service",
        _with("tool-service", capabilities=["allocation"]),
        ("/capabilities/0", "pattern", "error"),
    ),
    (
        "tool-service",
        _with("tool-service", product_video_url="Available upon request"),
        ("/product-video-url", "pattern", "error"),
    ),
    (
        "tool-service",
        _with("tool-service", member_order=_DROP),
        ("/member-order", "required", "warning"),
    ),
    ("tool-service", _with("tool-service", name=_DROP), ("/name", "required", "error")),
    ("page", _with("page", title=["a", "b"]), ("/title", "type", "error")),
    ("page", _with("page", search="true"), ("/search", "type", "error")),
]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_good_front_matter_passes(name: str) -> None:
    assert violations(name, GOOD[name]) == set()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    BAD,
    ids=[f"{n}-{e[0]}-{e[1]}" for n, _, e in BAD],
)
def test_bad_front_matter_fails(
    name: str, data: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    assert violations(name, data) == {expected}


def test_temporary_listing_may_leave_member_level_empty() -> None:
    data = _with("tool-service", member_level=None, member_order=_DROP, temporary=True)
    assert violations("tool-service", data) == set()


def test_values_the_layouts_render_as_written_pass() -> None:
    """No layout truncates these or needs a list or a number: the member layout prints
    company-description and product-overview in full (markdownify), default.html prints
    number-of-focp as written, and Liquid's for/contains treat a string as a one-item list."""
    long_text = "x" * 5000
    for changes in (
        {"company_description": long_text},
        {"product_overview": long_text},
        {"number_of_focp": "50+"},
    ):
        assert violations("tool-service", _with("tool-service", **changes)) == set(), changes
    for changes in ({"cloud_provider": "AWS"}, {"label": ["External"]}):
        assert violations("resource", _with("resource", **changes)) == set(), changes


def test_x_message_reaches_the_violation() -> None:
    schema = load_schema("capability")
    (error,) = Draft202012Validator(schema).iter_errors(
        _with("capability", page_identifier="forecasting")
    )
    assert message_of(schema, error) is not None
    assert "capability_" in message_of(schema, error)
    schema = load_schema("tool-service")
    (error,) = Draft202012Validator(schema).iter_errors(
        _with("tool-service", product_video_url="Available upon request")
    )
    assert "shows nothing" in (message_of(schema, error) or "")


def test_dates_are_normalised_to_iso_strings() -> None:
    data = normalise(yaml.safe_load("story-date: 2021-03-04\n1: one\nwhen: 2021-03-04 10:00:00\n"))
    assert data == {"story-date": "2021-03-04", "1": "one", "when": "2021-03-04T10:00:00"}


# ---------------------------------------------------------------- the real corpus


def corpus_site() -> Path | None:
    base = corpus_dir()
    return base / "finops-framework" if base is not None else None


@pytest.fixture(scope="module")
def site() -> Path:
    found = corpus_site()
    if found is None:
        reason = (
            "FinOps framework corpus not found (looked for ../shared/corpus/finops-framework "
            "next to the project, or $FINOPS_LINT_CORPUS)"
        )
        if os.environ.get("FINOPS_LINT_REQUIRE_CORPUS") == "1":
            pytest.fail(reason + " and FINOPS_LINT_REQUIRE_CORPUS=1")
        pytest.skip(reason)
    return found


def read_front_matter(path: Path) -> dict[str, Any] | None:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for i, line in enumerate(lines[1:], 1):
        if line.rstrip() in ("---", "..."):
            data = yaml.safe_load("\n".join(lines[1:i]))
            return normalise(data) if isinstance(data, dict) else {}
    raise AssertionError(f"{path}: unterminated front matter")


def merge_defaults(
    config: dict[str, Any], rel: str, doc_type: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Jekyll front matter defaults: matching scopes merge, more specific paths win,
    and the page's own keys win over all."""
    matching = []
    for entry in config.get("defaults") or []:
        scope = entry.get("scope") or {}
        path = str(scope.get("path") or "").strip("/")
        if path and rel != path and not rel.startswith(path + "/"):
            continue
        if scope.get("type") and scope["type"] != doc_type:
            continue
        matching.append((len(path), entry.get("values") or {}))
    merged: dict[str, Any] = {}
    for _, values in sorted(matching, key=lambda item: item[0]):
        merged.update(normalise(values))
    merged.update(data)
    return merged


def classify(rel: str, data: dict[str, Any]) -> str | None:
    top = rel.split("/", 1)[0]
    if top in {"_templates", "_includes", "_layouts", "_data", "drafts"}:
        return None
    if rel.startswith("_capabilities/"):
        return "capability"
    if rel.startswith("_domains/"):
        return "domain"
    if rel.startswith("_pages/framework/"):
        return "framework-page"
    if rel.startswith("_resources/"):
        return "story" if data.get("type") == "User Story" else "resource"
    if rel.startswith("_tools-services/"):
        return "tool-service"
    return "page"


def corpus_violations(site: Path) -> tuple[dict[str, int], set[tuple[str, str, str, str]]]:
    with open(site / "_config.yml", encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    collections = set((config.get("collections") or {}).keys())
    schemas = {name: load_schema(name) for name in SCHEMA_NAMES}
    validators = {name: Draft202012Validator(schema) for name, schema in schemas.items()}
    counts = dict.fromkeys(SCHEMA_NAMES, 0)
    found: set[tuple[str, str, str, str]] = set()
    paths = sorted(
        p for p in site.rglob("*") if p.suffix in {".md", ".markdown", ".html"} and p.is_file()
    )
    for path in paths:
        rel = path.relative_to(site).as_posix()
        if rel.split("/", 1)[0] in {"_layouts", "_includes"}:
            continue  # site code, not pages: Jekyll never renders them as pages
        data = read_front_matter(path)
        if data is None:
            continue
        kind = classify(rel, data)
        if kind is None:
            continue
        top = rel.split("/", 1)[0]
        doc_type = top[1:] if top.startswith("_") and top[1:] in collections else "pages"
        data = merge_defaults(config, rel, doc_type, data)
        counts[kind] += 1
        for error in validators[kind].iter_errors(data):
            found.add(
                (rel, pointer_of(error), str(error.validator), severity_of(schemas[kind], error))
            )
    return counts, found


EXPECTED_COUNTS = {
    "capability": 18,
    "domain": 6,
    "framework-page": 7,
    "resource": 104,
    "story": 36,
    "tool-service": 71,
}


@pytest.mark.corpus
def test_corpus_violations_are_exactly_the_pinned_ones(site: Path) -> None:
    counts, found = corpus_violations(site)
    for kind, expected in EXPECTED_COUNTS.items():
        assert counts[kind] == expected, (
            f"{kind}: validated {counts[kind]} pages, expected {expected}"
        )
    assert counts["page"] > 0

    # The expected violations are the FM003 entries of the one reviewed corpus file
    # (tests/corpus_findings.yaml): the same schemas, validated here with jsonschema.
    pinned = {(e["path"], e["severity"]) for e in load_verdicts() if e["code"] == "FM003"}
    assert {(f, s) for f, _p, _k, s in found} == pinned


@pytest.mark.corpus
def test_corpus_defaults_are_merged(site: Path) -> None:
    with open(site / "_config.yml", encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    cases = {
        "_capabilities/forecasting.md": ("capabilities", "framework"),
        "_domains/cloud-usage-and-cost.md": ("domains", "framework"),
        "_pages/framework/phases.md": ("pages", "framework"),
        "_pages/introduction/how-to-use.md": ("pages", "introduction"),
        "_pages/about/index.md": ("pages", None),
    }
    for rel, (doc_type, identifier) in cases.items():
        data = read_front_matter(site / rel)
        assert data is not None
        assert merge_defaults(config, rel, doc_type, data).get("identifier") == identifier, rel
