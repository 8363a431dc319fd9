"""Find, load, validate and merge the config file and rule packs.

A config is a YAML mapping (`.finops-lint.yaml`, or `[tool.finops-lint]` in
`pyproject.toml`) that may `extends:` a built-in profile or another pack. The
merged result is validated against `schemas/config.schema.json`; every problem
is a `ConfigError` naming the file and line, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops_lint import regex
from finops_lint.discover import glob_match
from finops_lint.findings import Severity
from finops_lint.parsing.anchors import IdOptions
from finops_lint.parsing.frontmatter import KeyPath, Position, load_yaml_with_positions
from finops_lint.resources import data_dir, profile_names, profile_path, schema_path
from finops_lint.safe_io import MAX_CONFIG_BYTES, describe, is_regular_file, read_text

if TYPE_CHECKING:
    from finops_lint.parsing.tables import Table

CONFIG_FILENAMES = (".finops-lint.yaml", ".finops-lint.yml")
#: The profile for the FinOps framework site, and the generic one for any Jekyll site.
FINOPS_PROFILE = "finops-framework"
GENERIC_PROFILE = "jekyll"
DEFAULT_PROFILE = FINOPS_PROFILE  # the name a config without `name:` reports
FINOPS_HOSTS = frozenset({"finops.org", "www.finops.org"})


class ConfigError(Exception):
    """A config problem, with where it is."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


@dataclass
class ColumnSpec:
    name: str
    pattern: regex.Pattern


@dataclass
class TableSpec:
    name: str
    header: regex.Pattern | None  # recognises the table by any header cell
    heading: regex.Pattern | None  # or by the heading before it
    columns: list[ColumnSpec]
    row_column: str | None
    row_keys: list[str]
    ordered: bool
    required_cells: list[str]
    description: str = ""

    def recognises(self, table: Table) -> bool:
        """By any header cell matching `match.header`, or the heading before the table."""
        if self.header is not None and any(self.header.search(_cell(c)) for c in table.columns):
            return True
        return bool(
            self.heading is not None and table.heading and self.heading.search(_cell(table.heading))
        )

    def column_index(self, table: Table, name: str | None) -> int | None:
        """The table column that matches the spec column called name."""
        for col in self.columns:
            if col.name == name:
                for i, header in enumerate(table.columns):
                    if col.pattern.search(_cell(header)):
                        return i
                return None
        return None

    def records(self, table: Table) -> list[dict[str, str]]:
        """Rows as {spec column name: cell text}, e.g. the maturity guidelines by level."""
        index = {c.name: self.column_index(table, c.name) for c in self.columns}
        return [
            {
                name: (row.cells[i].text if i < len(row.cells) else "")
                for name, i in index.items()
                if i is not None
            }
            for row in table.rows
        ]


