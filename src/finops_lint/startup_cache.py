"""What every run makes before it checks anything, kept from one run to the next
beside finops-lint's bytecode, as Python keeps the bytecode itself.

Before a one-page run checks its page it has compiled about 240 regular
expressions (finops-lint's own, PyYAML's and markdown-it-py's) and built about 60
dataclasses, whose methods `dataclasses` writes as source text and compiles one by
one. On the reference machine that was about 24 ms and 22 ms of CPU of a 171 ms
run (at 274 pages), spent in `re`'s pure-Python parser and code generator and in
`compile()`. Both results depend on nothing but their input text and the Python
build, so the console script keeps them in two files in finops-lint's
`__pycache__` (or under `PYTHONPYCACHEPREFIX`):

- `startup_cache.<tag>.regex.json`: each pattern's program, handed on the next run
  to `_sre.compile`, the call `re` itself ends with;
- `startup_cache.<tag>.code.marshal`: the code object of each text `dataclasses`
  compiles, run by the same `exec` it would have called with the text.

The patterns, classes and methods are the same either way; only the time to make
them differs.

Trust: the files live where Python's bytecode does, so whoever can write them can
already write the `.pyc` files Python runs (code objects are what a `.pyc` holds);
nothing is read from or written to the site under review. `_sre.compile` validates
every program; an entry of the wrong shape, a file written by another Python,
`_sre` or bytecode version, a corrupt or oversized file is ignored and the thing
compiled as usual. Nothing is written when Python is told not to write bytecode
(`PYTHONDONTWRITEBYTECODE`) or the folder cannot be written, and with
`FINOPS_LINT_STARTUP_CACHE=0` nothing is read either.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

#: Each file's bound: a run that finds more entries (patterns from many sites'
#: configs) starts the file again with its own.
MAX_ENTRIES = 4000
MAX_BYTES = 8 * 1024 * 1024

_stores: dict[str, _Store] = {}
_undo: list[Callable[[], None]] = []


class _Store:
    """One file of entries: read once when installed, written at exit with what this
    process added (merged with what another run wrote meanwhile)."""

    def __init__(
        self,
        path: str,
        stamp: str,
        load: Callable[[bytes], Any],
        dump: Callable[[Any], bytes],
        valid: Callable[[Any], bool],
    ) -> None:
        self.path, self.stamp = path, stamp
        self._load, self._dump, self._valid = load, dump, valid
        self.entries: dict[str, Any] = self.read()
        self.added: dict[str, Any] = {}

    def read(self) -> dict[str, Any]:
        from finops_lint.safe_io import read_bytes

        try:
            data = self._load(read_bytes(self.path, MAX_BYTES))
        except Exception:  # any file it cannot decode (marshal, JSON) is no file
            return {}
        if not isinstance(data, dict) or data.get("stamp") != self.stamp:
            return {}
        entries = data.get("entries")
        if not isinstance(entries, dict) or not self._valid(entries):
            return {}
        return entries

    def add(self, key: str, value: Any) -> None:
        self.entries[key] = self.added[key] = value

    def save(self) -> None:
        if not self.added or sys.dont_write_bytecode:
            return
        merged = {**self.read(), **self.entries}
        if len(merged) > MAX_ENTRIES:
            merged = dict(self.added)
        try:
            data = self._dump({"stamp": self.stamp, "entries": merged})
        except (ValueError, TypeError):
            return
        if len(data) > MAX_BYTES:
            return
        from finops_lint.safe_io import write_atomic

        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            write_atomic(self.path, data)
        except (OSError, ValueError):
            return
        self.added = {}


def _cache_base() -> str | None:
    """This module's bytecode path without `.pyc`: the files' common prefix."""
    import importlib.util

    try:
        pyc = importlib.util.cache_from_source(__file__)
    except (NotImplementedError, ValueError):  # no cache tag: bytecode is not cached
        return None
    return pyc[: -len(".pyc")] if pyc.endswith(".pyc") else None


# ------------------------------------------------------------ regular expressions


def _re_modules() -> tuple[Any, Any, Any] | None:
    """(`_sre`, the pattern compiler, the pattern parser) of this Python, or None."""
    if sys.implementation.name != "cpython":
        return None
    try:
        import _sre  # type: ignore[import-not-found]  # no stubs: a C module of re

        if sys.version_info >= (3, 11):
            import re._compiler as compiler
            import re._parser as parser
        else:  # pragma: no cover - Python 3.10
            import sre_compile as compiler
            import sre_parse as parser
    except ImportError:  # pragma: no cover - another implementation of `re`
        return None
    if not (hasattr(compiler, "compile") and hasattr(compiler, "_code")):
        return None  # pragma: no cover - `re` was rewritten
    return _sre, compiler, parser


def _re_stamp(sre: Any) -> str:
    return f"{sys.version}|{sys.implementation.cache_tag}|{sre.MAGIC}|{sre.CODESIZE}"


def pattern_key(pattern: str | bytes, flags: int) -> str:
    if isinstance(pattern, bytes):
        return f"b{flags}:{pattern.decode('latin-1')}"
    return f"s{flags}:{pattern}"


def _install_regex(path: str) -> None:
    import json

    found = _re_modules()
    if found is None:
        return
    sre, compiler, parser = found
    store = _stores["regex"] = _Store(
        path,
        _re_stamp(sre),
        lambda raw: json.loads(raw.decode("utf-8")),
        lambda data: json.dumps(data, separators=(",", ":")).encode("utf-8"),
        lambda entries: True,  # each entry is checked when used
    )
    entries = store.entries
    real = compiler.compile

    def compile_cached(p: Any, flags: int = 0) -> Any:
        # re.DEBUG (128) prints the program as it is made: never from the file
        if not isinstance(p, (str, bytes)) or not isinstance(flags, int) or flags & 128:
            return real(p, flags)
        flags = int(flags)
        key = pattern_key(p, flags)
        entry = entries.get(key)
        if entry is not None:
            try:
                final, code, groups, names, by_index = entry
                return sre.compile(p, final, code, groups, names, tuple(by_index))
            except (TypeError, ValueError, RuntimeError, OverflowError):
                del entries[key]  # not a program this Python accepts: make it again
        parsed = parser.parse(p, flags)
        code = compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        final = flags | parsed.state.flags
        groups = parsed.state.groups - 1
        made = sre.compile(p, final, code, groups, groupindex, tuple(indexgroup))
        store.add(key, [final, [int(c) for c in code], groups, groupindex, indexgroup])
        return made

    compiler.compile = compile_cached

    def undo() -> None:
        compiler.compile = real

    _undo.append(undo)


# ------------------------------------------------------- dataclasses' generated code


def _install_code(path: str) -> None:
    import dataclasses
    import importlib.util
    import marshal
    import types

    if "exec" in vars(dataclasses):
        return  # someone else's hook: leave it
    code_type = types.CodeType
    store = _stores["code"] = _Store(
        path,
        f"{sys.version}|{importlib.util.MAGIC_NUMBER.hex()}",
        marshal.loads,
        lambda data: marshal.dumps(data),
        lambda entries: all(type(k) is str and type(v) is code_type for k, v in entries.items()),
    )
    entries = store.entries

    def exec_cached(source: Any, globals: Any = None, locals: Any = None) -> None:
        """`exec` as `dataclasses` calls it, with the text's code object kept."""
        if type(source) is str:
            code = entries.get(source)
            if code is None:
                code = compile(source, "<string>", "exec")
                store.add(source, code)
            source = code
        exec(source, globals, locals)

    dataclasses.exec = exec_cached  # type: ignore[attr-defined]

    def undo() -> None:
        vars(dataclasses).pop("exec", None)

    _undo.append(undo)


