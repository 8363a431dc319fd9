"""Regular expressions from the repository under review run in linear time.

A pattern in `.finops-lint.yaml` (placeholder text, table columns, sections,
external excludes) or in a site's JSON Schema (`pattern`, `patternProperties`)
is matched against page text that is untrusted too. Python's `re` backtracks:
`^(a+)+$` against 32 `a`s and a `b` takes longer than the universe. Those
patterns run on RE2 (the `google-re2` package), whose matching time is linear in
the text, whatever the pattern.

Patterns shipped with finops-lint (the built-in profiles and schemas) are part
of the program: they are registered with `trust()` when loaded and keep running
on `re` (no import cost, Unicode `\\b`). A user's pattern that is the same
string as a shipped one is the same pattern, so it is trusted too.

RE2 is Python's syntax without look-around and backreferences; `\\Z` is accepted
(rewritten to RE2's `\\z`). `\\b`, `\\w` and `\\d` are ASCII in RE2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, TypeAlias, cast

_TRUSTED: set[str] = set()


def fold(text: str) -> str:
    """The text case-folded for substring prefilters of case-insensitive patterns:
    whatever a `re.IGNORECASE` match of ASCII letters matches folds to those
    letters (casefold() alone leaves the dotless i, which `re` matches as i)."""
    folded = casefold(text)
    return folded.replace("\u0131", "i") if "\u0131" in folded else folded


def casefold(text: str) -> str:
    """`text.casefold()`, faster for a long text that is mostly ASCII.

    `str.casefold` of a text with any non-ASCII character goes character by
    character through the Unicode tables (65 us for a 3 KB page with one curly
    quote, 6 us for ASCII). When every non-ASCII character of the text folds to
    itself (a curly quote, a dash, a lower-case accented letter), the fold is the
    text with its ASCII letters lowered, which the UTF-8 bytes give at C speed."""
    if text.isascii():
        return text.lower()  # (casefold of ASCII)
    if len(text) < 256:  # the detour costs more than it saves
        return text.casefold()
    raw = text.encode("utf-8", "surrogatepass")
    others = raw.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    if others.casefold() == others:
        return raw.lower().decode("utf-8", "surrogatepass")
    return text.casefold()


#: Every ASCII byte: deleted from a text's UTF-8, they leave its other characters.
_ASCII_BYTES = bytes(range(128))


def trust(patterns: Iterable[str]) -> None:
    """Mark patterns shipped with finops-lint as safe for Python's `re`."""
    _TRUSTED.update(p for p in patterns if isinstance(p, str))


def trust_strings(data: Any) -> None:
    """Trust every string in a shipped document (a profile, a schema)."""
    todo = [data]
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            _TRUSTED.add(node)
        elif isinstance(node, dict):
            todo.extend(node.keys())
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)


def is_trusted(pattern: str) -> bool:
    return pattern in _TRUSTED


class Re2Pattern:
    """The part of `re.Pattern` finops-lint uses, on RE2."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, compiled: Any, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled = compiled

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        end = len(text) if endpos is None else endpos
        try:
            return self._compiled.search(text, pos, end)
        except UnicodeEncodeError:
            return self._compiled.search(_encodable(text), pos, end)

    def match(self, text: str) -> Any:
        try:
            return self._compiled.match(text)
        except UnicodeEncodeError:
            return self._compiled.match(_encodable(text))

    def fullmatch(self, text: str) -> Any:
        try:
            return self._compiled.fullmatch(text)
        except UnicodeEncodeError:
            return self._compiled.fullmatch(_encodable(text))

    def finditer(self, text: str) -> Iterator[Any]:
        try:
            return iter(list(self._compiled.finditer(text)))
        except UnicodeEncodeError:
            return iter(list(self._compiled.finditer(_encodable(text))))

    def __repr__(self) -> str:
        return f"Re2Pattern({self.pattern!r})"


def _encodable(text: str) -> str:
    """RE2 matches UTF-8: a lone surrogate (YAML's "\\ud800") becomes "?", one
    character for one, so match positions stay those of the original text."""
    return text.encode("utf-8", "replace").decode("utf-8")


#: What `compile` returns: both have `.pattern`, `.search`, `.match`, `.finditer`.
Pattern: TypeAlias = "re.Pattern[str] | Re2Pattern"


def _to_re2(pattern: str) -> str:
    """Python's `\\Z` is RE2's `\\z`; everything else is written the same."""
    if "\\Z" not in pattern:
        return pattern
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            out.append("\\z" if pair == "\\Z" else pair)
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


_SUPPORTED_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL


@lru_cache(maxsize=1024)
def _compile_re2(pattern: str, flags: int) -> Re2Pattern:
    try:
        import re2
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise re.error(
            "user-supplied patterns need the google-re2 package (pip install google-re2)"
        ) from None
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not flags & re.IGNORECASE
    options.dot_nl = bool(flags & re.DOTALL)
    prefix = "(?m)" if flags & re.MULTILINE else ""
    try:
        compiled = re2.compile(prefix + _to_re2(pattern), options)
    except re2.error as exc:
        first = exc.args[0] if exc.args else exc
        reason = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first)
        raise re.error(
            f"{reason} (patterns from the site and its config run on RE2, which has no "
            "look-around or backreferences, so no pattern can take exponential time)"
        ) from None
    return Re2Pattern(pattern, compiled, flags)


def compile(pattern: str, flags: int = 0) -> re.Pattern[str] | Re2Pattern:
    """`re.compile` for shipped patterns, RE2 for everything else.

    Raises `re.error` for a pattern neither engine accepts (Python's syntax is
    checked first, so messages about ordinary mistakes are Python's)."""
    if flags & ~_SUPPORTED_FLAGS:
        raise ValueError(f"unsupported regex flags: {flags}")
    python = re.compile(pattern, flags)  # syntax errors worded as everywhere else
    if pattern in _TRUSTED:
        return python
    return _compile_re2(pattern, flags)


def check(pattern: str) -> str | None:
    """Why a user-supplied pattern cannot be used, or None if it can."""
    try:
        re.compile(pattern)
        if pattern not in _TRUSTED:
            _compile_re2(pattern, 0)
    except re.error as exc:
        return str(exc)
    return None


class _LazyPattern:
    """A pattern compiled on first use (see `lazy`)."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(*self._args)
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A shipped module-level pattern that many runs never use, compiled on first
    use: compiling is most of a module's import cost, and a one-page run imports
    every module. Only its methods and attributes are used (`.search(...)`), never
    the object itself (`re.sub(PATTERN, ...)` needs a real `re.Pattern`)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))


__all__ = [
    "Pattern",
    "Re2Pattern",
    "check",
    "compile",
    "is_trusted",
    "lazy",
    "trust",
    "trust_strings",
]
