"""Shared fixtures: a tiny Jekyll site in tmp_path, and helpers to lint it.

`site` builds a site shaped like the FinOps framework site (collections
capabilities / domains / resources with output, pretty permalinks, the
capability template) and offers helpers that run the engine or the CLI and
return findings as `(code, line)` pairs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from finops_lint.cli import main
from finops_lint.engine import RunOptions, RunResult, run
from finops_lint.findings import Finding


def pytest_configure(config: pytest.Config) -> None:
    """Every run's result cache goes to one folder of this session (one file per site):
    never into the shared corpus, which is read-only in CI (and may not be here)."""
    import tempfile

    if "FINOPS_LINT_CACHE_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="finops-lint-test-cache-")
        os.environ["FINOPS_LINT_CACHE_DIR"] = folder


CONFIG_YML = """\
title: Tiny FinOps site
url: https://www.finops.org
markdown: kramdown
permalink: pretty
collections:
  capabilities:
    output: true
  domains:
    output: true
  resources:
    output: true
defaults:
  - scope:
      path: ""
      type: "capabilities"
    values:
      identifier: "framework"
"""

# A shortened copy of the real site's _templates/_capability.md: the front
# matter placeholders, the title heading and the italic guidance paragraphs.
CAPABILITY_TEMPLATE = """\
---
layout: capability
title: Capability Title Here
description: coming soon...
permalink: /framework/capabilities/
page-identifier:
framework-capability-title: Capability Title Here
framework-capability-desc: coming soon...
label:
order: 1
---

# Capability Name Heading Here

## Definition
_definition for this Capability.  the objective here is to capture the "What" (**not** the "How") for this Capability._

## Maturity Assessment
_description of the characteristics of each maturity level (crawl, walk, run) for this Capability in the context of the organization's FinOps practice._

## Functional Activity
_written for each persona responsible for the functional activity and processes encapsulated by his Capability.  each one should be associated generally to one of the FinOps Phases (Inform, Optimize, Operate). for example:_
>As a [FinOps Persona], I will [functional activity] so that [desired outcome] is achieved.

## Measure(s) of Success
_at least one measure of success; should be described in a context of cost; this could be an efficiency KPI or an agreed upon threshold or target._

## Inputs
_the information used that contributes to the measure(s) of success listed above; information here may include specific datasources, reports or any relevant input_
"""  # noqa: E501

CAPABILITY_FRONT_MATTER = """\
---
layout: capability
title: Forecasting | FinOps Framework Capability
description: Understand forecasting cloud costs.
permalink: /framework/capabilities/forecasting/
page-identifier: capability_forecasting
framework-capability-title: Forecasting
framework-capability-desc: Understand forecasting cloud costs.
label:
order: 5
search: true
search-keywords: budget forecast
---
"""  # 13 lines: the body starts at line 14

CAPABILITY_BODY = """\

# Forecasting

## Definition

Forecasting is how an organisation predicts future cloud spend.

## Maturity Assessment

#### Crawl

- Forecasts are made by hand once a year.

#### Walk

- Forecasts are made monthly from trailing usage.

#### Run

- Forecasts are driver-based and reviewed weekly.

## Functional Activity

As a FinOps practitioner, I will build a forecast so that budgets are met.

## Measure(s) of Success & KPI

- Forecast variance stays under 10%.

## Inputs

- Billing data and business plans.
"""

#: A complete, valid capability page that breaks no rule.
CAPABILITY_PAGE = CAPABILITY_FRONT_MATTER + CAPABILITY_BODY

DOMAIN_PAGE = """\
---
layout: wide
title: Quantify Business Value FinOps Domain
description: Forecast and budget.
permalink: /framework/domains/quantify-business-value/
page-identifier: domain_quantify-business-value
framework-domain-title: Quantify Business Value
framework-domain-desc: Forecast and budget.
framework-capabilities:
- capability_forecasting
image: /img/domain.png
order: 1
---

# Quantify Business Value

See [Forecasting](/framework/capabilities/forecasting/).
"""

#: The first line of a page body after a minimal front matter block (3 lines).
PLAIN_FM = "---\ntitle: A page\n---\n"


def page(body: str, front_matter: str = PLAIN_FM) -> str:
    """A generic page: a 3-line front matter block, so body line N is page line N + 3."""
    return front_matter + body


@dataclass
class Site:
    root: Path

    # ------------------------------------------------------------ building
    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return path

    def write_bytes(self, rel: str, data: bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def config(self, text: str) -> Path:
        """Write a .finops-lint.yaml at the site root."""
        return self.write(".finops-lint.yaml", text)

    # ------------------------------------------------------------ engine
    def run(
        self,
        *paths: str,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        config_path: Path | None = None,
    ) -> RunResult:
        return run(
            RunOptions(
                paths=[self.root / p for p in paths] or [self.root],
                select=list(select),
                ignore=list(ignore),
                config_path=config_path,
            )
        )

    def findings(self, *paths: str, **kwargs: Any) -> list[Finding]:
        return self.run(*paths, **kwargs).findings

    def codes(self, *paths: str, **kwargs: Any) -> list[tuple[str, int]]:
        """(code, line) pairs of every finding."""
        return [(f.code, f.line) for f in self.findings(*paths, **kwargs)]

    def positions(self, *paths: str, **kwargs: Any) -> list[tuple[str, int, int]]:
        """(code, line, column) triples of every finding."""
        return [(f.code, f.line, f.column) for f in self.findings(*paths, **kwargs)]

    def lint(self, rel: str, text: str, **kwargs: Any) -> list[tuple[str, int]]:
        """Write one page and return the (code, line) pairs for it."""
        self.write(rel, text)
        return self.codes(rel, **kwargs)

    def lint_pos(self, rel: str, text: str, **kwargs: Any) -> list[tuple[str, int, int]]:
        """Write one page and return the (code, line, column) triples for it."""
        self.write(rel, text)
        return self.positions(rel, **kwargs)

    def lint_full(self, rel: str, text: str, **kwargs: Any) -> list[Finding]:
        self.write(rel, text)
        return self.findings(rel, **kwargs)

    # ------------------------------------------------------------ CLI
    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run `finops-lint ARGS` in-process, from the site root."""
        runner = CliRunner()
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    def cli_json(self, *args: str) -> tuple[int, dict[str, Any]]:
        result = self.cli("check", "--format", "json", *args)
        return result.exit_code, json.loads(result.output)


def only(findings: Iterable[tuple[str, int]], code: str) -> list[tuple[str, int]]:
    """The (code, line) pairs of one code."""
    return [f for f in findings if f[0] == code]


def codes_of(findings: Iterable[Any]) -> set[str]:
    return {f[0] if isinstance(f, tuple) else f.code for f in findings}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A tiny Jekyll site; the current directory is its root while the test runs."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.chdir(root)
    for name in ("NO_COLOR", "FORCE_COLOR", "FINOPS_LINT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    s = Site(root)
    s.write("_config.yml", CONFIG_YML)
    s.write("_templates/_capability.md", CAPABILITY_TEMPLATE)
    s.write("index.md", "---\ntitle: Home\npermalink: /\n---\n\n# Home\n")
    assert os.path.samefile(Path.cwd(), root)
    yield s


@pytest.fixture
def framework_site(site: Site) -> Site:
    """The tiny site plus one valid capability and the domain that lists it."""
    site.write("_capabilities/forecasting.md", CAPABILITY_PAGE)
    site.write("_domains/quantify-business-value.md", DOMAIN_PAGE)
    site.write_bytes("img/domain.png", b"\x89PNG\r\n\x1a\n")
    return site
