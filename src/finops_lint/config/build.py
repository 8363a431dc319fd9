"""Building the :class:`~finops_lint.config.model.Config` from merged settings:
rule severities and options by code, page types with their sections and
schemas (checked: local, no network), references, tables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from finops_lint import regex
from finops_lint.config.errors import ConfigError, compile_pattern
from finops_lint.config.model import (
    DEFAULT_PROFILE,
    Config,
    PageType,
    ReferenceSpec,
    SectionSpec,
    normalize_heading,
    schema_candidate,
    schema_json,
)
from finops_lint.config.tables import TableSpec, table_spec
from finops_lint.config.validate import known_codes
from finops_lint.findings import Severity
from finops_lint.resources import schema_path


def _by_code(settings: dict[str, Any]) -> list[tuple[str, Any]]:
    """(code, setting) with family keys (PH) expanded to their codes; a full code's
    own setting comes after its family's, so it wins."""
    _rules, families = known_codes()
    families_first = sorted(settings.items(), key=lambda kv: len(str(kv[0])) > 2)
    out: list[tuple[str, Any]] = []
    for key, setting in families_first:
        upper = str(key).upper()
        out.extend((c, setting) for c in families.get(upper, [upper]) if len(upper) == 2)
        if len(upper) != 2:
            out.append((upper, setting))
    return out


def build_config(
    data: dict[str, Any],
    root: Path,
    sources: list[str],
    page_type_rank: dict[str, int] | None = None,
) -> Config:
    """The Config of merged settings. page_type_rank: 0 for page types the last
    config defines, 1 for the one it extends... (a user's own types are tried before
    the profile's catch-alls)."""
    source = sources[-1] if sources else "<config>"
    rules = data.get("rules") or {}
    severities: dict[str, Severity] = {}
    options: dict[str, dict[str, Any]] = {}
    disabled: set[str] = set()
    enabled: set[str] = set()
    for code, setting in _by_code(rules):
        if isinstance(setting, bool):  # YAML reads an unquoted `off` as false
            setting = "off" if setting is False else {"enabled": True}
        if isinstance(setting, str):
            if setting == "off":
                disabled.add(code)
            else:
                disabled.discard(code)
                severities[code] = Severity(setting)
            continue
        if not isinstance(setting, dict):
            continue
        if setting.get("enabled") is False:
            disabled.add(code)
        elif setting.get("enabled") is True:
            disabled.discard(code)
            enabled.add(code)
        if "severity" in setting:
            severities[code] = Severity(setting["severity"])
        opts = {k: v for k, v in setting.items() if k not in ("enabled", "severity")}
        if opts:
            options[code] = opts
    for code, sev in _by_code(data.get("severity") or {}):
        severities[code] = Severity(sev)

    tables: dict[str, TableSpec] = {}
    for name, spec in (data.get("tables") or {}).items():
        tables[name] = table_spec(name, spec, source)

    page_types = []
    for name, spec in (data.get("page-types") or {}).items():
        if spec is None:
            continue
        sections = []
        for sec in spec.get("sections") or []:
            if isinstance(sec, str):
                sec = {"name": sec}
            pats: list[regex.Pattern] = [
                re.compile("^" + re.escape(normalize_heading(sec["name"])) + r"\b")
            ]
            pats += [
                re.compile("^" + re.escape(normalize_heading(a)) + r"\b")
                for a in sec.get("aliases") or []
            ]
            if sec.get("pattern"):
                pats.append(compile_pattern(sec["pattern"], source, f"page-types/{name}/sections"))
            sections.append(
                SectionSpec(
                    name=sec["name"],
                    patterns=pats,
                    parts=list(sec.get("parts") or []),
                    allow_empty=bool(sec.get("allow-empty", False)),
                )
            )
        when = {k: (v if isinstance(v, list) else [v]) for k, v in (spec.get("when") or {}).items()}
        page_types.append(
            PageType(
                name=name,
                match=list(spec.get("match") or []),
                when=when,
                schema=spec.get("schema"),
                template=spec.get("template"),
                h1=spec.get("h1", "optional"),
                sections=sections,
                tables=list(spec.get("tables") or []),
                description=spec.get("description", ""),
            )
        )
    # A later config's own types first (a user's type beats the profile's catch-all
    # `**/*.md`); within one config, conditional types are more specific.
    rank = page_type_rank or {}
    page_types.sort(key=lambda p: (rank.get(p.name, 0), -int(bool(p.when))))
    for pt in page_types:
        if pt.schema:
            _check_schema(pt, root, source)

    references = []
    for name, spec in (data.get("references") or {}).items():
        src = spec["from"]
        references.append(
            ReferenceSpec(
                name=name,
                source=src if isinstance(src, list) else [src],
                key=spec["key"],
                target=spec["to"],
                by=list(spec.get("by") or ["page-identifier"]),
                severity=Severity(spec["severity"]) if spec.get("severity") else None,
            )
        )
    site = data.get("site") or {}
    files = data.get("files") or {}
    placeholders = {
        k: [str(x) for x in v]
        for k, v in (data.get("placeholders") or {}).items()
        if isinstance(v, list)
    }
    return Config(
        profile=str(data.get("name", DEFAULT_PROFILE)),
        sources=sources,
        root=root,
        hosts=list(site.get("hosts") or []),
        id_style=site.get("id-style"),
        site_host=site.get("host"),
        site_baseurl=site.get("baseurl"),
        include=list(files.get("include") or ["**/*.md", "**/*.markdown", "**/*.html"]),
        exclude=list(files.get("exclude") or []) + list(data.get("exclude") or []),
        select=[str(s).upper() for s in data.get("select") or []],
        ignore=[str(s).upper() for s in data.get("ignore") or []],
        severities=severities,
        rule_options=options,
        disabled_by_profile=disabled,
        placeholders=placeholders,
        tables=tables,
        page_types=page_types,
        references=references,
        orphans=list(data.get("orphans") or []),
        front_matter_links=[str(k) for k in data.get("front-matter-links") or []],
        external=dict(data.get("external") or {})
        if isinstance(data.get("external"), dict)
        else {"enabled": bool(data.get("external"))},
        enabled_by_config=enabled,
    )


