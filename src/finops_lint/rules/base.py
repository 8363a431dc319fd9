"""The rule API: a rule is a function with its metadata and docs beside it.

A rule receives a parsed `Document` and a `RuleContext` (config, page type,
site) and yields `Issue`s: a position and a message. The engine turns issues
into `Finding`s, filling in the path, code, rule name and configured severity,
and applies suppression comments. Rules never read files.

Rules read the Document, the Site and the Workspace and never write to them
(tests/test_rule_purity.py checks it). What the page alone determines is a cached
property of the Document (`Document.block_texts`...); what a rule computes from
the page and the Site, or from other pages, and shares with other rules goes in
the memos the engine hands every rule: `ctx.memo` for this page, `ctx.run_memo`
for the whole run.

With the result cache (the default), `ctx.site` and `ctx.workspace` are recording
views (`cache/deps.py`): each read is a question whose answer the next run asks
again, to re-check the page only when an answer changed. A read the views do not
know still works, but then the page's cross-page findings are reused only while
no file of the site changed: a rule that needs a new kind of read should add a
question kind there (with the one function that answers it).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from finops_lint.findings import Fix, Related, Severity

if TYPE_CHECKING:
    from finops_lint.config import Config, PageType
    from finops_lint.document import Document
    from finops_lint.site import Site
    from finops_lint.workspace import Workspace


@dataclass
class Issue:
    """What a rule found; the engine adds path, code and severity."""

    line: int
    column: int
    message: str
    end_line: int | None = None
    end_column: int | None = None
    severity: Severity | None = None  # overrides the rule's severity for this one issue
    related: list[Related] = field(default_factory=list)
    fix: Fix | None = None


@dataclass(frozen=True)
class Option:
    """One typed setting of a rule: ``rules: {CODE: {name: value}}`` in a config.

    ``schema`` is a JSON Schema (draft 2020-12) for the value; the config schema's
    ``rules`` section is generated from these, and a config value is validated
    against it (file and line on error).
    """

    schema: dict[str, Any]
    default: Any
    description: str


T = TypeVar("T")


@dataclass
class RuleContext:
    """What a rule reads besides the page: the config, the Site, its options, memos."""

    config: Config
    page_type: PageType | None
    site: Site | None
    options: dict[str, Any]
    workspace: Workspace | None = None
    #: the engine's memo for this page, shared by every rule that checks it
    page_values: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    #: the engine's memo for the run (one per process), shared by every rule and page
    run_values: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per page, whichever rule asks first (say what `key` is:
        ``("LK links", ...)``). For what this page and the Site determine, such as
        where its links lead; what the page alone determines is a cached property
        of the Document."""
        if key in self.page_values:
            value: T = self.page_values[key]
            return value
        value = self.page_values[key] = compute()
        return value

    def run_memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per run, whichever page or rule asks first: for what
        other pages determine (a page type's shared sentences, whether pages render)."""
        if key in self.run_values:
            value: T = self.run_values[key]
            return value
        value = self.run_values[key] = compute()
        return value


Check = Callable[["Document", RuleContext], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its code, name, default severity, options and check."""

    code: str
    name: str
    severity: Severity
    summary: str
    docs: str
    check: Check
    fixable: bool = False
    #: "page" rules look at one Document; "site" rules also need the Site.
    scope: str = "page"
    #: off unless a config or profile turns it on
    default_enabled: bool = True
    #: runs only when the network may be used (``--external``)
    needs_network: bool = False
    #: typed settings with their defaults (``rules: {CODE: {option: value}}``)
    options: dict[str, Option] = field(default_factory=dict, hash=False)
    #: `PAGE_PARTS` the rule reads: on a page with none of them it finds nothing and
    #: reads nothing beyond the page, so it is not run there (empty: every page)
    needs: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return self.code[:2]

    @property
    def help_uri(self) -> str:
        """A stable URL of this rule's docs (its section of docs/rules.md)."""
        return f"{DOCS_URL}#{self.anchor}"

    @property
    def anchor(self) -> str:
        """The GitHub (and kramdown) id of the ``## CODE rule-name`` heading in docs/rules.md."""
        text = f"{self.code} {self.name}".lower()
        text = re.sub(r"[^\w\- ]", "", text)
        return text.replace(" ", "-")

    def option_values(self, configured: dict[str, Any] | None = None) -> dict[str, Any]:
        """Every option's value: the configured one, else its default."""
        values = {name: opt.default for name, opt in self.options.items()}
        if configured:
            values.update({k: v for k, v in configured.items() if k in self.options})
        return values


#: Where the rule docs live; each rule's help URI is this plus its anchor.
DOCS_URL = "https://github.com/finops-lint/finops-lint/blob/main/docs/rules.md"


REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    severity: str,
    summary: str,
    *,
    fixable: bool = False,
    scope: str = "page",
    default_enabled: bool = True,
    needs_network: bool = False,
    options: dict[str, Option] | None = None,
    needs: tuple[str, ...] = (),
) -> Callable[[Check], Check]:
    """Register a check function as a rule; its docstring is the rule's docs."""

    def register(func: Check) -> Check:
        if code in REGISTRY:
            raise ValueError(f"duplicate rule code {code}")
        unknown = [part for part in needs if part not in PAGE_PARTS]
        if unknown:
            raise ValueError(f"rule {code} needs unknown page parts {unknown}")
        REGISTRY[code] = Rule(
            code=code,
            name=name,
            severity=Severity(severity),
            summary=summary,
            docs=inspect.cleandoc(func.__doc__ or summary),
            check=func,
            fixable=fixable,
            scope=scope,
            default_enabled=default_enabled,
            needs_network=needs_network,
            options=dict(options or {}),
            needs=tuple(needs),
        )
        return func

    return register


#: The parts of a page a rule may say it `needs`, in the order of `page_parts`' bits.
PAGE_PARTS = ("blocks", "headings", "links", "tables", "text-file")


def page_parts(doc: Document) -> int:
    """The parts this page has, one bit each (`PAGE_PARTS` order): `blocks` (text a
    reader sees: paragraphs, headings, list items, HTML), `headings`, `links` (not
    those only inside HTML comments), `tables`, `text-file` (a data or other plain
    text file, not a page)."""
    return (
        (1 if doc.blocks else 0)
        | (2 if doc.headings else 0)
        | (4 if doc.links else 0)
        | (8 if doc.tables else 0)
        | (16 if doc.is_text else 0)
    )


def needs_bits(needs: tuple[str, ...]) -> int:
    """`page_parts`' bits of the parts named (0: none; the rule runs on every page)."""
    return sum(1 << PAGE_PARTS.index(part) for part in set(needs))


#: What rule modules compute once before the engine forks workers (`@warm_up`).
WARM_UPS: list[Callable[[Config], None]] = []


def warm_up(func: Callable[[Config], None]) -> Callable[[Config], None]:
    """Register a function the engine calls with the run's Config before it forks
    workers (compiling the configured patterns...), so each worker has the result."""
    WARM_UPS.append(func)
    return func


#: What rule modules can compute for the whole run before any page is checked
#: (`@site_memo`), by rule code.
SiteMemo = Callable[[Callable[[], "RuleContext"], "Site", "Workspace"], None]
SITE_MEMOS: list[tuple[str, SiteMemo]] = []


def site_memo(code: str) -> Callable[[SiteMemo], SiteMemo]:
    """Register a function that fills the run memo with what rule `code` asks of it
    on a whole-site run (`ctx.run_memo`, the same keys and computations). It is called
    with a maker of fresh contexts (one per page it stands for: the questions a page
    asks before the memo are in that page's context), the Site and the Workspace (to
    choose what to compute: what it reads there is no page's question); the engine may
    call it in a helper process while it prepares a whole-site run, and the workers
    then start with those values (`workers.MemoHelper`) instead of each computing
    them again."""

    def register(func: SiteMemo) -> SiteMemo:
        SITE_MEMOS.append((code, func))
        return func

    return register


#: Facts of a page's source that a `@site_memo` reads of every page, by rule code: a
#: maker, given the run's Config, of a function of a page's text (None: nothing to
#: learn with this config). Learnt where the Site's build reads every page anyway
#: (`site.prefetch`), in two processes; `Workspace.source_fact` gives them.
SourceFact = Callable[["Config"], "Callable[[str], Any] | None"]
SOURCE_FACTS: list[tuple[str, SourceFact]] = []


def source_fact(code: str) -> Callable[[SourceFact], SourceFact]:
    """Register what rule `code`'s `@site_memo` asks of every page's text, so that on
    a whole-site run the page is not read again for it. Its value must be what the
    recipe would compute of the text itself (a recipe computes it when it is not
    known: a page the build did not read ahead)."""

    def register(func: SourceFact) -> SourceFact:
        SOURCE_FACTS.append((code, func))
        return func

    return register


class SourceFactsReader:
    """What the Site's build learns of each page's text for the enabled rules'
    recipes: a tuple of facts, one per code of `codes` (a tuple, not a dict, a page:
    it is kept for every page of the site)."""

    def __init__(self, readers: list[tuple[str, Callable[[str], Any]]]) -> None:
        self.codes = tuple(code for code, _read in readers)
        self._reads = tuple(read for _code, read in readers)

    def __call__(self, text: str) -> tuple[Any, ...]:
        return tuple(read(text) for read in self._reads)


def source_facts_reader(config: Config, codes: set[str]) -> SourceFactsReader | None:
    """The `SourceFactsReader` of the enabled rules' `@source_fact`s; None when no rule
    asks any."""
    all_rules()
    readers = [(code, make(config)) for code, make in SOURCE_FACTS if code in codes]
    active = [(code, read) for code, read in readers if read is not None]
    return SourceFactsReader(active) if active else None


def warm_up_rules(config: Config) -> None:
    """Run every rule module's `@warm_up` functions (the modules are loaded first)."""
    all_rules()
    for func in WARM_UPS:
        func(config)


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by code (imports the rule modules once)."""
    from finops_lint import rules as _rules

    _rules.load()
    return sorted(REGISTRY.values(), key=lambda r: r.code)


def rule_families() -> dict[str, list[str]]:
    """Family prefix -> the codes in it."""
    out: dict[str, list[str]] = {}
    for r in all_rules():
        out.setdefault(r.family, []).append(r.code)
    return out


def get_rule(code_or_name: str) -> Rule | None:
    for r in all_rules():
        if code_or_name.upper() == r.code or code_or_name == r.name:
            return r
    return None
