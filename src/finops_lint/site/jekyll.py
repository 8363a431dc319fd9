"""Jekyll's ``_config.yml`` as Jekyll 4 reads it: url, baseurl, permalink style,
collections, front matter defaults (with Jekyll's scope and precedence rules),
include/exclude and plugins. Which files Jekyll reads is
:mod:`finops_lint.site.source`.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from finops_lint.safe_io import MAX_CONFIG_BYTES, describe, read_text
from finops_lint.site.urls import MARKDOWN_EXTENSIONS, add_permalink_suffix

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Jekyll 4 always adds these to ``exclude``.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".sass-cache",
    ".jekyll-cache",
    "gemfiles",
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
    "vendor/bundle/",
    "vendor/cache/",
    "vendor/gems/",
    "vendor/ruby/",
)
DEFAULT_INCLUDES: tuple[str, ...] = (".htaccess",)

Problem = tuple[str, int, str]


@dataclass
class Collection:
    """A Jekyll collection: its folder, whether it is output, its permalink pattern."""

    label: str
    output: bool
    permalink: str | None  # the collection's own pattern, if any
    directory: str  # relative to the site root, e.g. "_capabilities"
    url_template: str = ""


@dataclass
class DefaultsSet:
    """One `defaults:` entry of _config.yml: the scope it applies to and its values."""

    path: str
    type: str | None
    values: dict[str, Any]


@dataclass
class JekyllConfig:
    """What the site's _config.yml says that decides URLs and which files are read."""

    url: str = ""
    baseurl: str = ""
    permalink: str = "date"
    collections: dict[str, Collection] = field(default_factory=dict)
    collections_dir: str = ""
    defaults: list[DefaultsSet] = field(default_factory=list)
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDES))
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    plugins: list[str] = field(default_factory=list)
    markdown_ext: frozenset[str] = MARKDOWN_EXTENSIONS
    raw: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    problems: list[Problem] = field(default_factory=list)

    def defaults_for(self, rel_path: str, type_: str) -> dict[str, Any]:
        """Front matter defaults for a file (Jekyll's ``FrontmatterDefaults#all``)."""
        result: dict[str, Any] = {}
        old: DefaultsSet | None = None
        for dset in self.defaults:
            if not _scope_applies(dset, rel_path, type_):
                continue
            if _has_precedence(old, dset):
                result = _deep_merge(result, dset.values)
                old = dset
            else:
                result = _deep_merge(dset.values, result)
        return result


def load_config(root: Path, filename: str = "_config.yml") -> JekyllConfig:
    """Read ``_config.yml``; problems are recorded, never raised."""
    config = JekyllConfig()
    path = root / filename
    data: Any = {}
    if os.path.lexists(path):
        try:
            text = read_text(path, MAX_CONFIG_BYTES)
            config.text = text
            data = yaml.load(text, Loader=_Loader) or {}
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
            config.problems.append((filename, line, f"invalid YAML in {filename}: {message}"))
            data = {}
        except (
            yaml.YAMLError,
            UnicodeDecodeError,
            OSError,
            ValueError,
            TypeError,
            OverflowError,
            RecursionError,
        ) as exc:
            reason = describe(exc) if isinstance(exc, OSError) else str(exc)
            config.problems.append((filename, 1, f"cannot read {filename}: {reason}"))
            data = {}
    if not isinstance(data, dict):
        config.problems.append((filename, 1, f"{filename} must be a mapping of settings"))
        data = {}
    config.raw = data
    _apply(config, data, filename)
    return config


