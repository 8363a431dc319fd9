"""The config as the rules see it: :class:`Config` and the specs it holds (page
types, sections, references; tables are in :mod:`finops_lint.config.tables`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops_lint import regex
from finops_lint.config.tables import TableSpec
from finops_lint.discover import glob_any
from finops_lint.findings import Severity
from finops_lint.parsing.anchors import IdOptions
from finops_lint.resources import data_dir, schema_path
from finops_lint.safe_io import is_regular_file

if TYPE_CHECKING:
    from finops_lint.parsing.tables import Table

#: The profile for the FinOps framework site, and the generic one for any Jekyll site.
FINOPS_PROFILE = "finops-framework"
GENERIC_PROFILE = "jekyll"
DEFAULT_PROFILE = FINOPS_PROFILE  # the name a config without `name:` reports
FINOPS_HOSTS = frozenset({"finops.org", "www.finops.org"})


@dataclass
class SectionSpec:
    """A section a page type must have: the heading patterns that name it."""

    name: str
    patterns: list[regex.Pattern]
    parts: list[str] = field(default_factory=list)
    allow_empty: bool = False

    def matches(self, text: str) -> bool:
        norm = normalize_heading(text)
        return any(p.search(norm) for p in self.patterns)


@dataclass
class PageType:
    """A kind of page (a capability, a domain): which files it matches, what it must hold."""

    name: str
    match: list[str]
    when: dict[str, list[Any]]
    schema: str | None
    template: str | None
    h1: str  # "required" | "optional"
    sections: list[SectionSpec]
    tables: list[str]
    description: str = ""

    def applies_to(self, rel_path: str, data: dict[str, Any]) -> bool:
        if not glob_any(rel_path, self.match):
            return False
        return all(data.get(key) in allowed for key, allowed in self.when.items())


@dataclass
class ReferenceSpec:
    """A front matter key whose values must name pages of another page type."""

    name: str
    source: list[str]  # page type names
    key: str
    target: str  # page type name
    by: list[str]  # target front matter keys whose values may be named
    severity: Severity | None = None


@dataclass
class Config:
    """The run's configuration: the profile's settings with the site's own on top."""

    profile: str
    sources: list[str]
    root: Path
    hosts: list[str]
    #: "gfm" or "kramdown" when the config forces the parser; None: the site's own
    id_style: str | None
    include: list[str]
    exclude: list[str]
    select: list[str]
    ignore: list[str]
    severities: dict[str, Severity]
    rule_options: dict[str, dict[str, Any]]
    disabled_by_profile: set[str]
    placeholders: dict[str, list[str]]
    tables: dict[str, TableSpec]
    page_types: list[PageType]
    references: list[ReferenceSpec]
    orphans: list[dict[str, Any]]
    front_matter_links: list[str]
    external: dict[str, Any]
    #: the host serving the site ("github-pages" | "netlify"), None to detect it
    site_host: str | None = None
    #: the site's baseurl when the host injects it; None: _config.yml's
    site_baseurl: str | None = None
    #: rules a config turns on with `{enabled: true}` (rules off by default need it)
    enabled_by_config: set[str] = field(default_factory=set)
    #: set when no config file chose the profile: which built-in one and why
    profile_notice: str | None = None

    def page_type_for(self, rel_path: str, data: dict[str, Any]) -> PageType | None:
        for pt in self.page_types:
            if pt.applies_to(rel_path, data):
                return pt
        return None

    def table_spec_for(self, table: Table) -> TableSpec | None:
        return next((spec for spec in self.tables.values() if spec.recognises(table)), None)

    def schema_file(self, name: str) -> Path | None:
        """A page type's schema: a path inside the site, else a built-in schema (looked up
        once per run: every page of the type asks)."""
        found: dict[str, Path | None] = self.__dict__.setdefault("_schema_files", {})
        if name not in found:
            found[name] = schema_candidate(self.root, name)
        return found[name]

    def schema_document(self, name: str) -> Any:
        """The schema as JSON data (cheap: no jsonschema import)."""
        return schema_json(str(self.schema_file(name)))

    def schema_validator(self, name: str) -> Any:
        """The jsonschema validator for a schema file (imports jsonschema on first use).

        Its `$ref`s resolve to local schemas only (see schema_refs): nothing is fetched.
        """
        from finops_lint.schema_refs import validator

        return validator(str(self.schema_file(name)), str(self.root))

    def page_type(self, name: str) -> PageType | None:
        return next((p for p in self.page_types if p.name == name), None)

    @cached_property
    def id_options(self) -> IdOptions:
        """How the site's kramdown makes heading ids: its _config.yml ``kramdown:``
        settings (Jekyll's defaults: the GFM parser), the parser forced by
        ``site: id-style`` when set."""
        from finops_lint.site.jekyll import load_config as load_jekyll_config

        name = "_config.yml"
        if not (self.root / name).is_file() and (self.root / "_config.yaml").is_file():
            name = "_config.yaml"
        options = IdOptions.from_jekyll(load_jekyll_config(self.root, name).raw)
        if self.id_style:
            options = replace(options, parser=IdOptions.from_style(self.id_style).parser)
        return options

    def is_excluded(self, rel_path: str) -> bool:
        return glob_any(rel_path, self.exclude)

    def is_included(self, rel_path: str) -> bool:
        return glob_any(rel_path, self.include)

    def rule_enabled(self, code: str, default_enabled: bool) -> bool:
        family = code[:2]
        if self.select:
            chosen = code in self.select or family in self.select or "ALL" in self.select
            if not chosen:
                return False
            explicit = code in self.select
        else:
            explicit = False
        if code in self.ignore or family in self.ignore:
            return False
        if code in self.disabled_by_profile and not explicit:
            return False
        return (
            default_enabled or explicit or code in self.severities or code in self.enabled_by_config
        )


@lru_cache(maxsize=64)
def schema_json(path: str) -> Any:
    from finops_lint.schema_refs import load_schema_file

    document = load_schema_file(path)
    if Path(path).resolve().parent == data_dir("schemas").resolve():
        regex.trust_strings(document)  # a shipped schema: its patterns run on `re`
    return document


def schema_candidate(root: Path, name: str) -> Path | None:
    """The schema file a page type names: inside the site, else built in."""
    local = root / name
    real = os.path.realpath(local)
    root_real = os.path.realpath(root)
    if real.startswith(root_real.rstrip(os.sep) + os.sep) and is_regular_file(local):
        return local
    if "/" not in name and "\\" not in name and not name.startswith("."):
        builtin = schema_path(name)
        if is_regular_file(builtin):
            return builtin
    return None


def normalize_heading(text: str) -> str:
    """A heading's text as section names are compared with it: curly apostrophes
    straight, whitespace collapsed, case-folded. Headings repeat from page to page
    (every capability has "Definition"): a short one is normalized once a process."""
    if len(text) <= _REMEMBERED_HEADING:
        return _remembered(text)
    return _normalize(text)


def _normalize(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split()).casefold()


#: Headings up to this long are remembered (`normalize_heading`).
_REMEMBERED_HEADING = 200
_remembered = lru_cache(maxsize=4096)(_normalize)
