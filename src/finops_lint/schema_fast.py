"""JSON Schema validation of front matter without jsonschema, for the keywords
the page-type schemas use.

Importing jsonschema costs more than the rest of a one-page run (about 0.15 s)
and it validates a page about three times slower than this module. One walker
(`_walk`) does both jobs: `is_valid` runs it to the first violation, `iter_errors`
runs it to the end and words each violation as jsonschema does (the tests compare
both with jsonschema on random front matter). Both answer None where the schema
uses something the walker does not implement (`$ref`, a keyword it does not know,
a violation jsonschema words in its own way); the caller then asks jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


class _Invalid(Exception):
    """A violation, when only validity is asked for (raised at the first one)."""


@lru_cache(maxsize=512)
def _regex(pattern: str) -> regex.Pattern:
    return regex.compile(pattern)  # RE2 unless shipped with finops-lint


def is_valid(schema: Any, instance: Any) -> bool | None:
    """True or False, or None where this module cannot tell."""
    try:
        _walk(schema, instance, (), (), None)
    except _Invalid:
        return False
    except (_Unknown, re.error, RecursionError):
        return None
    return True


def iter_errors(schema: Any, instance: Any) -> list[SchemaError] | None:
    """Every violation, in jsonschema's words, or None where this module cannot tell."""
    out: list[SchemaError] = []
    try:
        _walk(schema, instance, (), (), out)
    except (_Unknown, re.error, RecursionError):
        return None
    return out


def _valid(schema: Any, value: Any) -> bool:
    """Whether value is valid under a subschema (anyOf, oneOf, not, if, propertyNames)."""
    try:
        _walk(schema, value, (), (), None)
    except _Invalid:
        return False
    return True


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


_TYPE_NAMES = frozenset({"string", "object", "array", "null", "boolean", "integer", "number"})

#: JSON's type name of each Python type front matter values have (exactly that type:
#: a subclass, or any other type, is judged by `_is_type`).
_NAME_OF_TYPE: dict[type, str] = {
    str: "string",
    dict: "object",
    list: "array",
    type(None): "null",
    bool: "boolean",
}


def _type_accepts(value: Any, names: frozenset[str]) -> bool:
    """True when `_is_type(value, name)` holds for one of the names (all known), by
    the value's exact type; False: not so, or a type `_is_type` must judge."""
    kind = type(value)
    name = _NAME_OF_TYPE.get(kind)
    if name is not None:
        return name in names
    if kind is int:
        return "integer" in names or "number" in names
    if kind is float:
        return "number" in names or ("integer" in names and value.is_integer())
    return False


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


def _r(value: Any) -> str:
    return repr(value)


#: Keywords read through another one ("then"/"else" through "if") or holding
#: subschemas only for $ref: skipped where they stand.
_SKIPPED = frozenset({"$defs", "definitions", "then", "else"})

#: A schema's keywords to check, in its own order, by id (schemas live for the run).
_PLANS: dict[int, tuple[Any, tuple[tuple[str, Any, Any], ...]]] = {}


