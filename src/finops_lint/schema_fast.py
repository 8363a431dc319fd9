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

from finops_lint import regex

#: Keywords that never affect validity.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "$anchor",
        "contentMediaType",
        "contentEncoding",
    }
)
_HANDLED = frozenset(
    {
        "type",
        "properties",
        "required",
        "items",
        "enum",
        "const",
        "pattern",
        "maxLength",
        "minLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "uniqueItems",
        "minItems",
        "maxItems",
        "propertyNames",
        "additionalProperties",
        "$defs",
        "definitions",
    }
)


class _Unknown(Exception):
    """The schema uses something this checker does not implement."""


@lru_cache(maxsize=512)
def _regex(pattern: str) -> regex.Pattern:
    return regex.compile(pattern)  # RE2 unless shipped with finops-lint


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


class SchemaError:
    """One violation, shaped like jsonschema's ValidationError for the fields we read."""

    __slots__ = (
        "absolute_path",
        "instance",
        "message",
        "path",
        "schema",
        "schema_path",
        "validator",
        "validator_value",
    )

    def __init__(
        self,
        validator: str,
        value: Any,
        instance: Any,
        message: str,
        path: tuple[Any, ...],
        schema_path: tuple[Any, ...],
        schema: Any,
    ) -> None:
        self.validator = validator
        self.validator_value = value
        self.instance = instance
        self.message = message
        self.path = self.absolute_path = path
        self.schema_path = schema_path
        self.schema = schema


def iter_errors(schema: Any, instance: Any) -> list[SchemaError] | None:
    """Every violation, in jsonschema's words, or None where this module cannot tell."""
    out: list[SchemaError] = []
    try:
        _errors(schema, instance, (), (), out)
    except (_Unknown, re.error, RecursionError):
        return None
    return out


def _r(value: Any) -> str:
    return repr(value)


def _too_short(value: Any, limit: int) -> str:
    return f"{_r(value)} should be non-empty" if limit == 1 else f"{_r(value)} is too short"


def _errors(
    schema: Any,
    value: Any,
    path: tuple[Any, ...],
    spath: tuple[Any, ...],
    out: list[SchemaError],
) -> None:
    if schema is True or schema == {}:
        return
    if not isinstance(schema, dict):
        raise _Unknown("schema")
    for key, arg in schema.items():
        if (
            key in _ANNOTATIONS
            or key.startswith("x-")
            or key in ("$defs", "definitions", "then", "else")
        ):
            continue
        sp = (*spath, key)

        def fail(message: str, key: str = key, arg: Any = arg, sp: tuple[Any, ...] = sp) -> None:
            out.append(SchemaError(key, arg, value, message, path, sp, schema))

        if key == "type":
            kinds = arg if isinstance(arg, list) else [arg]
            if not any(_is_type(value, k) for k in kinds):
                fail(f"{_r(value)} is not of type {', '.join(_r(k) for k in kinds)}")
        elif key == "enum":
            if not any(_equal(value, v) for v in arg):
                fail(f"{_r(value)} is not one of {_r(arg)}")
        elif key == "const":
            if not _equal(value, arg):
                fail(f"{_r(arg)} was expected")
        elif key in ("pattern", "maxLength", "minLength"):
            if not isinstance(value, str):
                continue
            if key == "pattern" and not _regex(arg).search(value):
                fail(f"{_r(value)} does not match {_r(arg)}")
            elif key == "maxLength" and len(value) > arg:
                fail(f"{_r(value)} is too long")
            elif key == "minLength" and len(value) < arg:
                fail(
                    f"{_r(value)} should be non-empty" if arg == 1 else f"{_r(value)} is too short"
                )
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if not _number(value):
                continue
            bad = {
                "minimum": value < arg,
                "maximum": value > arg,
                "exclusiveMinimum": value <= arg,
                "exclusiveMaximum": value >= arg,
            }[key]
            if bad:
                word = {
                    "minimum": "less than the minimum of",
                    "maximum": "greater than the maximum of",
                    "exclusiveMinimum": "less than or equal to the minimum of",
                    "exclusiveMaximum": "greater than or equal to the maximum of",
                }[key]
                fail(f"{_r(value)} is {word} {_r(arg)}")
        elif key in ("minItems", "maxItems", "uniqueItems", "items"):
            if not isinstance(value, list):
                continue
            if key == "minItems" and len(value) < arg:
                fail(
                    f"{_r(value)} should be non-empty" if arg == 1 else f"{_r(value)} is too short"
                )
            elif key == "maxItems" and len(value) > arg:
                fail(f"{_r(value)} is too long")
            elif (
                key == "uniqueItems"
                and arg
                and any(_equal(value[i], value[j]) for i in range(len(value)) for j in range(i))
            ):
                fail(f"{_r(value)} has non-unique elements")
            elif key == "items":
                for index, item in enumerate(value):
                    _errors(arg, item, (*path, index), sp, out)
        elif key in ("required", "properties", "additionalProperties", "propertyNames"):
            if not isinstance(value, dict):
                continue
            if key == "required":
                for name in arg:
                    if name not in value:
                        fail(f"{_r(name)} is a required property")
            elif key == "properties":
                for name, sub in arg.items():
                    if name in value:
                        _errors(sub, value[name], (*path, name), (*sp, name), out)
            elif key == "additionalProperties":
                props = schema.get("properties", {})
                extra = [k for k in value if k not in props]
                if arg is False and extra:
                    raise _Unknown("additionalProperties: false")  # jsonschema words it
                for name in extra:
                    _errors(arg, value[name], (*path, name), sp, out)
            else:
                for name in value:
                    if not _valid(arg, name):
                        raise _Unknown("propertyNames")
        elif key == "allOf":
            for index, sub in enumerate(arg):
                _errors(sub, value, path, (*sp, index), out)
        elif key in ("anyOf", "oneOf"):
            matches = sum(1 for sub in arg if _valid(sub, value))
            if matches == 0:
                fail(f"{_r(value)} is not valid under any of the given schemas")
            elif key == "oneOf" and matches > 1:
                raise _Unknown("oneOf")
        elif key == "not":
            if _valid(arg, value):
                fail(f"{_r(value)} should not be valid under {_r(arg)}")
        elif key == "if":
            branch = "then" if _valid(arg, value) else "else"
            if branch in schema:
                _errors(schema[branch], value, path, (*spath, branch), out)
        else:
            raise _Unknown(key)