# ------------------------------------------------------------------- the switch


def install(base: str | None = None) -> bool:
    """Compile regular expressions and dataclasses' methods through the files at
    `base` + `.regex.json` / `.code.marshal` (default: beside this module's bytecode)
    from now on in this process. False when it cannot (no bytecode cache, turned
    off). Installing twice keeps the first."""
    if _stores or os.environ.get("FINOPS_LINT_STARTUP_CACHE") == "0":
        return bool(_stores)
    base = base or _cache_base()
    if base is None:
        return False
    _install_regex(base + ".regex.json")
    _install_code(base + ".code.marshal")
    return bool(_stores)


def save() -> None:
    """Write what this process made that the files did not hold (nothing if nothing).
    Never raises: a cache that cannot be written is a cache not kept."""
    for store in _stores.values():
        store.save()


def forked() -> None:
    """In a forked child: what it adds from now on is its own (`learnt`); what the
    parent added before the fork is the parent's to write."""
    for store in _stores.values():
        store.added = {}


def learnt() -> bytes | None:
    """What this forked child added, for the process that forked it to write with its
    own (`adopt`): a worker compiles patterns its parent never does (the kramdown
    span parser's, the schema's), and a child leaves without saving, so they were
    compiled again on every run (about 47 a worker at 274 pages). Marshalled: code
    objects do not pickle. None: nothing was added."""
    added = {name: store.added for name, store in _stores.items() if store.added}
    if not added:
        return None
    import marshal

    try:
        return marshal.dumps(added)
    except ValueError:  # not an entry marshal writes: not one to keep
        return None


def adopt(data: Any) -> None:
    """Take what a forked child `learnt` as if this process had added it (written at
    its exit by `save`). Anything else is ignored."""
    import marshal

    try:
        added = marshal.loads(data)
    except Exception:  # not what `learnt` makes
        return
    if type(added) is not dict:
        return
    for name, entries in added.items():
        store = _stores.get(name)
        if store is None or type(entries) is not dict or not store._valid(entries):
            continue
        for key, value in entries.items():
            if type(key) is str and key not in store.entries:
                store.add(key, value)


def uninstall() -> None:
    """Make things as Python does again (for tests)."""
    while _undo:
        _undo.pop()()
    _stores.clear()
