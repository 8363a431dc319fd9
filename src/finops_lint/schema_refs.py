"""JSON Schema validators that never fetch anything.

A page type's schema may come from the repository under review, so its `$ref`s
are untrusted: jsonschema's default would fetch `http://169.254.169.254/...`
or read `file:///etc/passwd`. Every validator finops-lint builds uses a
`referencing` registry whose only source is local files:

- the same schema (`#/$defs/...`, anchors);
- the built-in schemas, by their `$id` (`https://finops-lint.dev/schemas/NAME`)
  or by path;
- other schema files of the site, by a path (relative to the schema, or a
  `file:` URI) that stays inside the site root.

Anything else is refused with a `SchemaRefError` naming the `$ref`, before any
page is checked (`check_refs`), so a bad schema is one config error.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from finops_lint import regex
from finops_lint.resources import data_dir
from finops_lint.safe_io import MAX_SCHEMA_BYTES, describe, read_text

#: The `$id` prefix of the built-in schemas.
BUILTIN_BASE = "https://finops-lint.dev/schemas/"


class SchemaRefError(ValueError):
    """A `$ref` that finops-lint will not follow."""


def load_schema_file(path: str | os.PathLike[str]) -> Any:
    """A schema file as JSON data: regular files only, size-bounded."""
    try:
        return json.loads(read_text(path, MAX_SCHEMA_BYTES))
    except OSError as exc:
        raise SchemaRefError(f"cannot read {os.fspath(path)}: {describe(exc)}") from None
    except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError
        raise SchemaRefError(f"{os.fspath(path)} is not JSON: {exc}") from None


def _inside(path: str, folder: Path) -> bool:
    base = os.path.realpath(folder)
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def local_path(uri: str, site_root: Path) -> str:
    """The file a schema URI names, if finops-lint may read it; else SchemaRefError."""
    document, _fragment = urldefrag(uri)
    builtin = data_dir("schemas")
    if document.startswith(BUILTIN_BASE):
        name = document[len(BUILTIN_BASE) :]
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise SchemaRefError("names no built-in schema")
        return str(builtin / name)
    parts = urlsplit(document)
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        real = os.path.realpath(unquote(parts.path))
        if _inside(real, site_root) or _inside(real, builtin):
            return real
        raise SchemaRefError(
            f"{real} is outside the site; a $ref may name only schema files inside the site"
        )
    raise SchemaRefError(
        "not a local schema: finops-lint never fetches schemas "
        "(a $ref may point into the same schema, to a built-in schema, or to a schema "
        "file inside the site by a relative path)"
    )


def base_uri(schema: Any, path: str | os.PathLike[str]) -> str:
    """The schema's `$id`, else its file's URI (so relative `$ref`s are file paths)."""
    if isinstance(schema, dict) and isinstance(schema.get("$id"), str) and schema["$id"]:
        return str(urljoin(Path(os.path.realpath(path)).as_uri(), schema["$id"]))
    return Path(os.path.realpath(path)).as_uri()


def registry(site_root: Path) -> Any:
    """A `referencing.Registry` that retrieves local schema files only."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def retrieve(uri: str) -> Any:
        contents = load_schema_file(local_path(uri, site_root))
        return Resource.from_contents(contents, default_specification=DRAFT202012)

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def _ref_problem(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SchemaRefError):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def check_refs(schema: Any, path: str | os.PathLike[str], site_root: Path) -> None:
    """Resolve every `$ref` of a schema and of the local schemas it reaches, or raise
    SchemaRefError naming the first that cannot be (no network, no file outside)."""
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    root_uri = base_uri(schema, path)
    reg = registry(site_root).with_resource(root_uri, DRAFT202012.create_resource(schema))
    resolver = reg.resolver(root_uri)
    walked: set[str] = {urldefrag(root_uri)[0]}
    todo: list[tuple[Any, str]] = [(schema, root_uri)]
    while todo:
        node, base = todo.pop()
        if isinstance(node, list):
            todo.extend((item, base) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("$id"), str):
            base = urljoin(base, node["$id"])
        for key in ("$ref", "$dynamicRef", "$recursiveRef"):
            ref = node.get(key)
            if not isinstance(ref, str):
                continue
            target = urljoin(base, ref)
            try:
                resolved = resolver.lookup(target)
            except (Unresolvable, SchemaRefError) as exc:
                raise SchemaRefError(f"{key} '{ref}': {_ref_problem(exc)}") from None
            resolver = resolved.resolver
            document = urldefrag(target)[0]
            if document not in walked:
                walked.add(document)
                todo.append((resolver.lookup(document).contents, document))
        for key, value in node.items():
            if key not in ("enum", "const", "examples", "default") and isinstance(
                value, (dict, list)
            ):
                todo.append((value, base))


class _LinearRe:
    """What jsonschema's keyword modules see as `re`: `search` compiles with
    finops_lint.regex (RE2 for a site's patterns), everything else is `re`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def search(pattern: str, string: str, flags: int = 0) -> Any:
        return regex.compile(pattern, flags).search(string)


def _linear_patterns() -> None:
    """Make jsonschema's `pattern`, `patternProperties`, `additionalProperties` and
    `unevaluatedProperties` match through finops_lint.regex (they call `re.search`
    at module level in these two modules)."""
    import jsonschema._keywords
    import jsonschema._utils

    for module in (jsonschema._keywords, jsonschema._utils):
        if getattr(module, "re", None) is re:
            module.re = _LinearRe()  # type: ignore[attr-defined]


@lru_cache(maxsize=64)
def validator(path: str, site_root: str) -> Any:
    """A Draft 2020-12 validator for a schema file, with the local-only registry and
    patterns matched in linear time."""
    from jsonschema import Draft202012Validator
    from referencing.jsonschema import DRAFT202012

    _linear_patterns()

    schema = load_schema_file(path)
    root_uri = base_uri(schema, path)
    if isinstance(schema, dict) and "$id" not in schema:
        schema = {"$id": root_uri, **schema}
    reg = registry(Path(site_root)).with_resource(root_uri, DRAFT202012.create_resource(schema))
    return Draft202012Validator(schema, registry=reg)
