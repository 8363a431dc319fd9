"""The fast validity check must never call an invalid page valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from finops_lint.schema_fast import is_valid

SCHEMAS = sorted((Path(__file__).resolve().parent.parent / "schemas").glob("*.schema.json"))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5000)
    | st.floats(allow_nan=False)
    | st.text(max_size=400),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _keys(schema: Any) -> list[str]:
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(k for k in node.get("properties", {}) if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(found)


ALL_KEYS = sorted({k for p in SCHEMAS for k in _keys(json.loads(p.read_text()))})


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    schema_index=st.integers(0, max(0, len(SCHEMAS) - 1)),
    data=st.dictionaries(st.sampled_from(ALL_KEYS), json_values, max_size=12),
)
def test_fast_check_agrees_with_jsonschema(schema_index: int, data: dict[str, Any]) -> None:
    schema = json.loads(SCHEMAS[schema_index].read_text())
    fast = is_valid(schema, data)
    slow = Draft202012Validator(schema).is_valid(data)
    if fast is not None:
        assert fast == slow, (SCHEMAS[schema_index].name, data)


def test_fast_check_on_real_values() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {"type": "integer"},
            "b": {"enum": [1, "x"]},
            "c": {"maxLength": 3},
            "d": {"type": "array", "items": {"pattern": "^capability_"}, "uniqueItems": True},
        },
    }
    assert is_valid(schema, {"a": 1}) is True
    assert is_valid(schema, {"a": True}) is False  # a boolean is not an integer
    assert is_valid(schema, {"a": 1, "b": True}) is False  # True is not 1 in JSON
    assert is_valid(schema, {"a": 1, "c": "abcd"}) is False
    assert is_valid(schema, {"a": 1, "d": ["capability_x", "capability_x"]}) is False
    assert is_valid(schema, {"a": 1, "d": ["x"]}) is False
    assert is_valid({"$ref": "#/x"}, {}) is None  # unknown keyword: ask jsonschema


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    schema_index=st.integers(0, max(0, len(SCHEMAS) - 1)),
    data=st.dictionaries(st.sampled_from(ALL_KEYS), json_values, max_size=12),
)
def test_fast_errors_match_jsonschema(schema_index: int, data: dict[str, Any]) -> None:
    """Same violations (keyword, path, schema path, message) as jsonschema, or None."""
    from finops_lint.schema_fast import iter_errors

    schema = json.loads(SCHEMAS[schema_index].read_text())
    fast = iter_errors(schema, data)
    if fast is None:
        return
    slow = list(Draft202012Validator(schema).iter_errors(data))

    def key(e: Any) -> tuple[str, ...]:
        return (e.validator, str(list(e.absolute_path)), str(list(e.schema_path)), e.message)

    assert sorted(map(key, fast)) == sorted(map(key, slow))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    schema_index=st.integers(0, max(0, len(SCHEMAS) - 1)),
    data=st.dictionaries(st.sampled_from(ALL_KEYS), json_values, max_size=12),
)
def test_validity_and_errors_agree(schema_index: int, data: dict[str, Any]) -> None:
    """is_valid and iter_errors are one walker: valid exactly when there is no error."""
    from finops_lint.schema_fast import iter_errors

    schema = json.loads(SCHEMAS[schema_index].read_text())
    valid = is_valid(schema, data)
    errors = iter_errors(schema, data)
    if valid is True:
        assert errors == []
    elif errors is not None:
        assert valid is False and errors


def test_keywords_answered_by_jsonschema() -> None:
    """Violations jsonschema words its own way, and keywords the walker does not know:
    None from iter_errors (the caller asks jsonschema), yet validity is known."""
    from finops_lint.schema_fast import iter_errors

    closed = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    assert is_valid(closed, {"a": 1}) is True
    assert is_valid(closed, {"b": 1}) is False
    assert iter_errors(closed, {"b": 1}) is None
    one = {"oneOf": [{"type": "integer"}, {"minimum": 0}]}
    assert is_valid(one, 1) is False and iter_errors(one, 1) is None
    assert is_valid(one, -1) is True and iter_errors(one, -1) == []
    assert is_valid({"minProperties": 1}, {}) is None
    assert iter_errors({"minProperties": 1}, {}) is None


ENUM = ["Video", "video", "1", 1, 1.5, True, None, "", ["Video"], {"a": "Video"}]
ENUM_VALUES = [*ENUM, 1.0, 0, False, "Vide", "Video ", ["video"]]


def test_enum_membership_agrees_with_jsonschema() -> None:
    """A string is looked up among the enum's strings; anything else compared as JSON
    values are: the answer is jsonschema's either way (1 == 1.0, True is not 1, the
    string "1" is not 1). Every enum of one or two members, every value."""
    import itertools

    for size in (1, 2):
        for members in itertools.combinations(ENUM, size):
            for schema in ({"enum": list(members)}, {"items": {"enum": list(members)}}):
                validator = Draft202012Validator(schema)
                for value in ENUM_VALUES:
                    instance = value if "enum" in schema else [value, value]
                    expected = validator.is_valid(instance)
                    assert is_valid(schema, instance) == expected, (members, value)
                    # the enum's strings are remembered now
                    assert is_valid(schema, instance) == expected, (members, value)


TYPE_NAMES = ["string", "object", "array", "null", "boolean", "integer", "number"]
TYPE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -3,
    1.0,
    2.5,
    -0.0,
    "",
    "1",
    [],
    [1],
    {},
    {"a": 1},
]


def test_type_sets_agree_with_jsonschema() -> None:
    """A value of one of front matter's types is judged by its exact type against the
    set of the keyword's names: the answer is jsonschema's (bool is no integer, 1.0
    is one). Every `type` of one or two names, as a string and as a list, every value."""
    import itertools

    for size in (1, 2):
        for names in itertools.combinations(TYPE_NAMES, size):
            forms: list[Any] = [list(names)] + ([names[0]] if size == 1 else [])
            for form in forms:
                for schema in ({"type": form}, {"items": {"type": form}}):
                    validator = Draft202012Validator(schema)
                    for value in TYPE_VALUES:
                        instance = value if "type" in schema else [value]
                        assert is_valid(schema, instance) == validator.is_valid(instance), (
                            form,
                            value,
                        )


#: Small values of front matter's shapes (strings most): what the schemas below
#: accept or not.
_SMALL_STRINGS = st.sampled_from(["a", "ab", "b", "", "1"])
_SMALL_VALUES = _SMALL_STRINGS | st.recursive(
    st.none() | st.booleans() | st.integers(0, 2) | _SMALL_STRINGS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["p", "q"]), children, max_size=2)
    ),
    max_leaves=6,
)
_LEAF_SCHEMAS = st.one_of(
    st.just(True),
    st.builds(lambda names: {"type": names}, st.sampled_from(TYPE_NAMES)),
    st.builds(
        lambda names: {"type": names},
        st.lists(st.sampled_from(TYPE_NAMES), min_size=1, max_size=2, unique=True),
    ),
    st.builds(lambda p: {"pattern": p}, st.sampled_from(["^a", "b$", "\\S"])),
    st.builds(lambda p: {"type": "string", "pattern": p}, st.sampled_from(["^a", "b$"])),
    st.builds(lambda c: {"const": c}, st.sampled_from(["a", "b", 1, True, None])),
    st.builds(lambda e: {"enum": e}, st.lists(st.sampled_from(["a", "b", 1, None]), max_size=3)),
)
_QUICK_SCHEMAS = st.recursive(
    _LEAF_SCHEMAS,
    lambda inner: st.one_of(
        st.builds(lambda sub: {"items": sub}, inner),
        st.builds(
            lambda props: {"properties": props},
            st.dictionaries(st.sampled_from(["p", "q"]), inner, max_size=2),
        ),
        st.builds(lambda subs: {"allOf": subs}, st.lists(inner, min_size=1, max_size=2)),
        st.builds(
            lambda a, b: {**a, **b} if isinstance(a, dict) and isinstance(b, dict) else a,
            inner,
            inner,
        ),
    ),
    max_leaves=5,
)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(schema=_QUICK_SCHEMAS, value=_SMALL_VALUES)
def test_quick_tests_accept_only_what_jsonschema_accepts(schema: Any, value: Any) -> None:
    """The tests the walk takes for subschemas of types, patterns, consts, enums,
    properties, items and allOf (`_quick`) accept only valid values, and the walk
    that uses them for properties and items answers as jsonschema does."""
    from finops_lint.schema_fast import _quick

    expected = Draft202012Validator(schema).is_valid(value)
    quick = _quick(schema)
    if quick is not None and quick(value):
        assert expected, (schema, value)
    for wrapped, instance in (
        ({"items": schema}, [value, value]),
        ({"properties": {"p": schema}}, {"p": value}),
    ):
        assert is_valid(wrapped, instance) == expected, (schema, value)
