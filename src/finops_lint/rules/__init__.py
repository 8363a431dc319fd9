"""Rule families, one module each. Importing a module registers its rules.

Every module of this package is a rule module, found by listing the package (a
new rule is one new module: nothing to add here). They are imported only when a
command asks for the rules (`rules.base.all_rules`), never at start-up.
"""

from __future__ import annotations

import importlib
import pkgutil

_LOADED = False

#: Modules that register no rules: the registry itself.
NOT_RULES = frozenset({"base"})


def module_names() -> list[str]:
    """The rule modules of this package, sorted (a listing of its folder)."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if not info.ispkg and info.name not in NOT_RULES
    )


def load() -> None:
    global _LOADED
    if _LOADED:
        return
    for name in module_names():
        importlib.import_module(f"{__name__}.{name}")
    _LOADED = True