def _cell(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class SectionSpec:
    name: str
    patterns: list[regex.Pattern]
    parts: list[str] = field(default_factory=list)
    allow_empty: bool = False

    def matches(self, text: str) -> bool:
        norm = normalize_heading(text)
        return any(p.search(norm) for p in self.patterns)


@dataclass
class PageType:
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
        if not any(glob_match(rel_path, g) for g in self.match):
            return False
        return all(data.get(key) in allowed for key, allowed in self.when.items())


@dataclass
class ReferenceSpec:
    name: str
    source: list[str]  # page type names
    key: str
    target: str  # page type name
    by: list[str]  # target front matter keys whose values may be named
    severity: Severity | None = None


@dataclass
class Config:
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
    raw: dict[str, Any]
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
        """A page type's schema: a path inside the site, else a built-in schema."""
        return _schema_candidate(self.root, name)

    def schema_document(self, name: str) -> Any:
        """The schema as JSON data (cheap: no jsonschema import)."""
        return _schema_json(str(self.schema_file(name)))

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
        return any(glob_match(rel_path, g) for g in self.exclude)

    def is_included(self, rel_path: str) -> bool:
        return any(glob_match(rel_path, g) for g in self.include)

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
def _schema_json(path: str) -> Any:
    from finops_lint.schema_refs import load_schema_file

    document = load_schema_file(path)
    if Path(path).resolve().parent == data_dir("schemas").resolve():
        regex.trust_strings(document)  # a shipped schema: its patterns run on `re`
    return document


def _schema_candidate(root: Path, name: str) -> Path | None:
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
    return " ".join(text.replace("\u2019", "'").split()).casefold()


# ---------------------------------------------------------------- loading


def find_config(start: Path) -> Path | None:
    """Walk up from start to the filesystem root looking for a config file."""
    current = start if start.is_dir() else start.parent
    for folder in (current, *current.parents):
        for name in CONFIG_FILENAMES:
            candidate = folder / name
            if os.path.lexists(candidate):
                return candidate  # read (or refused, if not a regular file) by the caller
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return pyproject
    return None


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    try:
        text = read_text(path, MAX_CONFIG_BYTES)
    except (OSError, UnicodeDecodeError):
        return None
    if "tool.finops-lint" not in text and '"finops-lint"' not in text:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise ConfigError(
                "reading [tool.finops-lint] from pyproject.toml needs Python 3.11 or the "
                "'tomli' package",
                str(path),
            ) from None
    try:
        data = tomllib.loads(text)
    except Exception as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(f"invalid TOML: {exc}", str(path)) from None
    section = data.get("tool", {}).get("finops-lint")
    return section if isinstance(section, dict) else None


@dataclass
class _Layer:
    data: dict[str, Any]
    source: str
    positions: dict[KeyPath, Position]


def _read_yaml_layer(path: Path) -> _Layer:
    try:
        text = read_text(path, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise ConfigError(f"cannot read config: {describe(exc)}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read config: not UTF-8 ({exc.reason})", str(path)) from None
    data, positions, problem = load_yaml_with_positions(text, 1)
    if problem is not None:
        raise ConfigError(problem.message, str(path), problem.line)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("config must be a mapping of settings", str(path), 1)
    return _Layer(data, str(path), positions)


def _layer_for(path: Path) -> _Layer:
    if path.name == "pyproject.toml":
        section = _pyproject_section(path)
        return _Layer(section or {}, f"{path} [tool.finops-lint]", {})
    return _read_yaml_layer(path)


def _resolve_extends(name: str, base_dir: Path | None, source: str) -> Path:
    builtin = profile_path(name)
    if builtin is not None:
        return builtin
    if base_dir is not None:
        candidate = (base_dir / name).resolve()
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"extends: unknown profile or file '{name}' "
        f"(built-in profiles: {', '.join(profile_names())})",
        source,
    )


def _load_chain(path: Path, seen: set[Path]) -> list[_Layer]:
    """The layers from the base profile up to this file."""
    real = path.resolve()
    if real in seen:
        raise ConfigError("extends: loops back to itself", str(path))
    seen.add(real)
    layer = _layer_for(path)
    if real.parent == data_dir("rules").resolve():
        regex.trust_strings(layer.data)  # a shipped profile: its patterns run on `re`
    extends = layer.data.get("extends")
    chain: list[_Layer] = []
    if extends is not None:
        if not isinstance(extends, str):
            line = layer.positions.get(("extends",))
            raise ConfigError(
                "extends: must be a profile name or a path",
                layer.source,
                line.line if line else None,
            )
        base = _resolve_extends(extends, path.parent, layer.source)
        chain = _load_chain(base, seen)
    chain.append(layer)
    return chain


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; lists and values replace, except the lists
    under `placeholders`, `exclude` and `site.hosts`, which extend."""
    out = dict(base)
    for key, value in over.items():
        if key == "extends":
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            if key == "placeholders":
                merged = dict(out[key])
                for k, v in value.items():
                    if isinstance(v, list) and isinstance(merged.get(k), list):
                        merged[k] = list(merged[k]) + [x for x in v if x not in merged[k]]
                    else:
                        merged[k] = v
                out[key] = merged
            else:
                out[key] = _merge(out[key], value)
        elif key == "exclude" and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = list(out[key]) + [x for x in value if x not in out[key]]
        else:
            out[key] = value
    return out


@lru_cache(maxsize=1)
def _config_validator() -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry

    schema = json.loads(schema_path("config.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(
        schema,
        format_checker=regex_format_checker(),
        registry=Registry(),  # retrieves nothing
    )


def regex_format_checker() -> Any:
    """jsonschema's format checker, with `regex` meaning "usable by finops-lint":
    valid Python syntax and, unless shipped with finops-lint, runnable on RE2."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker()
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)

    @checker.checks("regex", raises=re.error)
    def _regex(instance: object) -> bool:
        if isinstance(instance, str):
            problem = regex.check(instance)
            if problem is not None:
                raise re.error(problem)
        return True

    return checker


