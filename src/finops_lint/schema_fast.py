"""A fast yes/no JSON Schema check for the common case: a valid page.

Importing and running jsonschema costs more than the rest of a one-page run,
and almost every page is valid. `is_valid` answers True (valid), False
(invalid) or None (the schema uses a keyword this checker does not know);
only True is trusted on its own. For False and None the caller asks
jsonschema, which words the findings, so messages never depend on this module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: Keywords that never affect validity.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples",
     "deprecated", "readOnly", "writeOnly", "format", "$anchor", "contentMediaType",
     "contentEncoding"}
)
_HANDLED = frozenset(
    {"type", "properties", "required", "items", "enum", "const", "pattern", "maxLength",
     "minLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "allOf",
     "anyOf", "oneOf", "not", "if", "then", "else", "uniqueItems", "minItems", "maxItems",
     "propertyNames", "additionalProperties", "$defs", "definitions"}
)


class _Unknown(Exception):
    """The schema uses something this checker does not implement."""


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def is_valid(schema: Any, instance: Any) -> bool | None:
    try:
        return _valid(schema, instance)
    except (_Unknown, re.error, RecursionError):
        return None


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float))
    raise _Unknown(name)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valid(schema: Any, value: Any) -> bool:
    if schema is True or schema == {}:
        return True
    if schema is False:
        return False
    if not isinstance(schema, dict):
        raise _Unknown("schema")
    for key in schema:
        if key not in _HANDLED and key not in _ANNOTATIONS and not key.startswith("x-"):
            raise _Unknown(key)
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_is_type(value, k) for k in kinds):
            return False
    if "enum" in schema and not any(_equal(value, v) for v in schema["enum"]):
        return False
    if "const" in schema and not _equal(value, schema["const"]):
        return False
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return False
        if "minLength" in schema and len(value) < schema["minLength"]:
            return False
        if "pattern" in schema and not _regex(schema["pattern"]).search(value):
            return False
    if _number(value):
        if "minimum" in schema and value < schema["minimum"]:
            return False
        if "maximum" in schema and value > schema["maximum"]:
            return False
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            return False
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            return False
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            return False
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return False
        items = schema.get("items")
        if items is not None and not all(_valid(items, v) for v in value):
            return False
        if schema.get("uniqueItems") and any(
            _equal(value[i], value[j]) for i in range(len(value)) for j in range(i)
        ):
            return False
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                return False
        props = schema.get("properties", {})
        for name, sub in props.items():
            if name in value and not _valid(sub, value[name]):
                return False
        extra = schema.get("additionalProperties")
        if extra is not None:
            for name, item in value.items():
                if name not in props and not _valid(extra, item):
                    return False
        names = schema.get("propertyNames")
        if names is not None and not all(_valid(names, k) for k in value):
            return False
    for sub in schema.get("allOf", ()):
        if not _valid(sub, value):
            return False
    if "anyOf" in schema and not any(_valid(s, value) for s in schema["anyOf"]):
        return False
    if "oneOf" in schema and sum(1 for s in schema["oneOf"] if _valid(s, value)) != 1:
        return False
    if "not" in schema and _valid(schema["not"], value):
        return False
    if "if" in schema:
        branch = "then" if _valid(schema["if"], value) else "else"
        if branch in schema and not _valid(schema[branch], value):
            return False
    return True
