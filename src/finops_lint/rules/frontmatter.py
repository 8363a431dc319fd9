"""FM: front matter that is broken, incomplete, or still holds template values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from finops_lint.document import Document
from finops_lint.findings import Severity
from finops_lint.parsing.front_matter_data import jsonable
from finops_lint.parsing.frontmatter import dotted_key
from finops_lint.rules.base import Issue, RuleContext, rule
from finops_lint.schema_fast import is_valid
from finops_lint.schema_fast import iter_errors as fast_errors


@rule("FM000", "unreadable-page", "error", "A page that cannot be read as UTF-8 text.")
def unreadable_page(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds files that are not text pages: invalid UTF-8, UTF-16, NUL bytes (binary
    files named `.md`), files that vanished or could not be read.

    **Why it matters:** Jekyll fails or silently copies such a file instead of
    rendering it, and no other check can look inside it.

    **Bad:** a `.md` file saved as UTF-16 by an editor, or an image renamed `.md`.

    **Good:** the same page saved as UTF-8.

    **Configure:** `ignore: [FM000]` turns it off (not recommended).
    """
    err = doc.decode_error
    if err is not None:
        yield Issue(err.line, err.column, err.message)


@rule("FM001", "invalid-yaml", "error", "Front matter that is not valid YAML.")
def invalid_yaml(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds front matter that YAML cannot parse, or that is not a mapping of keys to
    values; also refuses alias bombs, recursive aliases and very deep nesting
    (reported, never expanded).

    **Why it matters:** Jekyll stops the build (or drops the page's front matter)
    when the YAML is invalid; the page loses its layout, permalink and title.

    **Bad:**
    ```yaml
    ---
    title: Cost Allocation: Metadata
    ---
    ```

    **Good:**
    ```yaml
    ---
    title: "Cost Allocation: Metadata"
    ---
    ```

    The finding points at the line and column where YAML gave up.
    """
    err = doc.front_matter.error
    if err is not None:
        yield Issue(err.line, err.column, err.message)


@rule(
    "FM002", "unterminated-front-matter", "error", "Front matter opened with --- but never closed."
)
def unterminated(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds a page that starts with `---` but has no closing `---` line.

    **Why it matters:** Jekyll then treats the whole file as Markdown: the YAML is
    shown on the page as text and the page has no layout or permalink.

    **Bad:**
    ```
    ---
    title: Forecasting

    # Forecasting
    ```

    **Good:** close the block with a `---` line before the body.
    """
    if doc.front_matter.unterminated:
        yield Issue(
            doc.front_matter.start_line,
            1,
            "front matter starts with '---' but is never closed by a '---' line",
        )


@rule("FM003", "schema-violation", "error", "Front matter that breaks the page type's JSON Schema.")
def schema_violation(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Validates front matter (with Jekyll's `_config.yml` defaults merged in) against
    the JSON Schema of the page's type: required keys, types, closed sets of
    values, patterns and length limits. One finding per violation, at the key's
    line (or at the opening `---` for a missing key).

    **Why it matters:** layouts and includes read these keys; a capability without
    `page-identifier` disappears from its domain pages, a resource with a
    misspelt `type` loses its icon.

    **Bad:**
    ```yaml
    ---
    layout: capability
    title: Forecasting
    ---
    ```
    (no `page-identifier`, no `permalink`)

    **Good:** the keys the page type's schema requires, with the right types.

    **Configure:** page types and their schemas live in the profile's
    `page-types`; a schema subschema may carry `x-severity: warning` and
    `x-message`. The built-in schemas constrain only what a layout relies on:
    no length limit where the layout prints the text in full, no list where
    Liquid takes a string as a one-item list.
    """
    pt = ctx.page_type
    fm = doc.front_matter
    if pt is None or pt.schema is None or not fm.present or fm.error or fm.unterminated:
        return
    data = jsonable(doc.data)
    schema = ctx.config.schema_document(pt.schema)
    if is_valid(schema, data):
        return  # the common case, without importing jsonschema
    errors: list[Any] | None = fast_errors(schema, data)
    if errors is None:  # a keyword the fast checker does not know: ask jsonschema
        errors = list(ctx.config.schema_validator(pt.schema).iter_errors(data))
    for err in sorted(errors, key=lambda e: [str(p) for p in e.path]):
        path = tuple(err.absolute_path)
        severity, note = _annotations(schema, err)
        message = _message(err, path, note)
        if err.validator == "required":
            missing = _missing_key(err)
            pos = fm.position(path) if path else None
            line, col = (pos.line, pos.column) if pos else (fm.start_line, 1)
            message = (
                f"missing required key '{missing}'"
                + (f" in '{dotted_key(path)}'" if path else "")
                + (f" ({note})" if note else "")
            )
        else:
            key_path = tuple(path)
            known = fm.key_positions
            if key_path and key_path not in known and key_path[:1] not in known:
                # The value came from _config.yml defaults, not from the page.
                pos = None
            else:
                pos = fm.position(key_path)
            line, col = (pos.line, pos.column) if pos else (fm.start_line, 1)
        yield Issue(line, col, message, severity=severity)


@rule(
    "FM004",
    "template-value",
    "error",
    "Front matter values left over from the page type's template.",
)
def template_value(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds front matter values copied from the site's template and never filled in,
    such as `title: Capability Title Here` or `description: coming soon...` from
    `_templates/_capability.md`.

    **Why it matters:** the template text is published as the page's title,
    description and search snippet.

    **Bad:**
    ```yaml
    title: Capability Title Here
    framework-capability-desc: coming soon...
    ```

    **Good:** the page's own title and description.

    **Configure:** the template comes from the page type's `template:` in the
    profile. Keys that legitimately keep the template's value (`layout`,
    `order`, `permalink` prefixes) are not compared.
    """
    pt = ctx.page_type
    ws = ctx.workspace
    if pt is None or pt.template is None or ws is None or not doc.front_matter.present:
        return
    template = ws.template(pt.template)
    if template is None or template.rel_path == doc.rel_path:
        return
    for key, tvalue in template.front_matter.data.items():
        if key in _STRUCTURAL_KEYS or not isinstance(tvalue, str) or not tvalue.strip():
            continue
        value = doc.front_matter.data.get(key)
        if isinstance(value, str) and value.strip() == tvalue.strip():
            pos = doc.front_matter.position((key,))
            yield Issue(
                pos.line,
                pos.column,
                f"'{key}' still has the template's value '{tvalue.strip()}' "
                f"from {template.rel_path}",
            )


@rule("FM005", "duplicate-key", "error", "The same front matter key given twice.")
def duplicate_key(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds a top-level front matter key that appears more than once.

    **Why it matters:** YAML parsers such as Jekyll's silently keep the last value,
    so an edit to the first one has no effect.

    **Bad:**
    ```yaml
    title: Forecasting
    title: Cloud Forecasting
    ```

    **Good:** one `title:`.
    """
    for key, first, second in doc.front_matter.duplicate_keys:
        yield Issue(
            second.line,
            second.column,
            f"key '{key}' is given twice (first at line {first.line}); Jekyll keeps only "
            "this last value",
        )


_STRUCTURAL_KEYS = frozenset(
    {
        "layout",
        "order",
        "permalink",
        "weight",
        "listing",
        "member-level",
        "type",
        "search",
        "source",
        "identifier",
        "temporary",
    }
)


def _missing_key(err: Any) -> str:
    msg = str(err.message)
    if msg.startswith("'") and "' is a required property" in msg:
        return msg[1 : msg.index("' is a required property")]
    return msg


def _message(err: Any, path: tuple[Any, ...], note: str | None) -> str:
    key = dotted_key(path) or "front matter"
    v = err.validator
    inst = err.instance
    if note:
        base = note
    elif v == "type":
        expected = err.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        base = f"must be {expected}, not {_type_name(inst)}"
    elif v == "enum":
        allowed = ", ".join(repr(x) for x in err.validator_value if x is not None)
        base = f"must be one of {allowed}"
    elif v == "const":
        base = f"must be {err.validator_value!r}"
    elif v == "pattern":
        base = f"must match the pattern {err.validator_value!r}"
    elif v == "maxLength":
        base = f"must be at most {err.validator_value} characters"
    elif v == "minLength":
        base = (
            "must not be empty"
            if err.validator_value == 1
            else f"must be at least {err.validator_value} characters"
        )
    elif v in ("minItems", "maxItems", "uniqueItems", "format", "minimum", "maximum"):
        base = str(err.message)
    else:
        base = str(err.message)
    shown = _show(inst)
    if v == "maxLength" and isinstance(inst, str):
        shown = f"{len(inst)} characters"
    return f"'{key}' {base} (found {shown})"


def _type_name(value: Any) -> str:
    if value is None:
        return "an empty value"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _annotations(schema: Any, err: Any) -> tuple[Severity | None, str | None]:
    """x-severity / x-message from the failing subschema or any schema above it."""
    severity: Severity | None = None
    note: str | None = None
    node = schema
    chain = [node]
    for part in list(err.schema_path)[:-1]:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            break
        chain.append(node)
    for sub in reversed(chain):
        if not isinstance(sub, dict):
            continue
        if severity is None and "x-severity" in sub:
            severity = Severity(sub["x-severity"])
        if note is None and "x-message" in sub and err.validator != "required":
            note = str(sub["x-message"])
    return severity, note