#: Settings only the command line may give: a file in the repository under review
#: must not be able to turn them on (it could aim the link checker at internal hosts).
COMMAND_LINE_ONLY = {
    ("external", "allow-private"): "--allow-host HOST",
    ("external", "allow-hosts"): "--allow-host HOST",
}


def _refuse_command_line_only(layer: _Layer) -> None:
    for (section, key), option in COMMAND_LINE_ONLY.items():
        block = layer.data.get(section)
        if isinstance(block, dict) and key in block:
            pos = layer.positions.get((section, key))
            raise ConfigError(
                f"{section}/{key}: private, loopback and link-local addresses can be allowed "
                f"only on the command line ({option}), never from a file in the repository; "
                "remove this setting",
                layer.source,
                pos.line if pos else None,
            )


def _layer_error(layer: _Layer, path: tuple[Any, ...], message: str) -> ConfigError:
    """A ConfigError at the line of path (or its nearest parent) in this layer."""
    pos = None
    probe: tuple[Any, ...] = path
    while probe and pos is None:
        pos = layer.positions.get(probe)
        probe = probe[:-1]
    where = "/".join(str(p) for p in path) or "(top level)"
    return ConfigError(f"{where}: {message}", layer.source, pos.line if pos else None)


def _validate_layer(layer: _Layer) -> None:
    _refuse_command_line_only(layer)
    _check_codes(layer)
    errors = sorted(_config_validator().iter_errors(layer.data), key=lambda e: list(e.path))
    if not errors:
        return
    from jsonschema.exceptions import best_match

    # Into anyOf: the branch that explains the problem (a bad regex in an object,
    # not "is not a boolean").
    err = best_match([errors[0]]) or errors[0]
    path = tuple(err.absolute_path)
    message = err.message
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        unknown = [k for k in err.instance if k not in allowed]
        if unknown:
            path = (*path, unknown[0])
            known = ", ".join(sorted(allowed))
            message = f"unknown setting '{unknown[0]}' (known here: {known})"
    elif err.validator == "format" and err.validator_value == "regex":
        problem = regex.check(str(err.instance))
        if problem is not None:
            message = f"invalid regular expression {err.instance!r}: {problem}"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    raise _layer_error(layer, path, message + more)


# ---------------------------------------------------------------- codes


