"""YAML front matter with the position of every key and list item.

The YAML is composed once into PyYAML nodes (the C loader when present), the
nodes give positions, and the same loader constructs the data. Aliases are
counted before anything is expanded, so a "billion laughs" document is refused
in bounded time and memory instead of being walked. The plainest front matter
(`key: value` rows, one-line list items) is read by `plain_yaml` instead, to the
same data and the same positions; front matter with block scalars and lists of
mappings by `block_yaml`, to the same data and, when a position is asked for, the
same positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

from finops_lint.parsing.block_yaml import block_positions, read_block_mapping
from finops_lint.parsing.plain_yaml import plain_positions, read_plain_mapping

try:  # the C loader is about ten times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]

_OPEN_RE = re.compile(r"---[ \t]*\n")
#: The closing fence, "---" or "..." alone on a line (spaces and tabs after it), found
#: by the newline before it: `^...$` with re.MULTILINE has no literal prefix, so
#: `re` tries a match at every character of the front matter (8x the instructions
#: on the corpus; every page's front matter is split once or twice per run).
_CLOSE_RE = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?=\n|\Z)")

#: Values that YAML aliases may add beyond those written out, above which the YAML
#: is refused as an alias bomb. A document without aliases is never refused for
#: its size (its size is bounded by the file's).
MAX_EXPANDED_NODES = 50_000
#: Nesting depth above which front matter is refused.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in the page."""

    line: int
    column: int


@dataclass(frozen=True)
class YamlProblem:
    """Why a page's front matter is not valid YAML, and where."""

    message: str
    line: int
    column: int


@dataclass
class FrontMatter:
    """The front matter block of a page.

    ``present`` is False for a page without front matter (Jekyll copies such a
    file as a static file). Lines are 1-based lines of the whole page.
    """

    present: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    raw: str = ""
    start_line: int = 1
    end_line: int | None = None
    body_start_line: int = 1
    body_offset: int = 0
    error: YamlProblem | None = None
    unterminated: bool = False
    not_a_mapping: bool = False
    duplicate_keys: list[tuple[str, Position, Position]] = field(default_factory=list)
    #: the composed YAML node and line offset; positions are computed on first use
    _node: Any = field(default=None, repr=False)
    _offset: int = 0
    #: read without PyYAML (`plain_yaml`): positions come from its rows
    _plain: bool = field(default=False, repr=False)
    #: read without PyYAML (`block_yaml`): positions come from reading its rows again
    _block: bool = field(default=False, repr=False)
    _keys: PositionTable | None = field(default=None, repr=False)
    _values: PositionTable | None = field(default=None, repr=False)

    @property
    def key_positions(self) -> PositionTable:
        if self._keys is None:
            if self._plain or self._block:  # read without PyYAML: its reader says where
                keys, values = (plain_positions if self._plain else block_positions)(self.raw)
            else:
                keys, values = {}, {}
                if self._node is not None:
                    _record_positions(self._node, keys, values)
            self._keys = PositionTable(keys, self._offset)
            self._values = PositionTable(values, self._offset)
        return self._keys

    @property
    def value_positions(self) -> PositionTable:
        self.key_positions  # noqa: B018  (computes both)
        assert self._values is not None
        return self._values

    def position(self, path: KeyPath) -> Position:
        """Where a key (or list item) is; falls back to its parent, then the opening fence."""
        while path:
            pos = self.key_positions.at(path)
            if pos is not None:
                return pos
            path = path[:-1]
        return Position(self.start_line, 1)

    def value_position(self, path: KeyPath) -> Position:
        return self.value_positions.at(path) or self.position(path)


class PositionTable(Mapping[KeyPath, Position]):
    """Where keys or values are, as the front matter's reader noted them, (0-based
    row, 0-based column) of the YAML text, made `Position`s in the page (its line
    offset added) when looked up: a page's front matter has up to hundreds of keys
    and items, a finding asks where one or two are."""

    __slots__ = ("_marks", "_offset")

    def __init__(self, marks: dict[KeyPath, tuple[int, int]], offset: int) -> None:
        self._marks = marks
        self._offset = offset

    def __getitem__(self, path: KeyPath) -> Position:
        row, column = self._marks[path]
        return Position(row + self._offset, column + 1)

    def at(self, path: KeyPath) -> Position | None:
        """`get`, without a KeyError raised and caught for a path not there."""
        mark = self._marks.get(path)
        return None if mark is None else Position(mark[0] + self._offset, mark[1] + 1)

    def __contains__(self, path: object) -> bool:
        return path in self._marks

    def __iter__(self) -> Iterator[KeyPath]:
        return iter(self._marks)

    def __len__(self) -> int:
        return len(self._marks)