def _apply(config: JekyllConfig, data: dict[str, Any], filename: str) -> None:
    def problem(message: str) -> None:
        config.problems.append((filename, _key_line(config, filename, message), message))

    for key in ("url", "baseurl"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            problem(f"`{key}` must be a string")
            continue
        setattr(config, key, value.strip().rstrip("/") if key == "url" else value.strip())
    if config.baseurl in ("/",):
        config.baseurl = ""
    if config.baseurl and not config.baseurl.startswith("/"):
        config.baseurl = "/" + config.baseurl
    config.baseurl = config.baseurl.rstrip("/")

    permalink = data.get("permalink")
    if permalink is not None:
        if isinstance(permalink, str) and permalink.strip():
            config.permalink = permalink.strip()
        else:
            problem("`permalink` must be a style name or a pattern string")

    cdir = data.get("collections_dir")
    if isinstance(cdir, str):
        config.collections_dir = cdir.strip("/")
    elif cdir is not None:
        problem("`collections_dir` must be a string")

    for key in ("include", "exclude"):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            problem(f"`{key}` must be a list of paths")
            continue
        items = [str(v) for v in value if v is not None]
        if key == "include":
            config.include = items
        else:
            config.exclude = items + [d for d in DEFAULT_EXCLUDES if d not in items]

    plugins = data.get("plugins", data.get("gems"))
    if isinstance(plugins, list):
        config.plugins = [str(p) for p in plugins]

    md = data.get("markdown_ext")
    if isinstance(md, str) and md.strip():
        config.markdown_ext = frozenset("." + e.strip().lower() for e in md.split(",") if e.strip())

    _apply_collections(config, data.get("collections"), problem)
    _apply_defaults(config, data.get("defaults"), problem)


def _apply_collections(config: JekyllConfig, value: Any, problem: Any) -> None:
    entries: dict[str, Any] = {}
    if isinstance(value, list):
        entries = {str(v): {} for v in value}
    elif isinstance(value, dict):
        entries = {str(k): v for k, v in value.items()}
    elif value is not None:
        problem("`collections` must be a mapping (or list) of collection names")
    entries.setdefault("posts", {"output": True})
    if not isinstance(entries["posts"], dict):
        entries["posts"] = {"output": True}
    entries["posts"].setdefault("output", True)
    prefix = config.collections_dir + "/" if config.collections_dir else ""
    for label, meta in entries.items():
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            problem(f"collection `{label}` must be a mapping of settings")
            meta = {}
        output = meta.get("output", False)
        if not isinstance(output, bool):
            problem(f"collection `{label}`: `output` must be true or false")
            output = bool(output)
        permalink = meta.get("permalink")
        if permalink is not None and not isinstance(permalink, str):
            problem(f"collection `{label}`: `permalink` must be a string")
            permalink = None
        coll = Collection(label, output, permalink, f"{prefix}_{label}")
        if permalink:
            coll.url_template = {
                "pretty": "/:collection/:path/",
                "date": "/:collection/:path:output_ext",
                "ordinal": "/:collection/:path:output_ext",
                "none": "/:collection/:path:output_ext",
            }.get(permalink, permalink)
        elif label == "posts":
            from finops_lint.site.urls import style_template

            coll.url_template = style_template(config.permalink)
        else:
            coll.url_template = add_permalink_suffix("/:collection/:path", config.permalink)
        config.collections[label] = coll


def _apply_defaults(config: JekyllConfig, value: Any, problem: Any) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        problem("`defaults` must be a list of {scope, values} entries")
        return
    for i, entry in enumerate(value, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            problem(f"defaults entry {i} must have a `values` mapping")
            continue
        scope = entry.get("scope") or {}
        if not isinstance(scope, dict):
            problem(f"defaults entry {i}: `scope` must be a mapping")
            continue
        path = scope.get("path", "")
        type_ = scope.get("type")
        type_s = str(type_) if type_ is not None else None
        type_s = {"page": "pages", "post": "posts", "draft": "drafts"}.get(type_s or "", type_s)
        config.defaults.append(
            DefaultsSet(str(path or "").strip("/"), type_s, dict(entry["values"]))
        )


def _key_line(config: JekyllConfig, filename: str, message: str) -> int:
    """Best-effort line of the key a message names (``\\`key\\```)."""
    match = re.search(r"`([\w-]+)`", message)
    return _line_cache_lookup(config, match.group(1) if match else "")


def _line_cache_lookup(config: JekyllConfig, key: str) -> int:
    text = config.text
    if not text or not key:
        return 1
    found = re.search(rf"^\s*-?\s*{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _scope_applies(dset: DefaultsSet, rel_path: str, type_: str) -> bool:
    if dset.type is not None and dset.type != type_:
        return False
    scope = dset.path
    if not scope:
        return True
    if "*" in scope or "?" in scope:
        return fnmatch.fnmatchcase(rel_path, scope) or fnmatch.fnmatchcase(rel_path, scope + "/*")
    return (
        rel_path == scope
        or rel_path.startswith(scope.rstrip("/") + "/")
        or (rel_path.startswith(scope))
    )


def _has_precedence(old: DefaultsSet | None, new: DefaultsSet) -> bool:
    if old is None:
        return True
    if len(new.path) != len(old.path):
        return len(new.path) >= len(old.path)
    if new.type is not None:
        return True
    return old.type is None


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result
