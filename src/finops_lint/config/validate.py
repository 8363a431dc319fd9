"""Checking one config layer: the JSON Schema of the config file, rule codes and
rule options (with did-you-mean), and the settings only the command line may give."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from finops_lint import regex
from finops_lint.config.errors import ConfigError, Layer, layer_error
from finops_lint.resources import schema_path


@lru_cache(maxsize=1)
def _config_validator() -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry

    schema = json.loads(schema_path("config.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(
        schema,
        format_checker=regex_format_checker(),
        registry=Registry(),  # retrieves nothing
    )


def regex_format_checker() -> Any:
    """jsonschema's format checker, with `regex` meaning "usable by finops-lint":
    valid Python syntax and, unless shipped with finops-lint, runnable on RE2."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker()
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)

    @checker.checks("regex", raises=re.error)
    def _regex(instance: object) -> bool:
        if isinstance(instance, str):
            problem = regex.check(instance)
            if problem is not None:
                raise re.error(problem)
        return True

    return checker


COMMAND_LINE_ONLY = {
    ("external", "allow-private"): "--allow-host HOST",
    ("external", "allow-hosts"): "--allow-host HOST",
}


def _refuse_command_line_only(layer: Layer) -> None:
    for (section, key), option in COMMAND_LINE_ONLY.items():
        block = layer.data.get(section)
        if isinstance(block, dict) and key in block:
            pos = layer.positions.get((section, key))
            raise ConfigError(
                f"{section}/{key}: private, loopback and link-local addresses can be allowed "
                f"only on the command line ({option}), never from a file in the repository; "
                "remove this setting",
                layer.source,
                pos.line if pos else None,
            )


def validate_layer(layer: Layer) -> None:
    _refuse_command_line_only(layer)
    _check_codes(layer)
    errors = sorted(_config_validator().iter_errors(layer.data), key=lambda e: list(e.path))
    if not errors:
        return
    from jsonschema.exceptions import best_match

    # Into anyOf: the branch that explains the problem (a bad regex in an object,
    # not "is not a boolean").
    err = best_match([errors[0]]) or errors[0]
    path = tuple(err.absolute_path)
    message = err.message
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        unknown = [k for k in err.instance if k not in allowed]
        if unknown:
            path = (*path, unknown[0])
            known = ", ".join(sorted(allowed))
            message = f"unknown setting '{unknown[0]}' (known here: {known})"
    elif err.validator == "format" and err.validator_value == "regex":
        problem = regex.check(str(err.instance))
        if problem is not None:
            message = f"invalid regular expression {err.instance!r}: {problem}"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    raise layer_error(layer, path, message + more)


def known_codes() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Every rule by code, and every family with its codes."""
    from finops_lint.rules.base import all_rules

    by_code = {r.code: r for r in all_rules()}
    families: dict[str, list[str]] = {}
    for code in by_code:
        families.setdefault(code[:2], []).append(code)
    return by_code, families


def code_problem(value: str, *, family_ok: bool = True) -> str | None:
    """Why value is not a rule code or family finops-lint knows (with a did-you-mean),
    or None when it is one."""
    by_code, families = known_codes()
    upper = value.strip().upper()
    if upper in by_code or upper == "ALL" or (family_ok and upper in families):
        return None
    import difflib  # (only for a code it does not know: 1-2 ms of every run's start)

    named = next((r for r in by_code.values() if r.name == value.strip().lower()), None)
    if named is not None:
        hint = f"; did you mean {named.code} (the code of {named.name})?"
    else:
        # A typo in the digits: look in the same family first.
        candidates = families.get(upper[:2]) if len(upper) > 2 else None
        close = difflib.get_close_matches(upper, candidates or [], n=2, cutoff=0.6)
        padded = upper[:2] + upper[2:].zfill(3)  # PH01 -> PH001
        if upper[2:].isdigit() and len(upper) < 5 and padded in by_code:
            close = [padded, *(c for c in close if c != padded)][:2]
        if not close:
            candidates = list(by_code) + (list(families) if family_ok else [])
            close = difflib.get_close_matches(upper, candidates, n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
    if upper[:2] in families and len(upper) == 5 and not hint:
        hint = f" (the {upper[:2]} family has {', '.join(families[upper[:2]])})"
    what = "rule code or family" if family_ok else "rule code"
    return f"unknown {what} '{value}'{hint} (`finops-lint rules` lists them)"


def _check_codes(layer: Layer) -> None:
    """Unknown codes in select/ignore/severity/rules, and rule options the rule does not
    declare or values that break an option's schema: errors with file and line."""
    data = layer.data
    for key in ("select", "ignore"):
        values = data.get(key)
        if isinstance(values, list):
            for i, value in enumerate(values):
                problem = code_problem(str(value))
                if problem:
                    raise layer_error(layer, (key, i), problem)
    severity = data.get("severity")
    if isinstance(severity, dict):
        for code in severity:
            problem = code_problem(str(code))
            if problem:
                raise layer_error(layer, ("severity", code), problem)
    rules = data.get("rules")
    if not isinstance(rules, dict):
        return
    by_code, _families = known_codes()
    for code, setting in rules.items():
        problem = code_problem(str(code))
        if problem:
            raise layer_error(layer, ("rules", code), problem)
        if not isinstance(setting, dict):
            continue
        extra = [k for k in setting if k not in ("enabled", "severity")]
        if not extra:
            continue
        rule = by_code.get(str(code).upper())
        if rule is None:
            raise layer_error(
                layer,
                ("rules", code, extra[0]),
                f"'{extra[0]}': options belong to one rule, not a family; "
                f"give a full code such as {_families.get(str(code).upper(), ['XX001'])[0]}",
            )
        for name in extra:
            option = rule.options.get(name)
            if option is None:
                has = (
                    f"has no option '{name}' (its options: {', '.join(rule.options)})"
                    if rule.options
                    else f"takes no options, only enabled and severity ('{name}' is none)"
                )
                raise layer_error(
                    layer,
                    ("rules", code, name),
                    f"{rule.code} ({rule.name}) {has}; `finops-lint explain {rule.code}` "
                    "says what configures it",
                )
            from jsonschema import Draft202012Validator

            checker = Draft202012Validator(
                option.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            bad = next(iter(checker.iter_errors(setting[name])), None)
            if bad is not None:
                raise layer_error(
                    layer,
                    ("rules", code, name, *bad.absolute_path),
                    f"{rule.code} option '{name}': {bad.message}",
                )
