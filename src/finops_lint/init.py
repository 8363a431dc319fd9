"""``finops-lint init``: write a starting ``.finops-lint.yaml`` for a Jekyll site.

It reads the site's ``_config.yml`` (a missing or broken file is fine) and
``CNAME``, and extends the profile finops-lint would pick for the site:

- any Jekyll site: the ``jekyll`` profile, the site's hosts (``url``, CNAME),
  its ``exclude`` list, and one page type per collection with its ``match``;
- the FinOps framework site (or a site shaped like it): ``finops-framework``,
  whose built-in page types are mapped to the collections; a collection that
  matches a built-in type but lives in another folder gets a ``page-types``
  entry that points the type there; one that matches none gets a commented
  example page type to fill in.

Refusing to overwrite an existing config or to write outside a Jekyll site is
the CLI's job; this module only returns the text.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from finops_lint import __version__
from finops_lint.config import FINOPS_PROFILE, GENERIC_PROFILE, default_profile
from finops_lint.safe_io import MAX_CONFIG_BYTES, describe, read_text

#: The config schema of this version, at a URL that does not move (the release tag
#: in the project's repository), not the installed package's path.
SCHEMA_URL = (
    "https://raw.githubusercontent.com/finops-lint/finops-lint/"
    f"v{__version__}/schemas/config.schema.json"
)
CONFIG_NAME = ".finops-lint.yaml"
PROFILE = FINOPS_PROFILE
GENERIC = GENERIC_PROFILE

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
    profile, why = default_profile(site_root)
    if profile == PROFILE:
        return _framework_config(site_root, config, problem, why)
    return _generic_config(site_root, config, problem, why)


GITIGNORE_LINE = ".finops-lint-cache/"


def ignore_cache(site_root: Path) -> str:
    """Add the cache folder to the site's .gitignore (made if missing); what was done."""
    from finops_lint.safe_io import write_atomic

    gitignore = site_root / ".gitignore"
    if os.path.islink(gitignore):
        return f"hint: add {GITIGNORE_LINE} to .gitignore (a symlink here; not changed)"
    try:
        text = read_text(gitignore, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError):
        return f"hint: add {GITIGNORE_LINE} to .gitignore (not read; not changed)"
    lines = [line.strip() for line in text.splitlines()]
    if any(line.strip("/") == GITIGNORE_LINE.strip("/") for line in lines):
        return ""
    joiner = "" if not text or text.endswith("\n") else "\n"
    try:
        write_atomic(gitignore, (text + joiner + GITIGNORE_LINE + "\n").encode("utf-8"))
    except OSError as exc:
        return f"hint: add {GITIGNORE_LINE} to .gitignore (cannot write it: {describe(exc)})"
    return f"added {GITIGNORE_LINE} to {gitignore} (the result and link caches)"


def _header(profile: str, why: str) -> list[str]:
    return [
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "#",
        "# finops-lint configuration, written by `finops-lint init`.",
        "# `finops-lint rules` lists every rule; `finops-lint explain CODE` describes one.",
        f"# Profile: `{profile}` ({why}).",
        "# `check` keeps its caches in .finops-lint-cache/ (init adds it to .gitignore).",
        "",
        f"extends: {profile}",
        "",
    ]


def site_hosts(site_root: Path, config: dict[str, Any]) -> list[str]:
    """The site's own hosts: the scheme and host of `url` in _config.yml and the
    domain in a GitHub Pages ``CNAME`` file (https, as GitHub Pages serves it)."""
    hosts: list[str] = []
    url = config.get("url")
    if isinstance(url, str) and url.strip():
        parts = urlsplit(url.strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            hosts.append(f"{parts.scheme}://{parts.netloc.lower()}")
    try:
        cname = read_text(site_root / "CNAME", MAX_CONFIG_BYTES).strip().splitlines()
    except (OSError, UnicodeDecodeError):
        cname = []
    if cname and cname[0].strip() and " " not in cname[0].strip():
        domain = cname[0].strip().lower().rstrip("/")
        domain = domain.split("://", 1)[-1]
        if f"https://{domain}" not in hosts:
            hosts.append(f"https://{domain}")
    return hosts


def config_excludes(site_root: Path, config: dict[str, Any]) -> list[str]:
    """_config.yml's `exclude` entries as finops-lint globs (a folder: all under it)."""
    out: list[str] = []
    entries = config.get("exclude")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, str) or not entry.strip("/ "):
            continue
        path = entry.strip().lstrip("/")
        if any(c in path for c in "*?["):
            # Jekyll matches these against the whole path, `*` across folders too
            globs = [path if "/" in path or path.startswith("**") else f"**/{path}"]
        elif entry.strip().endswith("/") or (site_root / path).is_dir():
            globs = [f"{path.rstrip('/')}/**"]
        elif (site_root / path).is_file():
            globs = [path]
        else:
            globs = [path, f"{path}/**"]
        out.extend(g for g in globs if g not in out)
    return out