def known_codes() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Every rule by code, and every family with its codes."""
    from finops_lint.rules.base import all_rules

    by_code = {r.code: r for r in all_rules()}
    families: dict[str, list[str]] = {}
    for code in by_code:
        families.setdefault(code[:2], []).append(code)
    return by_code, families


def code_problem(value: str, *, family_ok: bool = True) -> str | None:
    """Why value is not a rule code or family finops-lint knows (with a did-you-mean),
    or None when it is one."""
    import difflib

    by_code, families = known_codes()
    upper = value.strip().upper()
    if upper in by_code or upper == "ALL" or (family_ok and upper in families):
        return None
    named = next((r for r in by_code.values() if r.name == value.strip().lower()), None)
    if named is not None:
        hint = f"; did you mean {named.code} (the code of {named.name})?"
    else:
        # A typo in the digits: look in the same family first.
        candidates = families.get(upper[:2]) if len(upper) > 2 else None
        close = difflib.get_close_matches(upper, candidates or [], n=2, cutoff=0.6)
        padded = upper[:2] + upper[2:].zfill(3)  # PH01 -> PH001
        if upper[2:].isdigit() and len(upper) < 5 and padded in by_code:
            close = [padded, *(c for c in close if c != padded)][:2]
        if not close:
            candidates = list(by_code) + (list(families) if family_ok else [])
            close = difflib.get_close_matches(upper, candidates, n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
    if upper[:2] in families and len(upper) == 5 and not hint:
        hint = f" (the {upper[:2]} family has {', '.join(families[upper[:2]])})"
    what = "rule code or family" if family_ok else "rule code"
    return f"unknown {what} '{value}'{hint} (`finops-lint rules` lists them)"


def _check_codes(layer: _Layer) -> None:
    """Unknown codes in select/ignore/severity/rules, and rule options the rule does not
    declare or values that break an option's schema: errors with file and line."""
    data = layer.data
    for key in ("select", "ignore"):
        values = data.get(key)
        if isinstance(values, list):
            for i, value in enumerate(values):
                problem = code_problem(str(value))
                if problem:
                    raise _layer_error(layer, (key, i), problem)
    severity = data.get("severity")
    if isinstance(severity, dict):
        for code in severity:
            problem = code_problem(str(code))
            if problem:
                raise _layer_error(layer, ("severity", code), problem)
    rules = data.get("rules")
    if not isinstance(rules, dict):
        return
    by_code, _families = known_codes()
    for code, setting in rules.items():
        problem = code_problem(str(code))
        if problem:
            raise _layer_error(layer, ("rules", code), problem)
        if not isinstance(setting, dict):
            continue
        extra = [k for k in setting if k not in ("enabled", "severity")]
        if not extra:
            continue
        rule = by_code.get(str(code).upper())
        if rule is None:
            raise _layer_error(
                layer,
                ("rules", code, extra[0]),
                f"'{extra[0]}': options belong to one rule, not a family; "
                f"give a full code such as {_families.get(str(code).upper(), ['XX001'])[0]}",
            )
        for name in extra:
            option = rule.options.get(name)
            if option is None:
                has = (
                    f"has no option '{name}' (its options: {', '.join(rule.options)})"
                    if rule.options
                    else f"takes no options, only enabled and severity ('{name}' is none)"
                )
                raise _layer_error(
                    layer,
                    ("rules", code, name),
                    f"{rule.code} ({rule.name}) {has}; `finops-lint explain {rule.code}` "
                    "says what configures it",
                )
            from jsonschema import Draft202012Validator

            checker = Draft202012Validator(
                option.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            bad = next(iter(checker.iter_errors(setting[name])), None)
            if bad is not None:
                raise _layer_error(
                    layer,
                    ("rules", code, name, *bad.absolute_path),
                    f"{rule.code} option '{name}': {bad.message}",
                )


def load_config(
    root: Path, config_path: Path | None = None, search_from: Path | None = None
) -> Config:
    """Load the config for a site: an explicit file, one found by walking up, or the
    built-in profile."""
    if config_path is None:
        config_path = find_config(search_from or root)
    notice = None
    if config_path is None:
        name, why = default_profile(root)
        base = profile_path(name)
        assert base is not None
        layers = _load_chain(base, set())
        notice = (
            f"no .finops-lint.yaml: using the built-in '{name}' profile ({why}); "
            "`finops-lint init` writes a config for this site"
        )
    else:
        if not os.path.lexists(config_path):
            raise ConfigError("config file not found", str(config_path))
        layers = _load_chain(config_path, set())
        if layers[0].data.get("extends") is None and layers[0].source == str(config_path):
            # A config without `extends` starts from the built-in profile for the site.
            base = profile_path(default_profile(root)[0])
            assert base is not None
            layers = _load_chain(base, set()) + layers
    merged: dict[str, Any] = {}
    builtins = {str(profile_path(n)) for n in profile_names()}
    for layer in layers:
        if layer.source not in builtins:  # the built-in profiles are validated by the tests
            _validate_layer(layer)
        merged = _merge(merged, layer.data)
    rank: dict[str, int] = {}
    for depth, layer in enumerate(reversed(layers)):
        types = layer.data.get("page-types")
        if isinstance(types, dict):
            for name in types:
                rank.setdefault(str(name), depth)
    config = build_config(merged, root, [layer.source for layer in layers], rank)
    config.profile_notice = notice
    return config


def default_profile(root: Path) -> tuple[str, str]:
    """The built-in profile for the site at root, and why: `finops-framework` for the
    FinOps framework site (its _config.yml declares a `capabilities` collection and a
    domains one, as the framework and its forks do, or its url is on finops.org),
    `jekyll` for any other Jekyll site."""
    import yaml

    data: Any = None
    for name in ("_config.yml", "_config.yaml"):
        path = root / name
        if path.is_file():
            try:
                data = yaml.safe_load(read_text(path, MAX_CONFIG_BYTES))
            except Exception:  # unreadable, not YAML, a date PyYAML refuses (2024-13-45)
                data = None
            break
    else:
        # Not a Jekyll site (a lone page, a folder of pages): nothing says which site
        # it is; the FinOps profile, as before, with site-wide checks off.
        return FINOPS_PROFILE, f"no _config.yml at or above {root}"
    if not isinstance(data, dict):
        return GENERIC_PROFILE, "_config.yml is not a mapping"
    collections = data.get("collections")
    names = {str(c) for c in collections} if isinstance(collections, (dict, list)) else set()
    if "capabilities" in names and any("domain" in n for n in names):
        return FINOPS_PROFILE, "_config.yml declares the FinOps framework's collections"
    url = data.get("url")
    if isinstance(url, str):
        from urllib.parse import urlsplit

        if (urlsplit(url.strip()).hostname or "").lower() in FINOPS_HOSTS:
            return FINOPS_PROFILE, f"_config.yml url is {url.strip()}"
    return GENERIC_PROFILE, "not the FinOps framework site"


def _compile(pattern: str, source: str, what: str) -> regex.Pattern:
    try:
        return regex.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(
            f"{what}: invalid regular expression {pattern!r}: {exc}", source
        ) from None


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
        tables[name] = _table_spec(name, spec, source)

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
                pats.append(_compile(sec["pattern"], source, f"page-types/{name}/sections"))
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
        raw=data,
        enabled_by_config=enabled,
    )


