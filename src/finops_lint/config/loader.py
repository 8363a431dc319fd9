"""Finding and loading the config: a `.finops-lint.yaml` found by walking up (or
`[tool.finops-lint]` in `pyproject.toml`), its `extends:` chain down to a
built-in profile, each layer validated with positions, then merged and built.
With no config file, the built-in profile chosen for the site applies.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from finops_lint import regex
from finops_lint.config.build import build_config
from finops_lint.config.errors import ConfigError, Layer
from finops_lint.config.model import (
    FINOPS_HOSTS,
    FINOPS_PROFILE,
    GENERIC_PROFILE,
    Config,
)
from finops_lint.config.validate import validate_layer
from finops_lint.filenames import CONFIG_FILENAMES, PYPROJECT
from finops_lint.parsing.frontmatter import load_yaml_with_positions
from finops_lint.resources import data_dir, profile_names, profile_path
from finops_lint.safe_io import MAX_CONFIG_BYTES, describe, read_text


def find_config(start: Path) -> Path | None:
    """Walk up from start to the filesystem root looking for a config file."""
    current = start if start.is_dir() else start.parent
    for folder in (current, *current.parents):
        for name in CONFIG_FILENAMES:
            candidate = folder / name
            if os.path.lexists(candidate):
                return candidate  # read (or refused, if not a regular file) by the caller
        pyproject = folder / PYPROJECT
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
    else:  # pragma: no cover - Python 3.10: the `tomli` dependency
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except Exception as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(f"invalid TOML: {exc}", str(path)) from None
    section = data.get("tool", {}).get("finops-lint")
    return section if isinstance(section, dict) else None


def _read_yaml_layer(path: Path) -> Layer:
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
    return Layer(data, str(path), positions)


def _layer_for(path: Path) -> Layer:
    if path.name == "pyproject.toml":
        section = _pyproject_section(path)
        return Layer(section or {}, f"{path} [tool.finops-lint]", {})
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


def _load_chain(path: Path, seen: set[Path]) -> list[Layer]:
    """The layers from the base profile up to this file."""
    real = path.resolve()
    if real in seen:
        raise ConfigError("extends: loops back to itself", str(path))
    seen.add(real)
    layer = _layer_for(path)
    if real.parent == data_dir("rules").resolve():
        regex.trust_strings(layer.data)  # a shipped profile: its patterns run on `re`
    extends = layer.data.get("extends")
    chain: list[Layer] = []
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
            validate_layer(layer)
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
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C: ~10x faster
                data = yaml.load(read_text(path, MAX_CONFIG_BYTES), Loader=loader)
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