def _site_lines(site_root: Path, config: dict[str, Any], problem: str | None) -> list[str]:
    hosts = site_hosts(site_root, config)
    baseurl = config.get("baseurl")
    out: list[str] = []
    if hosts:
        out += [
            "# The hosts this site is served from (_config.yml `url`, CNAME): absolute links",
            "# to them are checked as links inside the site.",
            "site:",
            "  hosts: [" + ", ".join(_quote(h) for h in hosts) + "]",
        ]
    else:
        reason = problem or "_config.yml has no `url` and there is no CNAME file"
        out += [
            f"# Site URL: none found ({reason}). List the hosts the site is served from so",
            "# that absolute links to them are checked as links inside the site:",
            "# site:",
            '#   hosts: ["https://www.example.org"]',
        ]
    if isinstance(baseurl, str) and baseurl.strip("/ "):
        out.append(f"# baseurl /{baseurl.strip().strip('/')}: read from _config.yml on every run.")
    out.append("")
    out += _exclude_lines(site_root, config)
    return out


def _exclude_lines(site_root: Path, config: Any) -> list[str]:
    """The config's `exclude:` lines, from _config.yml's `exclude` (none when empty)."""
    excludes = config_excludes(site_root, config)
    if not excludes:
        return []
    return [
        "# Not linted: _config.yml's `exclude` (Jekyll does not build these either).",
        "exclude: [" + ", ".join(_quote(g) for g in excludes) + "]",
        "",
    ]


def _generic_config(site_root: Path, config: dict[str, Any], problem: str | None, why: str) -> str:
    out = _header(GENERIC, why)
    out += _site_lines(site_root, config, problem)
    collections = find_collections(site_root, config)
    if (site_root / "_posts").is_dir() and not any(c.name == "posts" for c in collections):
        collections.insert(0, Collection("posts", "_posts", ()))
    if collections:
        out += [
            "# One page type per collection in _config.yml. Give each what its pages need:",
            "#   schema: NAME.schema.json   front matter JSON Schema (a path from the site root)",
            "#   h1: required               pages must have a '# Title'",
            '#   sections: ["Overview"]     headings every page must have',
            "page-types:",
        ]
        for c in collections:
            globs = [f"{c.folder}/**/*.{ext}" for ext in ("md", "markdown", "html")]
            out += [
                f"  {_page_type_name(c.name)}:",
                f"    description: {_quote(f'A page of the {c.name} collection ({c.folder}/)')}",
                "    match: [" + ", ".join(_quote(g) for g in globs) + "]",
            ]
        out.append("")
    else:
        out += ["# No collections found in _config.yml.", ""]
    out += _optional_lines()
    return "\n".join(out) + "\n"


def _optional_lines() -> list[str]:
    return [
        "# Optional settings:",
        "# select: [FM, TB001]          # codes or families to enable (default: all default rules)",
        "# ignore: [HD005]              # codes or families to turn off",
        "# severity: {PH003: warning}   # change a rule's severity",
        '# exclude: ["drafts/**"]       # more paths not to lint',
        '# placeholders: {row-tokens: ["tbc"]}',
    ]


def _framework_config(
    site_root: Path, config: dict[str, Any], problem: str | None, why: str
) -> str:
    collections = find_collections(site_root, config)
    framework_pages = (site_root / BUILTIN_PAGE_TYPES["framework-page"]).is_dir()
    out = _header(PROFILE, why)
    profile_hosts = {"https://www.finops.org", "https://finops.org"}
    own = [h for h in site_hosts(site_root, config) if h not in profile_hosts]
    if own:
        out += _site_lines(site_root, config, problem)
    else:
        if problem:
            out.append(f"# Note: {problem}.")
        out += [
            "# The FinOps profile's hosts (https://www.finops.org, https://finops.org) are the",
            "# site's own. List any other host it is served from:",
            "# site:",
            '#   hosts: ["https://staging.example.org"]',
            "",
        ]
        out += _exclude_lines(site_root, config)

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

    out += _optional_lines()
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