def _plan(schema: dict[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    """(keyword, argument, what is known ahead) for each keyword to check: for
    `enum`, the strings of its list (a string value is one of an enum's exactly when
    it is in them: `_equal` compares a string with `==`, which no other type
    passes); for `type`, its type names when each is one `_is_type` knows
    (`_type_accepts`): a set lookup instead of a comparison or a call per member.
    For `properties`, (name, subschema, `_quick` test) for each property, and for
    `items` the items' `_quick` test: a value the test accepts needs no walk of its
    own."""
    known = _PLANS.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    items = []
    for key, arg in schema.items():
        if key in _ANNOTATIONS or key in _SKIPPED or key.startswith("x-"):
            continue
        if key not in _HANDLED:
            raise _Unknown(key)
        ahead: Any = None
        if key == "enum" and isinstance(arg, list):
            ahead = frozenset(v for v in arg if type(v) is str)
        elif key == "type":
            names = arg if isinstance(arg, list) else [arg]
            if all(type(n) is str and n in _TYPE_NAMES for n in names):
                ahead = frozenset(names)
        elif key == "properties" and isinstance(arg, dict):
            ahead = tuple((name, sub, _quick(sub)) for name, sub in arg.items())
        elif key == "items":
            ahead = _quick(arg)
        items.append((key, arg, ahead))
    plan = tuple(items)
    if len(_PLANS) > 4096:
        _PLANS.clear()
    _PLANS[id(schema)] = (schema, plan)
    return plan


def _quick(schema: Any) -> Callable[[Any], bool] | None:
    """A test that is True only for values the walk finds valid under the schema
    (False: walk the value to know), for a schema of `type`s `_is_type` knows,
    `pattern`, `const` and `enum` of strings, `properties` and `items` of such
    schemas and `allOf` them; None for any other schema (a keyword this module does
    not know included: that is said when a value is walked, as before). Front matter
    is mostly lists of strings and of small mappings: one test instead of a walk for
    each item."""
    if schema is True:
        return _accept
    if not isinstance(schema, dict):
        return None
    try:
        plan = _plan(schema)
    except _Unknown:
        return None
    keywords = {key: (arg, ahead) for key, arg, ahead in plan}
    if keywords.keys() == {"type", "pattern"} and keywords["type"][1] == {"string"}:
        try:  # (a string that matches: the most common schema of front matter)
            search = _regex(keywords["pattern"][0]).search
        except (re.error, TypeError):
            return None
        return lambda value: type(value) is str and search(value) is not None
    tests: list[Callable[[Any], bool]] = []
    for key, arg, ahead in plan:
        test = _quick_keyword(key, arg, ahead)
        if test is None:
            return None
        tests.append(test)
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda value: first(value) and second(value)
    return lambda value: all(test(value) for test in tests)


def _accept(value: Any) -> bool:
    return True


def _quick_keyword(key: str, arg: Any, ahead: Any) -> Callable[[Any], bool] | None:
    """One keyword of a schema as a test of `_quick`'s, or None."""
    if key == "type" and ahead is not None:
        names: frozenset[str] = ahead
        if names == {"string"}:
            return lambda value: type(value) is str
        return lambda value: _type_accepts(value, names)
    if key == "pattern" and isinstance(arg, str):
        try:
            search = _regex(arg).search
        except re.error:
            return None
        return lambda value: not isinstance(value, str) or search(value) is not None
    if key == "const" and type(arg) is str:
        return lambda value: type(value) is str and value == arg
    if key == "enum" and ahead is not None:
        strings: frozenset[str] = ahead
        return lambda value: type(value) is str and value in strings
    if key == "properties" and ahead is not None:
        props = [(name, test) for name, _sub, test in ahead]
        if any(test is None for _name, test in props):
            return None
        return lambda value: (
            not isinstance(value, dict)
            or all(test(value[name]) for name, test in props if name in value)
        )
    if key == "items" and ahead is not None:
        each: Callable[[Any], bool] = ahead
        return lambda value: not isinstance(value, list) or all(map(each, value))
    if key == "allOf" and isinstance(arg, list):
        subs = [_quick(sub) for sub in arg]
        if any(sub is None for sub in subs):
            return None
        return lambda value: all(sub(value) for sub in subs)  # type: ignore[misc]
    return None


def _walk(
    schema: Any,
    value: Any,
    path: tuple[Any, ...],
    spath: tuple[Any, ...],
    out: list[SchemaError] | None,
) -> None:
    """Check value against schema. With out None, raise _Invalid at the first
    violation; else append every violation to out, worded as jsonschema words it."""
    if schema is True:
        return
    if not isinstance(schema, dict):
        if schema is False and out is None:
            raise _Invalid
        raise _Unknown("schema")
    for key, arg, ahead in _plan(schema):
        if key == "type":
            if ahead is not None and _type_accepts(value, ahead):
                continue
            kinds = arg if isinstance(arg, list) else [arg]
            if not any(_is_type(value, k) for k in kinds):
                if out is None:
                    raise _Invalid
                message = f"{_r(value)} is not of type {', '.join(_r(k) for k in kinds)}"
            else:
                continue
        elif key == "enum":
            if ahead is not None and type(value) is str:
                if value in ahead:
                    continue
            elif any(_equal(value, v) for v in arg):
                continue
            if out is None:
                raise _Invalid
            message = f"{_r(value)} is not one of {_r(arg)}"
        elif key == "const":
            if _equal(value, arg):
                continue
            if out is None:
                raise _Invalid
            message = f"{_r(arg)} was expected"
        elif key in ("pattern", "maxLength", "minLength"):
            if not isinstance(value, str):
                continue
            if key == "pattern":
                if _regex(arg).search(value):
                    continue
                if out is None:
                    raise _Invalid
                message = f"{_r(value)} does not match {_r(arg)}"
            elif key == "maxLength":
                if len(value) <= arg:
                    continue
                if out is None:
                    raise _Invalid
                message = f"{_r(value)} is too long"
            else:
                if len(value) >= arg:
                    continue
                if out is None:
                    raise _Invalid
                message = (
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
            if not bad:
                continue
            if out is None:
                raise _Invalid
            word = {
                "minimum": "less than the minimum of",
                "maximum": "greater than the maximum of",
                "exclusiveMinimum": "less than or equal to the minimum of",
                "exclusiveMaximum": "greater than or equal to the maximum of",
            }[key]
            message = f"{_r(value)} is {word} {_r(arg)}"
        elif key in ("minItems", "maxItems", "uniqueItems", "items"):
            if not isinstance(value, list):
                continue
            if key == "items":
                if ahead is not None and all(map(ahead, value)):
                    continue  # what the walk of each would say: nothing
                for index, item in enumerate(value):
                    if out is None:  # paths only word errors
                        _walk(arg, item, path, spath, None)
                    else:
                        _walk(arg, item, (*path, index), (*spath, key), out)
                continue
            if key == "minItems":
                if len(value) >= arg:
                    continue
                if out is None:
                    raise _Invalid
                message = (
                    f"{_r(value)} should be non-empty" if arg == 1 else f"{_r(value)} is too short"
                )
            elif key == "maxItems":
                if len(value) <= arg:
                    continue
                if out is None:
                    raise _Invalid
                message = f"{_r(value)} is too long"
            else:
                if not arg or not any(
                    _equal(value[i], value[j]) for i in range(len(value)) for j in range(i)
                ):
                    continue
                if out is None:
                    raise _Invalid
                message = f"{_r(value)} has non-unique elements"
        elif key in ("required", "properties", "additionalProperties", "propertyNames"):
            if not isinstance(value, dict):
                continue
            if key == "required":
                for name in arg:
                    if name not in value:
                        if out is None:
                            raise _Invalid
                        out.append(
                            SchemaError(
                                key,
                                arg,
                                value,
                                f"{_r(name)} is a required property",
                                path,
                                (*spath, key),
                                schema,
                            )
                        )
            elif key == "properties":
                if ahead is None:
                    raise _Unknown("properties")  # not a mapping: jsonschema says what
                for name, sub, quick in ahead:
                    if name not in value:
                        continue
                    if quick is not None and quick(value[name]):
                        continue  # what the walk of it would say: nothing
                    if out is None:  # paths only word errors
                        _walk(sub, value[name], path, spath, None)
                    else:
                        _walk(sub, value[name], (*path, name), (*spath, key, name), out)
            elif key == "additionalProperties":
                props = schema.get("properties", {})
                extra = [k for k in value if k not in props]
                if arg is False and extra:
                    if out is None:
                        raise _Invalid
                    raise _Unknown("additionalProperties: false")  # jsonschema words it
                for name in extra:
                    _walk(arg, value[name], (*path, name), (*spath, key), out)
            else:
                for name in value:
                    if not _valid(arg, name):
                        if out is None:
                            raise _Invalid
                        raise _Unknown("propertyNames")  # jsonschema words it
            continue
        elif key == "allOf":
            for index, sub in enumerate(arg):
                _walk(sub, value, path, (*spath, key, index), out)
            continue
        elif key in ("anyOf", "oneOf"):
            matches = sum(1 for sub in arg if _valid(sub, value))
            if matches == 1 or (key == "anyOf" and matches > 1):
                continue
            if out is None:
                raise _Invalid
            if matches > 1:
                raise _Unknown("oneOf")  # jsonschema words it
            message = f"{_r(value)} is not valid under any of the given schemas"
        elif key == "not":
            if not _valid(arg, value):
                continue
            if out is None:
                raise _Invalid
            message = f"{_r(value)} should not be valid under {_r(arg)}"
        elif key == "if":
            branch = "then" if _valid(arg, value) else "else"
            if branch in schema:
                _walk(schema[branch], value, path, (*spath, branch), out)
            continue
        else:  # pragma: no cover - _plan lets through only the keywords above
            raise _Unknown(key)
        out.append(SchemaError(key, arg, value, message, path, (*spath, key), schema))