def dotted_key(path: KeyPath) -> str:
    """("product-resources", 0, "url") -> "product-resources[0].url"."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def split_front_matter(text: str) -> FrontMatter:
    """Find the front matter block (Jekyll's rule) without parsing the YAML."""
    fm = FrontMatter()
    if not text.startswith("---"):
        return fm
    opening = _OPEN_RE.match(text)
    if opening is None:
        if text.rstrip(" \t") in ("---", "---\n"):
            # A page that is only "---": an opening fence and nothing else.
            fm.present = True
            fm.unterminated = True
            fm.body_start_line = 2
            fm.body_offset = len(text)
        return fm
    fm.present = True
    yaml_start = opening.end()
    close = _CLOSE_RE.search(text, yaml_start - 1)  # from the "\n" ending the opening fence
    # An empty block: the closing fence directly after the opening one.
    if close is None:
        fm.unterminated = True
        fm.raw = text[yaml_start:]
        fm.body_start_line = 2
        fm.body_offset = yaml_start
        return fm
    fence = close.start() + 1
    fm.raw = text[yaml_start:fence]
    fm.end_line = text.count("\n", 0, fence) + 1
    end = close.end()
    if end < len(text) and text[end] == "\n":
        end += 1
    fm.body_offset = end
    fm.body_start_line = fm.end_line + 1
    return fm


class ReadFrontMatter(NamedTuple):
    """A page's front matter read without PyYAML (`read_without_yaml`) by a process that
    read the page before (the Site's read-ahead), for a later parse of the same text
    to take instead of reading it again. `raw_hash` and `raw_len` (`hash` and `len`
    of the front matter's text) tell that the text is the same."""

    data: dict[str, Any]
    plain: bool
    raw_hash: int
    raw_len: int


def read_without_yaml(raw: str) -> tuple[dict[str, Any], bool] | None:
    """The front matter's data as PyYAML reads it, read by `plain_yaml` (then True) or
    `block_yaml` (False); None when neither reads it for certain."""
    plain = read_plain_mapping(raw)
    if plain is not None:  # what PyYAML reads, without aliases, nesting or repeats
        return plain, True
    more = read_block_mapping(raw)
    if more is not None:  # the same, with block scalars and lists of mappings
        return more, False
    return None


def read_ahead(raw: str) -> ReadFrontMatter | None:
    """`read_without_yaml` of a front matter's text, kept for `parse_front_matter`."""
    read = read_without_yaml(raw)
    if read is None:
        return None
    return ReadFrontMatter(read[0], read[1], hash(raw), len(raw))


def parse_front_matter(text: str, ready: ReadFrontMatter | None = None) -> FrontMatter:
    """Split and parse a page's front matter, keeping positions of keys and items.
    `ready`: the same text's front matter read before (used when the text matches)."""
    fm = split_front_matter(text)
    if not fm.present or fm.unterminated or not fm.raw.strip():
        return fm
    offset = fm.start_line + 1
    if ready is not None and ready.raw_len == len(fm.raw) and ready.raw_hash == hash(fm.raw):
        fm.data, fm._offset = ready.data, offset
        fm._plain, fm._block = ready.plain, not ready.plain
        return fm
    _load_yaml(fm, line_offset=offset)
    return fm


class _Positions(Mapping[KeyPath, Position]):
    """A document's key positions, computed on the first look-up (a config's are
    read only to place an error; the built-in profile is long)."""

    def __init__(self, fm: FrontMatter) -> None:
        self._fm = fm

    def __getitem__(self, path: KeyPath) -> Position:
        return self._fm.key_positions[path]

    def __iter__(self) -> Iterator[KeyPath]:
        return iter(self._fm.key_positions)

    def __len__(self) -> int:
        return len(self._fm.key_positions)


def load_yaml_with_positions(
    text: str, line_offset: int = 1
) -> tuple[Any, Mapping[KeyPath, Position], YamlProblem | None]:
    """Parse any YAML document (config files too) with key positions (computed when
    first looked up), never raising."""
    fm = FrontMatter(present=True, raw=text, start_line=line_offset - 1)
    _load_yaml(fm, line_offset, require_mapping=False)
    if fm._node is None and fm.error is None and text.strip():
        fm._node, fm._offset = _compose(text), line_offset
    return fm.data if fm.error is None else None, _Positions(fm), fm.error


def load_yaml_node(text: str) -> tuple[yaml.Node | None, YamlProblem | None]:
    """Any YAML document's node tree (None: it cannot be composed) and what
    `load_yaml_with_positions` finds wrong with it, composing it once for both."""
    fm = FrontMatter(present=True, raw=text, start_line=0)
    _load_yaml(fm, 1, require_mapping=False)
    node = fm._node
    if node is None and fm.error is not None:  # (a size problem: the tree was not kept)
        try:
            node = _compose(text)
        except yaml.YAMLError:
            node = None
    return node, fm.error


def _compose(text: str) -> Any:
    """The YAML's node tree (positions), nothing constructed."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _load_yaml(fm: FrontMatter, line_offset: int, require_mapping: bool = True) -> None:
    if require_mapping:
        read = read_without_yaml(fm.raw)
        if read is not None:
            fm.data, fm._offset = read[0], line_offset
            fm._plain, fm._block = read[1], not read[1]
            return
    loader = _Loader(fm.raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return
        if _may_be_large(fm.raw):
            problem = _check_size(node, line_offset)
            if problem is not None:
                fm.error = problem
                return
        if not isinstance(node, yaml.MappingNode) and require_mapping:
            fm.not_a_mapping = True
            fm.error = YamlProblem(
                f"front matter must be a mapping of keys to values, not a {_kind(node)}",
                node.start_mark.line + line_offset,
                node.start_mark.column + 1,
            )
            return
        fm._node = node
        fm._offset = line_offset
        _find_duplicates(fm, node, line_offset)
        data: Any = _construct(loader, node) if "*" not in fm.raw else _NO_FAST_PATH
        if data is _NO_FAST_PATH:
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last_line = fm.raw.count("\n")
        if (
            exc.context_mark is not None
            and mark is not None
            and (mark.line >= last_line or "end of the stream" in str(exc.problem))
        ):
            # "expected ']' but got end of stream": the line to edit is where it opened.
            mark = exc.context_mark
        line = (mark.line + line_offset) if mark is not None else fm.start_line
        col = (mark.column + 1) if mark is not None else 1
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if "\t" in fm.raw and "tab" in message:
            message += " (YAML does not allow tabs for indentation)"
        fm.error = YamlProblem(f"invalid YAML: {message}", line, col)
        return
    except yaml.YAMLError as exc:
        fm.error = YamlProblem(f"invalid YAML: {exc}", fm.start_line, 1)
        return
    except RecursionError:
        fm.error = YamlProblem("invalid YAML: nesting is too deep", fm.start_line, 1)
        return
    except (ValueError, TypeError, OverflowError) as exc:
        # A scalar YAML resolves to a type but cannot build, e.g. the date 2024-13-45.
        fm.error = YamlProblem(f"invalid YAML: a value cannot be read ({exc})", fm.start_line, 1)
        return
    finally:
        loader.dispose()
    if not require_mapping and not isinstance(data, dict):
        fm.data = data
    elif isinstance(data, dict):
        # Keys that are not strings (numbers, dates) are kept as Jekyll sees them: strings.
        fm.data = {str(k): v for k, v in data.items()}


def load_yaml(raw: str) -> Any:
    """`yaml.load(raw, CSafeLoader)`, with the fast constructor below: the same value,
    or the same exception."""
    loader = _Loader(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        data = _construct(loader, node) if "*" not in raw else _NO_FAST_PATH
        return loader.construct_document(node) if data is _NO_FAST_PATH else data
    finally:
        loader.dispose()


_NO_FAST_PATH = object()
_TAG = "tag:yaml.org,2002:"
#: Scalar tags the resolver gives plain scalars, built by PyYAML's own constructors.
_SCALAR_TAGS = frozenset(_TAG + t for t in ("null", "bool", "int", "float", "timestamp"))


class _Slow(Exception):
    """Something the fast constructor leaves to PyYAML's."""


def _construct(loader: Any, node: yaml.Node) -> Any:
    """The data PyYAML's SafeConstructor builds from a document without aliases,
    about three times faster (no generators, no bookkeeping per node); on anything
    else (merge keys, `=`, explicit tags, unhashable keys, a value that cannot be
    built) _NO_FAST_PATH, and the caller asks PyYAML, which builds it or raises its
    own error."""
    try:
        return _build(loader, node)
    except Exception:  # PyYAML's constructor gives the real answer
        return _NO_FAST_PATH


def _build(loader: Any, node: yaml.Node) -> Any:
    kind = type(node)
    tag = node.tag
    if kind is yaml.ScalarNode:
        if tag == _TAG + "str":
            return node.value
        if tag in _SCALAR_TAGS:
            return loader.yaml_constructors[tag](loader, node)
        raise _Slow(tag)
    if kind is yaml.MappingNode and tag == _TAG + "map":
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag not in _SCALAR_TAGS and key_node.tag != _TAG + "str":
                raise _Slow(key_node.tag)  # "<<", "=", a mapping or list as a key
            out[_build(loader, key_node)] = _build(loader, value_node)
        return out
    if kind is yaml.SequenceNode and tag == _TAG + "seq":
        return [_build(loader, item) for item in node.value]
    raise _Slow(tag)


def _may_be_large(raw: str) -> bool:
    """Cheap test: only YAML with aliases, long text or much nesting needs the size walk."""
    return (
        ("&" in raw and "*" in raw)
        or len(raw) > 16384
        or raw.count("[") + raw.count("{") > 64
        or raw.count("- ") > 256
    )


def _find_duplicates(fm: FrontMatter, node: yaml.Node, offset: int) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[str, Position] = {}
    for key_node, _value in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
            continue
        key = str(key_node.value)
        pos = Position(key_node.start_mark.line + offset, key_node.start_mark.column + 1)
        if key in seen:
            fm.duplicate_keys.append((key, seen[key], pos))
        seen[key] = pos


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "list"
    if isinstance(node, yaml.ScalarNode):
        return "single value"
    return "mapping"


def _check_size(root: yaml.Node, line_offset: int) -> YamlProblem | None:
    """Refuse alias bombs and very deep nesting before constructing anything.

    The expanded size of each node is computed once per distinct node (shared
    alias targets are memoised), so the check is linear in the YAML text. What
    counts is how much aliases add: a subtree whose expansion exceeds the number
    of distinct nodes seen so far by more than MAX_EXPANDED_NODES. Without
    aliases every node is seen once, so a large plain document always passes.
    """
    sizes: dict[int, int] = {}
    # Iterative post-order walk: (node, depth, children_done)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            limit = MAX_EXPANDED_NODES + len(sizes) + 1  # distinct nodes written out
            total = 1
            for child in _children(node):
                total += sizes.get(id(child), 1)
                if total > limit:
                    break
            sizes[key] = total
            if total > limit:
                return YamlProblem(
                    "front matter expands to more than "
                    f"{MAX_EXPANDED_NODES:,} values through YAML aliases; refused (alias bomb)",
                    node.start_mark.line + line_offset,
                    node.start_mark.column + 1,
                )
            continue
        if key in sizes:
            continue
        if depth > MAX_DEPTH:
            return YamlProblem(
                f"front matter is nested more than {MAX_DEPTH} levels deep; refused",
                node.start_mark.line + line_offset,
                node.start_mark.column + 1,
            )
        if key in on_path:  # a recursive alias; PyYAML allows it, we refuse it
            return YamlProblem(
                "front matter contains a recursive YAML alias; refused",
                node.start_mark.line + line_offset,
                node.start_mark.column + 1,
            )
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        out: list[yaml.Node] = []
        for k, v in node.value:
            out.append(k)
            out.append(v)
        return out
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _record_positions(
    node: yaml.Node, keys: dict[KeyPath, tuple[int, int]], values: dict[KeyPath, tuple[int, int]]
) -> None:
    """Note where each key and value of the composed YAML starts (its marks)."""
    seen_ids: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath]] = [(node, ())]
    while stack:
        current, cur_path = stack.pop()
        if id(current) in seen_ids:  # an alias: positions of the anchor are enough
            continue
        seen_ids.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                if key == "<<":
                    continue
                child = (*cur_path, key)
                keys[child] = (key_node.start_mark.line, key_node.start_mark.column)
                values[child] = (value_node.start_mark.line, value_node.start_mark.column)
                stack.append((value_node, child))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                child = (*cur_path, index)
                keys[child] = values[child] = (item.start_mark.line, item.start_mark.column)
                stack.append((item, child))
