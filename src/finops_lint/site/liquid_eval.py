"""Evaluating what ``liquid_read`` found for one binding of `page` and the loop
variables: values, the simple filters, `{% if %}` conditions (see ``templates``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from finops_lint.site import Site
from finops_lint.site.liquid_read import COMPARE, COMPUTED, UNKNOWN, BuiltLink, Unknown, var_key
from finops_lint.site.urls import uri_normalize

# ------------------------------------------------------------------ evaluating


def _filter(value: str, name: str, args: tuple[str, ...], site: Site) -> str | None:
    if name == "downcase":
        return value.lower()
    if name == "upcase":
        return value.upper()
    if name == "capitalize":
        return value[:1].upper() + value[1:].lower()
    if name == "strip":
        return value.strip()
    if name == "lstrip":
        return value.lstrip()
    if name == "rstrip":
        return value.rstrip()
    if name == "slugify" and not args:
        return re.sub(r"(?:[^\w]|_)+", "-", value).strip("-").lower()
    if name == "replace" and len(args) == 2:
        return value.replace(args[0], args[1])
    if name == "replace_first" and len(args) == 2:
        return value.replace(args[0], args[1], 1)
    if name == "remove" and len(args) == 1:
        return value.replace(args[0], "")
    if name == "remove_first" and len(args) == 1:
        return value.replace(args[0], "", 1)
    if name == "append" and len(args) == 1:
        return value + args[0]
    if name == "prepend" and len(args) == 1:
        return args[0] + value
    if name in ("escape", "xml_escape", "escape_once"):
        return value  # entities the browser decodes again
    if name in ("relative_url", "absolute_url") and not args:
        if "://" in value or value.startswith("//"):
            return value
        rel = uri_normalize(site.config.baseurl + ("" if value.startswith("/") else "/") + value)
        return rel if name == "relative_url" else site.config.url + rel
    return None


@dataclass(frozen=True)
class DocValue:
    """A page or document as a template sees it: `value_of(path, key)` reads one value
    of its front matter (None when it has none), on first use."""

    path: str
    value_of: Callable[[str, str], Any] = field(compare=False, repr=False)

    def get(self, key: str) -> Any:
        return self.value_of(self.path, key)


Binding = dict[str, Any]  # var -> DocValue | scalar | UNKNOWN


def _value(name: str, key: str | None, binding: Binding) -> Any:
    """A variable's value: UNKNOWN when not modelled, None when Liquid has nil."""
    bound = binding.get(name, UNKNOWN)
    if isinstance(bound, Unknown):
        return UNKNOWN
    if isinstance(bound, dict):  # `site`: only the settings this model knows
        return bound.get(key, UNKNOWN) if key is not None else UNKNOWN
    if isinstance(bound, DocValue):
        if key is None or key in COMPUTED:
            return UNKNOWN
        return bound.get(key)
    if key is None:
        return bound
    if key == "size" and isinstance(bound, (str, list)):
        return len(bound)
    return UNKNOWN


Operand = tuple[Any, ...]  # ("lit", value) | ("var", name, key) | ("unknown",)
Condition = tuple[Any, ...]  # ("and"|"or", left, right) | ("cmp", a, op, b) | ("val", a)


@lru_cache(maxsize=4096)
def _parse_operand(text: str) -> Operand:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return ("lit", text[1:-1])
    if re.fullmatch(r"-?\d+", text):
        return ("lit", int(text))
    if re.fullmatch(r"-?\d+\.\d+", text):
        return ("lit", float(text))
    if text in ("true", "false"):
        return ("lit", text == "true")
    if text in ("nil", "null"):
        return ("lit", None)
    ref = var_key(text)
    if ref is None or text in ("empty", "blank"):
        return ("unknown",)
    return ("var", *ref)