def _check_schema(pt: PageType, root: Path, source: str) -> None:
    """The page type's schema exists, is a JSON Schema, and every `$ref` in it (and in
    the local schemas those reach) resolves without the network or files outside."""
    assert pt.schema is not None
    candidate = _schema_candidate(root, pt.schema)
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
        document = _schema_json(str(candidate))
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


def _table_spec(name: str, spec: dict[str, Any], source: str) -> TableSpec:
    columns = []
    for col in spec.get("columns") or []:
        if isinstance(col, str):
            col = {"name": col}
        columns.append(
            ColumnSpec(
                col["name"],
                _compile(
                    col.get("match", re.escape(col["name"])), source, f"tables/{name}/columns"
                ),
            )
        )
    rows = spec.get("rows") or {}
    match = spec.get("match") or {}
    return TableSpec(
        name=name,
        header=_compile(match["header"], source, f"tables/{name}/match")
        if match.get("header")
        else None,
        heading=_compile(match["heading"], source, f"tables/{name}/match")
        if match.get("heading")
        else None,
        columns=columns,
        row_column=rows.get("column"),
        row_keys=[str(k) for k in rows.get("keys") or []],
        ordered=bool(rows.get("ordered", True)),
        required_cells=list(spec.get("required-cells") or []),
        description=spec.get("description", ""),
    )