def _check_schema(pt: PageType, root: Path, source: str) -> None:
    """The page type's schema exists, is a JSON Schema, and every `$ref` in it (and in
    the local schemas those reach) resolves without the network or files outside."""
    assert pt.schema is not None
    candidate = schema_candidate(root, pt.schema)
    if candidate is None:
        raise ConfigError(
            f"page-types/{pt.name}/schema: no schema file '{pt.schema}' (neither a regular "
            "file inside the site nor built in)",
            source,
        )
    if candidate.parent == schema_path(pt.schema).parent:
        return  # a built-in schema: checked by the tests
    from finops_lint.schema_refs import SchemaRefError, check_refs

    try:
        document = schema_json(str(candidate))
        from jsonschema import Draft202012Validator

        Draft202012Validator.check_schema(document)
        check_refs(document, candidate, root)
        for pattern in schema_patterns(document):
            problem = regex.check(pattern)
            if problem is not None:
                raise SchemaRefError(f"pattern {pattern!r} in {candidate}: {problem}")
    except SchemaRefError as exc:
        raise ConfigError(f"page-types/{pt.name}/schema: {exc}", source) from None
    except Exception as exc:  # jsonschema.SchemaError
        raise ConfigError(
            f"page-types/{pt.name}/schema: {candidate} is not a JSON Schema: "
            f"{str(exc).splitlines()[0]}",
            source,
        ) from None


def schema_patterns(schema: Any) -> list[str]:
    """Every regular expression of a JSON Schema (`pattern`, `patternProperties`)."""
    found: list[str] = []
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    found.append(value)
                elif key == "patternProperties" and isinstance(value, dict):
                    found.extend(k for k in value if isinstance(k, str))
                if key not in ("enum", "const", "examples", "default"):
                    todo.append(value)
    return found
