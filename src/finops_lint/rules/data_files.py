"""`_data/` files: what Jekyll loads into `site.data` (YAML, JSON, CSV, TSV).

Jekyll reads every file under `_data/` at the start of a build; one it cannot
parse stops the build, and a key given twice silently keeps the last value.
`.json` files are read with the YAML reader (JSON is YAML; a trailing comma is
accepted), `.csv`/`.tsv` with Ruby's CSV, which refuses a quote inside an
unquoted field that Python's reader accepts. The engine hands these files to rules as
text Documents (`doc.is_text`); the rules parse `doc.text`, never the disk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import yaml

from finops_lint.document import Document, name_parts
from finops_lint.parsing.frontmatter import YamlProblem, load_yaml_node
from finops_lint.rules.base import Issue, RuleContext, rule

DATA_SUFFIXES = {".yml": "yaml", ".yaml": "yaml", ".json": "json", ".csv": "csv", ".tsv": "tsv"}


def data_format(doc: Document) -> str | None:
    """'yaml', 'json', 'csv' or 'tsv' for a `_data/` file Jekyll loads, else None."""
    if not doc.is_text or not doc.rel_path.startswith("_data/"):
        return None
    return DATA_SUFFIXES.get(name_parts(doc.rel_path)[1].lower())


def _has_conflict_markers(doc: Document) -> bool:
    return any(line.startswith(("<<<<<<<", ">>>>>>>")) for line in doc.lines)


def _csv_problem(text: str, delimiter: str) -> tuple[int, str] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for _row in reader:
            pass
    except csv.Error as exc:
        return max(1, reader.line_num), str(exc)
    bad = _illegal_quote(text, delimiter)
    if bad is not None:
        # Ruby's CSV (Jekyll's reader) refuses what Python's accepts
        return bad[0], f"illegal quoting in the unquoted field '{bad[1]}'"
    return None


def _illegal_quote(text: str, delimiter: str) -> tuple[int, str] | None:
    """(line, field) of the first unquoted field with a quote inside it ('a"b')."""
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':  # a quoted field (it may span lines): skip past its close
            i += 1
            while i < n:
                if text[i] == '"':
                    if text.startswith('""', i):
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            while i < n and text[i] not in (delimiter, "\n"):
                i += 1  # "x"y: Python's strict reader reports this one
        else:
            start = i
            while i < n and text[i] not in (delimiter, "\n"):
                i += 1
            field = text[start:i]
            if '"' in field:
                return text.count("\n", 0, start) + 1, field.strip()
        i += 1
    return None


@rule(
    "FM008",
    "invalid-data-file",
    "error",
    "A _data/ file (YAML, JSON, CSV) that cannot be parsed: Jekyll stops the build.",
    needs=("text-file",),
)
def invalid_data_file(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds `_data/` files Jekyll cannot read: invalid YAML (a tab, an unclosed
    quote or bracket, a bad indent), JSON that is not even YAML (a missing comma
    between two objects; Jekyll reads `.json` data as YAML, so a trailing comma
    is fine), a CSV/TSV with an unclosed quote or a quote inside an unquoted field.

    **Why it matters:** Jekyll loads every data file before it renders anything,
    and a parse error ends the build: no page of the site is published.

    **Bad:**
    ```yaml
    - name: Ana
      role: "Chair
    ```

    **Good:** `role: "Chair"`.

    **Precision:** a file with merge-conflict markers is PH006's finding.
    """
    kind = data_format(doc)
    if kind is None or not doc.text.strip() or _has_conflict_markers(doc):
        return
    if kind in ("yaml", "json"):
        _node, problem = _load(doc, ctx)
        if problem is not None:
            message = problem.message
            if kind == "json":
                message = message.replace("invalid YAML", "invalid JSON (read as YAML)")
            yield Issue(problem.line, problem.column, f"{message}; Jekyll stops the build")
    else:
        bad = _csv_problem(doc.text, "\t" if kind == "tsv" else ",")
        if bad is not None:
            line, message = bad
            yield Issue(line, 1, f"invalid {kind.upper()}: {message}; Jekyll stops the build")


def _load(doc: Document, ctx: RuleContext) -> tuple[yaml.Node | None, YamlProblem | None]:
    """The data file's YAML tree and what is wrong with it (`load_yaml_node`), for
    FM008 and FM009 both: composing a data file's YAML is most of their cost."""
    return ctx.memo(("data file YAML",), lambda: load_yaml_node(doc.text))


def _yaml_duplicates(root: yaml.Node | None) -> list[tuple[str, int, int, int]]:
    """(key, line, column, first line) of every key repeated in one YAML mapping."""
    out = []
    stack = [root] if root is not None else []
    seen_nodes: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    line = key.start_mark.line + 1
                    if key.value in first:
                        out.append((key.value, line, key.start_mark.column + 1, first[key.value]))
                    else:
                        first[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(out, key=lambda d: (d[1], d[2]))


def _csv_duplicates(text: str, delimiter: str) -> list[tuple[str, int, int, int]]:
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []
    out = []
    seen: set[str] = set()
    col = 1
    for name in header:
        if name in seen and name.strip():
            out.append((name, 1, col, 1))
        seen.add(name)
        col += len(name) + 1
    return out


@rule(
    "FM009",
    "duplicate-data-key",
    "error",
    "A key given twice in one mapping of a _data/ file (or a CSV header): one value is lost.",
    needs=("text-file",),
)
def duplicate_data_key(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds keys repeated in one mapping of a `_data/` YAML or JSON file, at any
    depth (two `name:` in one person's entry), and columns repeated in a CSV/TSV
    header.

    **Why it matters:** Jekyll keeps the last value and drops the other without a
    warning, so an edit to the first one never shows on the site.

    **Bad:**
    ```yaml
    - name: Ana Lopez
      title: Chair
      title: Vice chair
    ```

    **Good:** one `title:`.
    """
    kind = data_format(doc)
    if kind is None or not doc.text.strip() or _has_conflict_markers(doc):
        return
    if kind in ("yaml", "json"):
        found = _yaml_duplicates(_load(doc, ctx)[0])
    else:
        found = _csv_duplicates(doc.text, "\t" if kind == "tsv" else ",")
    for key, line, col, first in found:
        if kind in ("csv", "tsv"):
            message = (
                f"duplicate header column '{key}': Jekyll keeps only the first column's values"
            )
        else:
            message = (
                f"duplicate key '{key}' (first at line {first}): Jekyll keeps only the last value"
            )
        yield Issue(line, col, message)
