"""Compiled regular expressions kept from one run to the next, as Python keeps bytecode.

A one-page run compiles about 240 regular expressions (finops-lint's own, PyYAML's
and markdown-it-py's) before it checks anything: 30 ms of a 190 ms run on the
reference machine, spent in `re`'s pure-Python parser and code generator. What
that generator makes depends on nothing but the pattern, the flags and the Python
build, so the console script keeps it in a file beside finops-lint's own bytecode
(`__pycache__`, or under `PYTHONPYCACHEPREFIX`) and on the next run hands it to
`_sre.compile`, the call `re` itself ends with. The patterns are the same objects
either way; only the time to make them differs.

Trust: the file lives where Python's bytecode does, so whoever can write it can
already write the `.pyc` files Python runs; nothing is read from or written to the
site under review. `_sre.compile` validates every program it is given; an entry of
the wrong shape, a file written by another Python or another `_sre`, a corrupt or
oversized file is ignored and the pattern compiled as usual. Nothing is written when
Python is told not to write bytecode (`PYTHONDONTWRITEBYTECODE`), when the folder is
not writable, or with `FINOPS_LINT_REGEX_CACHE=0` (nothing is read either).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

#: The file's bound: a run that finds more (patterns from many sites' configs) starts
#: the file again with its own.
MAX_ENTRIES = 4000
MAX_BYTES = 4 * 1024 * 1024

_state: dict[str, Any] = {}


def _modules() -> tuple[Any, Any, Any] | None:
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
    if not all(hasattr(compiler, n) for n in ("compile", "_code")) or not hasattr(parser, "parse"):
        return None  # pragma: no cover - `re` was rewritten
    return _sre, compiler, parser


def default_path() -> str | None:
    """Where this Python keeps the file: finops-lint's `__pycache__`, as for its bytecode."""
    import importlib.util

    try:
        pyc = importlib.util.cache_from_source(__file__)
    except (NotImplementedError, ValueError):  # no cache tag: bytecode is not cached
        return None
    return pyc[: -len(".pyc")] + ".json" if pyc.endswith(".pyc") else None


def _stamp(sre: Any) -> str:
    return f"{sys.version}|{sys.implementation.cache_tag}|{sre.MAGIC}|{sre.CODESIZE}"


def _key(pattern: str | bytes, flags: int) -> str:
    if isinstance(pattern, bytes):
        return f"b{flags}:{pattern.decode('latin-1')}"
    return f"s{flags}:{pattern}"


def _read(path: str, stamp: str) -> dict[str, Any]:
    from finops_lint.safe_io import read_bytes

    try:
        data = json.loads(read_bytes(path, MAX_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("stamp") != stamp:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def install(path: str | None = None) -> bool:
    """Compile `re` patterns through the file at `path` (default: `default_path()`)
    from now on in this process. False when it cannot (another Python, no bytecode
    cache, turned off). Installing twice keeps the first."""
    if _state or os.environ.get("FINOPS_LINT_REGEX_CACHE") == "0":
        return bool(_state)
    found = _modules()
    path = path or default_path()
    if found is None or path is None:
        return False
    sre, compiler, parser = found
    stamp = _stamp(sre)
    entries = _read(path, stamp)
    added: dict[str, list[Any]] = {}
    real = compiler.compile

    def compile_cached(p: Any, flags: int = 0) -> Any:
        # re.DEBUG (128) prints the program as it is made: never from the file
        if not isinstance(p, (str, bytes)) or not isinstance(flags, int) or flags & 128:
            return real(p, flags)
        flags = int(flags)
        key = _key(p, flags)
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
        pattern = sre.compile(
            p, final, code, parsed.state.groups - 1, groupindex, tuple(indexgroup)
        )
        entries[key] = added[key] = [
            final,
            [int(c) for c in code],
            parsed.state.groups - 1,
            groupindex,
            indexgroup,
        ]
        return pattern

    compile_cached.__wrapped_real__ = real  # type: ignore[attr-defined]
    compiler.compile = compile_cached
    _state.update(path=path, stamp=stamp, entries=entries, added=added)
    return True


def save() -> None:
    """Write what this process compiled that the file did not hold (nothing if that is
    nothing). Never raises: a cache that cannot be written is a cache not kept."""
    if not _state or not _state["added"] or sys.dont_write_bytecode:
        return
    added: dict[str, Any] = _state["added"]
    entries: dict[str, Any] = _state["entries"]
    # Another run may have written since this one read: keep what it added too.
    on_disk = _read(_state["path"], _state["stamp"])
    merged = {**on_disk, **entries}
    if len(merged) > MAX_ENTRIES:
        merged = dict(added)
    data = json.dumps({"stamp": _state["stamp"], "entries": merged}, separators=(",", ":")).encode(
        "utf-8"
    )
    if len(data) > MAX_BYTES:
        return
    from finops_lint.safe_io import write_atomic

    try:
        os.makedirs(os.path.dirname(_state["path"]), exist_ok=True)
        write_atomic(_state["path"], data)
    except (OSError, ValueError):
        return
    _state["added"] = {}


def uninstall() -> None:
    """Compile as `re` does again (for tests)."""
    if not _state:
        return
    found = _modules()
    if found is not None:
        compiler = found[1]
        wrapped = compiler.compile
        real = getattr(wrapped, "__wrapped_real__", None)
        if real is not None:
            compiler.compile = real
    _state.clear()
