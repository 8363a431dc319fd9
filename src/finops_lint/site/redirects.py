"""Netlify redirect rules (``_redirects`` and ``[[redirects]]`` in ``netlify.toml``).

Matching follows Netlify's documented behaviour:

* rules are tried top to bottom, ``_redirects`` before ``netlify.toml``; the
  first rule whose ``from`` matches wins;
* paths match whether or not they end in a slash (Netlify normalises the
  trailing slash before matching);
* ``*`` at the end of ``from`` is a splat, reused in ``to`` as ``:splat``;
  ``:name`` matches one path segment and is substituted in ``to``;
* ``from`` may be a full URL; the rule then only applies on that host (this is
  how a domain alias is redirected onto the main site);
* a rule without the ``!`` force flag (``force = true``) is *shadowed* by a
  file that exists at the path: the file is served instead;
* status 301/302/303/307/308 redirect; 200 rewrites (the target's content is
  served at the requested URL); 404/410 and other errors serve the target as an
  error page, so the URL counts as missing;
* query parameters named in a rule must be present; rules with conditions
  (``Country=``, ``Language=``, ``Role=``, ``Cookie=``) depend on the visitor and
  are never applied offline.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from finops_lint.parsing.links import is_http_url

Problem = tuple[str, int, str]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CONDITION_KEYS = frozenset({"country", "language", "role", "cookie"})


@dataclass
class RedirectRule:
    """One rule of a Netlify `_redirects` file (or netlify.toml), where it was written."""

    source: str  # file the rule came from
    line: int
    from_path: str  # path part of ``from`` (starts with "/")
    to: str  # target path or URL, may hold :splat / :name
    status: int = 301
    force: bool = False
    host: str | None = None  # host of a full-URL ``from`` (lower case), else None
    query: dict[str, str] = field(default_factory=dict)
    conditional: bool = False
    _regex: re.Pattern[str] | None = None
    #: what every path the rule matches starts with (the text before a placeholder)
    _literal: str = ""

    def __post_init__(self) -> None:
        self._regex, self._literal = _compile(self.from_path)

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES

    @property
    def external(self) -> bool:
        return is_http_url(self.to)

    def match(self, path: str, query: dict[str, str] | None = None) -> str | None:
        """The target this rule gives ``path`` (placeholders filled), or None."""
        if self.conditional or self._regex is None or not path.startswith(self._literal):
            return None  # (most rules a path is tried against: the regex not run)
        found = self._regex.match(path)
        if found is None:
            return None
        values = {k: v for k, v in found.groupdict().items() if v is not None}
        if self.query:
            query = query or {}
            for key, value in self.query.items():
                if key not in query:
                    return None
                if value.startswith(":"):
                    values[value[1:]] = query[key]
                elif query[key] != value:
                    return None
        splat = values.pop("splat", None)

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "splat":
                return splat or ""
            return values.get(name, m.group(0))

        return _PLACEHOLDER.sub(fill, self.to)


#: a `:name` placeholder in a rule's from or to
_PLACEHOLDER = re.compile(r":([A-Za-z_]\w*)")


def _compile(from_path: str) -> tuple[re.Pattern[str] | None, str]:
    """The rule's pattern for a path (None: a "*" not at the end, which Netlify does
    not match), and the literal text every match starts with."""
    path = from_path
    splat = path.endswith("*")
    if splat:
        path = path[:-1]
    if "*" in path:
        return None, ""
    stem = path.rstrip("/") if (splat or path != "/") else path
    first = _PLACEHOLDER.search(stem)
    literal = stem[: first.start()] if first is not None else stem
    parts: list[str] = []
    pos = 0
    # A name given twice (or "splat" before a "*") matches a segment the first one's
    # value stands for: a second group of one name is no pattern re compiles.
    named = {"splat"} if splat else set()
    for m in _PLACEHOLDER.finditer(stem):
        parts.append(re.escape(stem[pos : m.start()]))
        name = m.group(1)
        parts.append("[^/]+" if name in named else f"(?P<{name}>[^/]+)")
        named.add(name)
        pos = m.end()
    parts.append(re.escape(stem[pos:]))
    body = "".join(parts)
    if splat:
        if path.endswith("/"):
            # "/news/*" matches "/news", "/news/" and "/news/anything/below"
            return re.compile(f"^{body}(?:/(?P<splat>.*))?$"), literal
        return re.compile(f"^{body}(?P<splat>.*)$"), literal
    if stem == "/" or stem == "":
        return re.compile("^/$"), "/"
    return re.compile(f"^{body}/?$"), literal


def parse_redirects_file(
    text: str, source: str = "_redirects"
) -> tuple[list[RedirectRule], list[Problem]]:
    rules: list[RedirectRule] = []
    problems: list[Problem] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        tokens = raw.split()
        # A comment starts at a token beginning with "#" (a "#" inside a URL is kept).
        for n, token in enumerate(tokens):
            if token.startswith("#"):
                tokens = tokens[:n]
                break
        if not tokens:
            continue
        line = " ".join(tokens)
        if len(tokens) < 2:
            problems.append(
                (source, lineno, f"redirect rule needs a source and a target: {line!r}")
            )
            continue
        from_url = tokens[0]
        i = 1
        query: dict[str, str] = {}
        while i < len(tokens) and "=" in tokens[i] and not _looks_like_target(tokens[i]):
            key, _, value = tokens[i].partition("=")
            query[key] = value
            i += 1
        if i >= len(tokens):
            problems.append((source, lineno, f"redirect rule has no target: {line!r}"))
            continue
        to = tokens[i]
        i += 1
        status = 301
        force = False
        conditional = False
        if i < len(tokens) and re.fullmatch(r"\d{3}!?", tokens[i]):
            status = int(tokens[i][:3])
            force = tokens[i].endswith("!")
            i += 1
        for extra in tokens[i:]:
            key = extra.partition("=")[0].lower()
            if "=" in extra and key in _CONDITION_KEYS:
                conditional = True
            else:
                problems.append(
                    (
                        source,
                        lineno,
                        f"unexpected {extra!r} in redirect rule (expected a status"
                        " such as 301 or 301!, or a condition such as Country=us)",
                    )
                )
        rule = _make_rule(source, lineno, from_url, to, status, force, query, conditional, problems)
        if rule is not None:
            rules.append(rule)
    return rules, problems


def _looks_like_target(token: str) -> bool:
    return token.startswith("/") or is_http_url(token)


def _make_rule(
    source: str,
    lineno: int,
    from_url: str,
    to: str,
    status: int,
    force: bool,
    query: dict[str, str],
    conditional: bool,
    problems: list[Problem],
) -> RedirectRule | None:
    host: str | None = None
    from_path = from_url
    if is_http_url(from_url):
        parts = urlsplit(from_url)
        host = (parts.hostname or "").lower() or None
        from_path = parts.path or "/"
    elif from_url.startswith("//"):
        parts = urlsplit("https:" + from_url)
        host = (parts.hostname or "").lower() or None
        from_path = parts.path or "/"
    if not from_path.startswith("/"):
        problems.append(
            (source, lineno, f"redirect source must start with '/' or be a full URL: {from_url!r}")
        )
        return None
    if "*" in from_path[:-1]:
        problems.append(
            (source, lineno, f"'*' is only allowed at the end of a redirect source: {from_url!r}")
        )
        return None
    if not (_looks_like_target(to) or to.startswith(":")):
        problems.append(
            (source, lineno, f"redirect target must start with '/' or be a full URL: {to!r}")
        )
        return None
    if not 100 <= status <= 599:
        problems.append((source, lineno, f"invalid status code {status}"))
        return None
    return RedirectRule(source, lineno, from_path, to, status, force, host, query, conditional)


# ------------------------------------------------------------------ netlify.toml


def parse_netlify_toml(
    text: str, source: str = "netlify.toml"
) -> tuple[list[RedirectRule], list[Problem]]:
    problems: list[Problem] = []
    data: dict[str, Any]
    try:
        data = _load_toml(text)
    except ValueError as exc:
        message = str(exc)
        m = re.search(r"line (\d+)", message)
        problems.append((source, int(m.group(1)) if m else 1, f"invalid TOML: {message}"))
        return [], problems
    entries = data.get("redirects", [])
    if not isinstance(entries, list):
        problems.append((source, 1, "`redirects` must be an array of tables ([[redirects]])"))
        return [], problems
    lines = [
        i
        for i, line in enumerate(text.splitlines(), 1)
        if line.strip().replace(" ", "") == "[[redirects]]"
    ]
    rules: list[RedirectRule] = []
    for n, entry in enumerate(entries):
        lineno = lines[n] if n < len(lines) else 1
        if not isinstance(entry, dict):
            problems.append((source, lineno, "a [[redirects]] entry must be a table"))
            continue
        from_url, to = entry.get("from"), entry.get("to")
        if not isinstance(from_url, str) or not isinstance(to, str):
            problems.append((source, lineno, "a [[redirects]] entry needs string `from` and `to`"))
            continue
        status = entry.get("status", 301)
        if not isinstance(status, int) or isinstance(status, bool):
            problems.append((source, lineno, "`status` must be an integer"))
            continue
        query_raw = entry.get("query") or {}
        query = (
            {str(k): str(v) for k, v in query_raw.items()} if isinstance(query_raw, dict) else {}
        )
        conditional = bool(entry.get("conditions"))
        rule = _make_rule(
            source,
            lineno,
            from_url,
            to,
            status,
            bool(entry.get("force", False)),
            query,
            conditional,
            problems,
        )
        if rule is not None:
            rules.append(rule)
    return rules, problems


def _load_toml(text: str) -> dict[str, Any]:
    """TOML as the standard library reads it (``tomli``, the same parser, on Python 3.10)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: the `tomli` dependency
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from exc
    return data