@lru_cache(maxsize=4096)
def _parse_condition(text: str) -> Condition:
    m = re.search(r"\s+(and|or)\s+", text)
    if m is not None:  # Liquid evaluates right to left, without precedence
        return (m.group(1), _parse_condition(text[: m.start()]), _parse_condition(text[m.end() :]))
    cmp = COMPARE.match(text)
    if cmp is None:
        return ("val", _parse_operand(text))
    return ("cmp", _parse_operand(cmp.group(1)), cmp.group(2), _parse_operand(cmp.group(3)))


def _operand(op: Operand, binding: Binding) -> Any:
    if op[0] == "lit":
        return op[1]
    if op[0] == "var":
        return _value(op[1], op[2], binding)
    return UNKNOWN


def truth(text: str, binding: Binding) -> bool | None:
    """Liquid's truth of a condition: True, False, or None when it cannot be known."""
    return _evaluate(_parse_condition(text), binding)


def _evaluate(cond: Condition, binding: Binding) -> bool | None:
    if cond[0] in ("and", "or"):
        left, right = _evaluate(cond[1], binding), _evaluate(cond[2], binding)
        if cond[0] == "and":
            if left is False or right is False:
                return False
            return True if left and right else None
        if left or right:
            return True
        return False if left is False and right is False else None
    if cond[0] == "val":
        value = _operand(cond[1], binding)
        if isinstance(value, Unknown):
            return None
        return value is not None and value is not False
    a, op, b = _operand(cond[1], binding), cond[2], _operand(cond[3], binding)
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    if op in ("==", "!=", "<>"):
        if isinstance(a, str) and isinstance(b, str):
            equal = str(a) == str(b)
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            equal = a == b
        else:
            equal = a is b if (a is None or b is None or isinstance(a, bool)) else a == b
        return equal if op == "==" else not equal
    if op == "contains":
        if isinstance(a, str) and isinstance(b, str):
            return b in a
        if isinstance(a, list):
            return b in a
        return False if a is None else None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return bool({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op])
    return None


def render(
    link: BuiltLink, binding: Binding, site: Site
) -> tuple[str, list[tuple[str, str, str]]] | None:
    """The finished path and the (doc path, key, value) front matter it used; None when
    a part cannot be evaluated (or a value is missing or not a scalar)."""
    out = ""
    used: list[tuple[str, str, str]] = []
    for part in link.parts:
        if isinstance(part, str):
            out += part
            continue
        bound = binding.get(part.var, UNKNOWN)
        value = _value(part.var, part.key, binding)
        if isinstance(value, Unknown) or value is None or isinstance(value, (dict, list)):
            return None
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if isinstance(bound, DocValue) and part.key is not None:
            used.append((bound.path, part.key, text))
        elif isinstance(bound, LoopItem):
            used.append((bound.path, bound.key, text))
        for name, args in part.filters:
            filtered = _filter(text, name, args, site)
            if filtered is None:
                return None
            text = filtered
        out += text
    return (out, used) if used else None


class LoopItem(str):
    """An item of a front matter list a loop walks: remembers where it came from."""

    path: str
    key: str

    def __new__(cls, value: str, path: str = "", key: str = "") -> LoopItem:
        obj = super().__new__(cls, value)
        obj.path = path
        obj.key = key
        return obj


def condition_operands(text: str) -> list[tuple[str, str | None]]:
    """The (variable, key) pairs a condition reads, in order."""
    out: list[tuple[str, str | None]] = []
    todo = [_parse_condition(text)]
    while todo:
        cond = todo.pop()
        if cond[0] in ("and", "or"):
            todo.extend((cond[2], cond[1]))
            continue
        for op in (cond[1],) if cond[0] == "val" else (cond[1], cond[3]):
            if op[0] == "var":
                out.append((op[1], op[2]))
    return out


def operand_value(var: str, key: str | None, binding: Binding) -> Any:
    """What a condition sees for `var.key` under `binding` (UNKNOWN when not modelled)."""
    return _value(var, key, binding)
