"""Rules read the Document, the Site and the Workspace; they never write to them.

Every rule is run on the corpus and on every fixture folder (the whole folder as a
site, every rule selected) with its check wrapped: the state of the page's
Document (its attributes, and those of its blocks, headings, tables, links...),
of the Site and of the Workspace is taken before and after each call, and any
attribute a rule added, replaced or removed is a failure. A cached property of
the class itself (``functools.cached_property``, filled on first read) is the
one write allowed: the class decides what it derives and caches, not a rule.

What a rule needs computed once and shared goes through the RuleContext's memos
(``ctx.memo`` per page, ``ctx.run_memo`` for the run), which the engine owns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from finops_lint.document import Document
from finops_lint.engine import RunOptions, run
from finops_lint.findings import INTERNAL_ERROR
from finops_lint.rules.base import REGISTRY, Check, RuleContext, all_rules
from tests.corpus import framework_site
from tests.test_rule_fixtures import FIXTURES, build_site

State = dict[str, Any]


def _attributes(obj: object) -> dict[str, int]:
    """name -> id of the value, for every attribute the instance holds itself (slots
    and __dict__), leaving out what the class caches (a cached_property, or a slot
    `_name` behind a property `name`, filled on first read: TextBlock's text)."""
    cls = type(obj)
    out: dict[str, int] = {}
    for name in getattr(cls, "__slots__", ()):
        if isinstance(getattr(cls, name.removeprefix("_"), None), property):
            continue
        if hasattr(obj, name):
            out[name] = id(getattr(obj, name))
    for name, value in getattr(obj, "__dict__", {}).items():
        if isinstance(getattr(cls, name, None), cached_property):
            continue
        out[name] = id(value)
    return out


def _document_state(doc: Document) -> State:
    """The Document's attributes, and those of each part it holds in a list."""
    state: State = {"doc": _attributes(doc)}
    for field in dataclasses.fields(doc):
        value = getattr(doc, field.name)
        if isinstance(value, list):
            state[field.name] = [
                (id(part), _attributes(part))
                for part in value
                if hasattr(part, "__dict__") or hasattr(type(part), "__slots__")
            ]
    return state


def _state(doc: Document, ctx: RuleContext) -> State:
    state = {"document": _document_state(doc)}
    site = ctx.site
    if site is not None:
        state["site"] = _attributes(site)
    ws = ctx.workspace
    if ws is not None:
        state["workspace"] = _attributes(ws)
    return state


def _diff(before: State, after: State, where: str = "") -> Iterator[str]:
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            yield from _diff(a, b, f"{where}.{key}" if where else key)
        else:
            yield f"{where}.{key}" if where else key


def guard(code: str, check: Check, writes: list[str]) -> Check:
    """The check, noting in `writes` what it changed on the Document, Site or Workspace."""

    def checked(doc: Document, ctx: RuleContext) -> list[Any]:
        before = _state(doc, ctx)
        issues = list(check(doc, ctx))
        for what in _diff(before, _state(doc, ctx)):
            writes.append(f"{code} wrote {what} ({doc.rel_path})")
        return issues

    return checked


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every rule's check wrapped; returns the list the writes are noted in."""
    monkeypatch.setenv("FINOPS_LINT_JOBS", "1")  # one process: the wrappers see every call
    writes: list[str] = []
    for r in all_rules():
        monkeypatch.setitem(
            REGISTRY, r.code, dataclasses.replace(r, check=guard(r.code, r.check, writes))
        )
    return writes


def _every_rule() -> list[str]:
    return [r.code for r in all_rules() if r.code != INTERNAL_ERROR and not r.needs_network]


def _distinct(writes: list[str]) -> list[str]:
    """One line per rule and attribute (the page named is the first one seen)."""
    seen: dict[str, str] = {}
    for w in writes:
        seen.setdefault(w.split(" (")[0], w)
    return sorted(seen.values())


def test_rules_do_not_write_to_the_corpus_pages_or_site(
    guarded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = framework_site()
    monkeypatch.chdir(root)
    result = run(RunOptions(paths=[root], select=_every_rule(), cache=False))
    assert result.internal_errors == 0
    assert result.checked
    assert not _distinct(guarded), "\n".join(_distinct(guarded))


def test_rules_do_not_write_to_the_fixture_pages_or_site(
    guarded: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folders = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    assert folders
    for folder in folders:
        root = tmp_path / folder.name
        build_site(folder, root)
        result = run(RunOptions(paths=[root], root=root, select=_every_rule(), cache=False))
        assert result.internal_errors == 0, folder.name
    assert not _distinct(guarded), "\n".join(_distinct(guarded))


def test_the_guard_sees_a_write(tmp_path: Path) -> None:
    """The guard itself: a rule that stores on the Document, a block of it or the
    Workspace is caught; reading a cached property is not a write."""
    from finops_lint.config import load_config
    from finops_lint.document import parse_text
    from finops_lint.workspace import Workspace

    root = tmp_path / "site"
    build_site(FIXTURES / "HD001", root)
    config = load_config(root, None, search_from=root)
    ws = Workspace(root, config, tmp_path)
    doc = parse_text("# Title\n\nSome text.\n", "p.md", "p.md")

    def stores_on_the_document(doc: Document, ctx: RuleContext) -> Iterator[Any]:
        doc.__dict__["_mine"] = 1
        yield from ()

    def stores_on_a_block(doc: Document, ctx: RuleContext) -> Iterator[Any]:
        doc.blocks[0].raw += " "
        yield from ()

    def stores_on_the_workspace(doc: Document, ctx: RuleContext) -> Iterator[Any]:
        assert ctx.workspace is not None
        ctx.workspace.__dict__.setdefault("_ours", {})
        yield from ()

    def reads_only(doc: Document, ctx: RuleContext) -> Iterator[Any]:
        assert ctx.workspace is not None
        _ = ctx.workspace.layouts  # a cached property of the Workspace
        yield from ()

    writes: list[str] = []
    for check in (stores_on_the_document, stores_on_a_block, stores_on_the_workspace, reads_only):
        ctx = RuleContext(config, None, None, {}, ws)
        guard(check.__name__, check, writes)(doc, ctx)
    assert writes == [
        "stores_on_the_document wrote document.doc._mine (p.md)",
        "stores_on_a_block wrote document.blocks (p.md)",
        "stores_on_the_workspace wrote workspace._ours (p.md)",
    ]


def test_no_module_outside_the_rules_imports_a_rule_module() -> None:
    """The engine, extract, reports... use rules only through the registry
    (rules.base); what rules and others share lives outside the rules package."""
    import ast

    import finops_lint

    package = Path(finops_lint.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith("rules/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[:2] == ["finops_lint", "rules"] and parts[2:3] not in ([], ["base"]):
                    found.append(f"{rel}:{node.lineno} imports {name}")
    assert not found, "\n".join(found)


#: Names rules give the Document, the Site, the Workspace, the context and their parts.
SHARED_NAMES = frozenset(
    [
        "doc",
        "ctx",
        "site",
        "ws",
        "workspace",
        "other",
        "page",
        "template",
        "block",
        "heading",
        "section",
        "table",
        "row",
        "cell",
        "link",
        "fm",
        "front_matter",
    ]
)


def stores_on_shared_objects(folder: Path) -> list[str]:
    """`__dict__`, setattr/delattr, and attribute assignments to the shared names in the
    modules of a folder."""
    import ast

    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Attribute) and node.attr == "__dict__":
                found.append(f"{where} uses __dict__")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "delattr")
            ):
                found.append(f"{where} calls {node.func.id}")
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = (
                    node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                )
                for target in targets:
                    if not isinstance(target, ast.Attribute):
                        continue
                    root: ast.expr = target
                    while isinstance(root, (ast.Attribute, ast.Subscript)):
                        root = root.value
                    if isinstance(root, ast.Name) and root.id in SHARED_NAMES:
                        found.append(f"{where} assigns {ast.unparse(target)}")
    return found


def test_no_rule_module_stores_on_shared_objects() -> None:
    """The same rule, read from the source: no `__dict__`, `setattr` or assignment to an
    attribute of the Document, Site, Workspace, context or their parts in a rule module
    (the behavioural tests above see only the page being checked; this also covers the
    other pages a rule reads through the Workspace)."""
    import finops_lint.rules

    found = stores_on_shared_objects(Path(finops_lint.rules.__file__).parent)
    assert not found, "\n".join(found)
