"""``finops-lint init``: write a starting ``.finops-lint.yaml`` for a Jekyll site.

It reads the site's ``_config.yml`` (a missing or broken file is fine), lists
the collections it declares, and maps them to the built-in page types of the
``finops-framework`` profile where they match. A collection that matches a
built-in type but lives in another folder gets a ``page-types`` entry that
points the type at that folder; one that matches none gets a commented
example page type to fill in. Refusing to overwrite an existing config is
the CLI's job; this module only returns the text.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from finops_lint.resources import schema_path
from finops_lint.safe_io import MAX_CONFIG_BYTES, describe, read_text

#: The config schema installed with finops-lint, as a file URI editors can read.
SCHEMA_URL = schema_path("config.schema.json").resolve().as_uri()
CONFIG_NAME = ".finops-lint.yaml"
PROFILE = "finops-framework"

#: The built-in profile's page types: name -> the folder its pages live in.
BUILTIN_PAGE_TYPES: dict[str, str] = {
    "capability": "_capabilities",
    "domain": "_domains",
    "resource": "_resources",
    "story": "_resources",
    "tool-service": "_tools-services",
    "framework-page": "_pages/framework",
}

#: Collection-name fragments (after ``_`` -> ``-``) and the page types they map to.
_COLLECTION_MATCHES: list[tuple[str, tuple[str, ...]]] = [
    ("capabilit", ("capability",)),
    ("domain", ("domain",)),
    ("resource", ("resource", "story")),
    ("tools-service", ("tool-service",)),
    ("tool-service", ("tool-service",)),
]


@dataclass(frozen=True)
class Collection:
    name: str
    folder: str  # relative to the site root, POSIX
    page_types: tuple[str, ...]  # built-in page types it maps to; empty when none


def read_site_config(site_root: Path) -> tuple[dict[str, Any], str | None]:
    """The parsed ``_config.yml`` (empty when absent or unusable) and a note on why."""
    for name in ("_config.yml", "_config.yaml"):
        path = site_root / name
        if not os.path.lexists(path):
            continue
        try:
            data = yaml.safe_load(read_text(path, MAX_CONFIG_BYTES))
        except OSError as exc:
            return {}, f"{name} could not be read ({describe(exc)})"
        except UnicodeDecodeError as exc:
            return {}, f"{name} could not be read ({exc.__class__.__name__})"
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            return {}, f"{name} is not valid YAML{where}"
        if data is None:
            return {}, None
        if not isinstance(data, dict):
            return {}, f"{name} is not a mapping"
        return data, None
    return {}, "no _config.yml found"


def find_collections(site_root: Path, config: dict[str, Any]) -> list[Collection]:
    """The collections ``_config.yml`` declares, in its order, with their page types."""
    declared = config.get("collections")
    names: list[str] = []
    if isinstance(declared, dict):
        names = [str(k) for k in declared]
    elif isinstance(declared, list):
        names = [str(k) for k in declared if isinstance(k, (str, int))]
    base = config.get("collections_dir")
    prefix = str(base).strip("/") + "/" if isinstance(base, str) and base.strip("/") else ""
    collections = []
    for name in names:
        if name == "posts" and not (site_root / f"{prefix}_posts").exists():
            continue
        collections.append(Collection(name, f"{prefix}_{name}", map_collection(name)))
    return collections


def map_collection(name: str) -> tuple[str, ...]:
    """The built-in page types a collection of this name holds (empty when none)."""
    key = name.lower().replace("_", "-")
    for fragment, types in _COLLECTION_MATCHES:
        if fragment in key:
            return types
    return ()


def generate_config(site_root: Path) -> str:
    """The text of a commented ``.finops-lint.yaml`` for the site at ``site_root``."""
    config, problem = read_site_config(site_root)
    collections = find_collections(site_root, config)
    framework_pages = (site_root / BUILTIN_PAGE_TYPES["framework-page"]).is_dir()

    out: list[str] = [
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "#",
        "# finops-lint configuration, written by `finops-lint init`.",
        "# The schema line points at the schema installed with finops-lint; to share it in",
        "# the repository: `finops-lint schema > .finops-lint.schema.json` and",
        "# `$schema=.finops-lint.schema.json`.",
        "# `finops-lint rules` lists every rule; `finops-lint explain CODE` describes one.",
        "",
        f"extends: {PROFILE}",
        "",
    ]

    url = config.get("url")
    baseurl = config.get("baseurl")
    if isinstance(url, str) and url.strip():
        site_url = url.strip().rstrip("/")
        if isinstance(baseurl, str) and baseurl.strip("/"):
            site_url += "/" + baseurl.strip("/")
        out += [
            f"# Site URL (from _config.yml): {site_url}",
            "# Links to it are checked as links inside the site. List any other hosts the",
            "# site is served from:",
            "# site:",
            f"#   hosts: [{_quote(url.strip().rstrip('/'))}]",
        ]
    else:
        reason = problem or "_config.yml has no `url`"
        out += [
            f"# Site URL: none found ({reason}). List the hosts the site is served from so",
            "# that absolute links to them are checked as links inside the site:",
            "# site:",
            '#   hosts: ["https://www.example.org"]',
        ]
    out.append("")

    matched = [c for c in collections if c.page_types]
    unmatched = [c for c in collections if not c.page_types]
    if collections or framework_pages:
        out.append("# Collections found in _config.yml and the page types that check them:")
        width = max([len(c.name) for c in collections] + [0])
        folder_width = max([len(c.folder) + 1 for c in collections] + [0])
        for c in collections:
            target = ", ".join(c.page_types) + " (built in)" if c.page_types else "no built-in type"
            out.append(f"#   {c.name:<{width}}  {c.folder + '/':<{folder_width}}  -> {target}")
        if framework_pages:
            out.append(f"#   pages under {BUILTIN_PAGE_TYPES['framework-page']}/ -> framework-page")
    else:
        out.append("# No collections found in _config.yml.")
    out.append("")

    # Built-in types whose pages live somewhere other than the profile expects.
    moved: dict[str, list[str]] = {}
    for c in matched:
        for page_type in c.page_types:
            if c.folder != BUILTIN_PAGE_TYPES[page_type]:
                moved.setdefault(page_type, []).append(f"{c.folder}/**/*.md")
    if moved:
        out += [
            "# These collections hold built-in page types in other folders than the",
            f"# `{PROFILE}` profile expects; point the page types at them:",
            "page-types:",
        ]
        for page_type, globs in moved.items():
            out += [
                f"  {page_type}:",
                "    match: [" + ", ".join(_quote(g) for g in globs) + "]",
            ]
        out.append("")

    if unmatched:
        out += [
            "# Collections that match no built-in page type. To check their front matter",
            "# and structure, describe them as page types (uncomment and edit):",
        ]
        if not moved:
            out.append("# page-types:")
        for c in unmatched:
            out += [
                f"#   {_page_type_name(c.name)}:",
                f"#     match: [{_quote(c.folder + '/**/*.md')}]",
                f"#     schema: {_page_type_name(c.name)}.schema.json"
                "   # front matter JSON Schema, relative to the site root",
                "#     h1: required",
                '#     sections: ["Overview"]',
            ]
        out.append("")

    out += [
        "# Optional settings:",
        "# select: [FM, TB001]          # codes or families to enable (default: all default rules)",
        "# ignore: [HD005]              # codes or families to turn off",
        "# severity: {PH003: warning}   # change a rule's severity",
        '# exclude: ["drafts/**"]       # more paths not to lint',
        '# placeholders: {words: ["tbc"]}',
    ]
    return "\n".join(out) + "\n"


def _page_type_name(collection: str) -> str:
    name = collection.lower().replace("_", "-").strip("-") or "page"
    if name.endswith("ies") and len(name) > 3:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 1:
        return name[:-1]
    return name


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)
