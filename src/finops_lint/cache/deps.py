"""What a page's rules asked beyond the page, and whether every answer still holds.

The result cache reuses a page's site-dependent findings after other files changed
when every question its rules asked of the Site and the Workspace gets the same
answer now: a link still leads where it led, a target page still has the same
text, a reference set still has the same names. A question is a tuple,
``(kind, *args)``; `Oracle.value` answers it (the one place that asks the Site or
the Workspace for it) and `Oracle.answer` gives the digest of what a rule could
read from that value. Recording (a rule running, through the proxies below) and
re-asking (the next run, in `ResultCache.plan`) both go through them, so the two
cannot disagree about what a question means.

Anything a rule reads that is not a known question (an attribute the proxies do
not know, the network results) marks the page *unknown*: its findings are then
reused only while no file of the site changed, as before this module.

Free reads (no question): what the run key already covers (the Jekyll and lint
config, a page type's template) and pure functions (`display_path`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

from finops_lint.parsing.links import classify_target
from finops_lint.safe_io import blake2b

if TYPE_CHECKING:
    from finops_lint.site.build import Site
    from finops_lint.site.page import RedirectClash, Resolution, SitePage
    from finops_lint.site.templates import Broken
    from finops_lint.workspace import Workspace

Query = tuple[Any, ...]

_NONE: frozenset[str] = frozenset()

#: A page's questions as the cache keeps them: [digest of the answers, [question, ...]]
#: (in the order asked; findings files store each distinct question once).
Record = list[Any]


class Asked:
    """The questions one page's rules asked (or one run memo's computation), with the
    digest of each answer; `unknown` once a rule read something else. `covering`: the
    questions whose answer holds the text of some files (a document read after them
    is no question of its own: a page that reads every page sharing its URL, or every
    page of its type, asks one question, not thousands)."""

    __slots__ = ("answers", "covering", "unknown")

    def __init__(self) -> None:
        self.answers: dict[Query, str] = {}
        self.covering: list[Query] = []
        self.unknown = False

    def merge(self, other: Asked | None) -> None:
        if other is None:
            self.unknown = True
            return
        self.unknown = self.unknown or other.unknown
        self.answers.update(other.answers)
        self.covering.extend(other.covering)

    def record(self) -> Record | None:
        """The cache's form, or None: the page read something no question covers."""
        if self.unknown:
            return None
        return [combined(list(self.answers.values())), list(self.answers)]


def frozen(value: Any) -> Any:
    """A question read back from JSON (lists) as the tuple it was asked as."""
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    return value


def combined(answers: list[str]) -> str:
    """One digest for the answers (of a page's questions, in their recorded order)."""
    return blake2b("\x00".join(answers).encode(), digest_size=16).hexdigest()


def still_holds(record: Record, oracle: Oracle) -> bool:
    """Every question of a recorded page gets the same answer now."""
    digest, queries = record
    answer = oracle.answer
    try:
        answers = [answer(q) for q in queries]
    except Exception:  # a question that fails now: the rules run again and say why
        return False
    return bool(combined(answers) == digest)


def valid_question(raw: Any) -> bool:
    """The shape a findings file may hold for a question: [kind, scalar args...]."""
    return (
        isinstance(raw, list) and bool(raw) and raw[0] in KINDS and all(_scalar(a) for a in raw[1:])
    )


def _scalar(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return value is None or isinstance(value, (str, bool))


def _digest(text: str) -> str:
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


class Oracle:
    """Answers questions for one run in one process (answers memoized: the files do
    not change while a run reads them)."""

    def __init__(self, ws: Workspace, *, reasking: bool = False) -> None:
        self.ws = ws
        #: asking again what recorded pages asked (a run's plan), not recording
        self.reasking = reasking
        self._answers: dict[Query, str] = {}
        self._covers: dict[Query, frozenset[str]] = {}
        self._reading: list[str] | None = None
        self._pages: dict[int, tuple[SitePage, str]] = {}  # `page`'s, by id
        self.breaks_asked = 0

    @cached_property
    def site(self) -> Site:
        site = self.ws.jekyll_site
        if site is None:
            raise ValueError("no site")
        return site

    def value(self, q: Query) -> Any:
        """What the Site or the Workspace says to the question."""
        return _VALUE[q[0]](self, q)

    def answer(self, q: Query) -> str:
        known = self._answers.get(q)
        if known is None:
            value = None if q[0] in _BY_FILE else self.value(q)
            known = self.answer_of(q, value)
        return known

    def answer_of(self, q: Query, value: Any) -> str:
        known = self._answers.get(q)
        if known is None:
            self._reading = []
            try:
                known = self._answers[q] = _digest(_CANON[q[0]](self, q, value))
                if self._reading:
                    self._covers[q] = frozenset(self._reading)
            finally:
                self._reading = None
        return known

    def covers(self, q: Query) -> frozenset[str]:
        """The files whose text the answer to an answered question includes."""
        return self._covers.get(q, _NONE)

    def file(self, rel: str | None) -> str:
        """The content of a site file, as a digest ("-" none, unreadable or outside)."""
        if rel is None:
            return "-"
        if self._reading is not None:
            self._reading.append(rel)
        return self.ws.file_digest(rel) or "-"

    def page(self, page: SitePage | None) -> str:
        """A page as a rule may read it: where it is published and its front matter
        (which its file's content decides, with the config the run key holds). Made
        once a run per page: a link's target, a page sharing a URL, asked of by many."""
        if page is None:
            return "None"
        if self._reading is not None:
            self._reading.append(page.path)  # (what `file` notes, memo or not)
        known = self._pages.get(id(page))
        if known is not None and known[0] is page:
            return known[1]
        text = repr(
            (
                page.path,
                page.url,
                page.collection,
                page.output,
                page.output_ext,
                page.destination,
                self.ws.file_digest(page.path) or "-",
            )
        )
        self._pages[id(page)] = (page, text)
        return text

    def breaks(self, found: list[Broken] | None) -> str:
        """A page's LK014 breaks as a rule may read them: each value, the path it
        builds, the page rendering it, and the template's link by its place and its
        file's content (a link is read from its template's text alone: its parsed
        parts, loops and conditions are not spelled out, which made this answer the
        costliest a page asked)."""
        if found is None:
            return "None"
        return repr([_break_fields(b, self.file(b.link.template)) for b in found])

    def resolution(self, res: Resolution) -> str:
        return repr(
            (
                res.kind,
                res.url,
                self.page(res.page),
                res.static_path,
                res.fragment,
                res.redirect_chain,
                res.final_url,
                res.status,
                res.via_source_path,
                res.reason,
            )
        )


def _break_fields(b: Broken, template_digest: str) -> tuple[Any, ...]:
    link = b.link
    place = (link.template, link.line, link.column, link.tag, template_digest)
    return (b.path, b.key, b.value, b.href, b.rendered_on, *place)


#: Re-asking, after this many pages' LK014 breaks the whole site's are computed at
#: once (as before a fork): each page alone costs a walk of the bindings its values
#: reach. (While rules run, a page's are what the rule asked for.)
WHOLE_BREAKS_AFTER = 16


def _template_breaks(o: Oracle, focus: str) -> dict[str, Any]:
    o.breaks_asked += 1
    whole = o.reasking and o.breaks_asked > WHOLE_BREAKS_AFTER
    found = (o.ws.template_breaks() if whole else o.ws.template_breaks(focus)).get(focus)
    return {} if found is None else {focus: found}


#: kind -> how the value is asked for: (oracle, question) -> value. (The question is
#: passed whole, not spread into arguments: this runs for every question a page asks.)
_VALUE: dict[str, Callable[[Oracle, Query], Any]] = {
    "resolve": lambda o, q: o.site.resolve(q[1], q[2], markdown=q[3]),
    "internal": lambda o, q: o.site.is_internal(q[1], q[2]),
    "rewrite": lambda o, q: o.site.relative_rewrite(q[1], q[2]),
    "host": lambda o, q: o.site.is_site_host(q[1]),
    "page": lambda o, q: o.site.page_for_path(q[1]),
    "url": lambda o, q: o.site.pages_by_url.get(q[1]),
    "redirects": lambda o, q: o.site.redirects,
    "clashes": lambda o, q: o.site.redirect_clashes_of(q[1]),
    "static_clashes": lambda o, q: o.site.static_clashes_of(q[1]),
    "statics": lambda o, q: o.site.static_by_path,
    "doc": lambda o, q: o.ws.document(q[1]),
    "text": lambda o, q: o.ws.text(q[1]),
    "facts": lambda o, q: o.ws.facts(q[1]),
    "layouts": lambda o, q: o.ws.layouts,
    "of_type": lambda o, q: o.ws.pages_of_type(q[1]),
    "names": lambda o, q: o.ws.reference_names(q[1], tuple(q[2])),
    "aliases": lambda o, q: o.ws.reference_aliases(q[1], q[2]),
    "referenced": lambda o, q: o.ws.referenced_values(q[1]),
    "breaks": lambda o, q: _template_breaks(o, q[1]),
    # of a set the Workspace gives (reference names): whether it holds a value, whether
    # it is empty; a rule that reads the set further asks for the whole set (the set's
    # own question is this one's after its kind, without the value for "member")
    "member": lambda o, q: q[-1] in _VALUE[q[1]](o, q[1:-1]),
    "nonempty": lambda o, q: bool(_VALUE[q[1]](o, q[1:])),
}

#: kind -> the text whose digest is the answer: (oracle, question, value) -> str.
_CANON: dict[str, Callable[[Oracle, Query, Any], str]] = {
    "resolve": lambda o, q, v: o.resolution(v),
    "internal": lambda o, q, v: repr(v),
    "rewrite": lambda o, q, v: repr(v),
    "host": lambda o, q, v: repr(v),
    "page": lambda o, q, v: o.page(v),
    "url": lambda o, q, v: repr(None if v is None else [o.page(p) for p in v]),
    "redirects": lambda o, q, v: repr(v),
    "clashes": lambda o, q, v: repr(v),
    "static_clashes": lambda o, q, v: repr(v),
    "statics": lambda o, q, v: repr(sorted(v.items())),
    # a document: its text (the parse follows from it and the run key's config; no
    # document exactly when the file cannot be read: no text)
    "doc": lambda o, q, v: o.file(q[1]),
    "text": lambda o, q, v: o.file(q[1]),
    # another page's facts: whether the Site has it, and its text
    "facts": lambda o, q, v: repr((q[1] in o.site.pages, o.file(q[1]))),
    "layouts": lambda o, q, v: repr(sorted(v)),
    "of_type": lambda o, q, v: repr([(path, o.file(path)) for path, _data in v]),
    "names": lambda o, q, v: repr(sorted(v)),
    "aliases": lambda o, q, v: repr(sorted(v.items())),
    "referenced": lambda o, q, v: repr(sorted(v)),
    "breaks": lambda o, q, v: o.breaks(v.get(q[1])),
    "member": lambda o, q, v: repr(v),
    "nonempty": lambda o, q, v: repr(v),
}

#: Questions whose answer is read from the files, not from the value (no parse).
_BY_FILE = frozenset({"doc", "text", "facts"})

#: Questions whose answer is one file's text (a covering question may hold it).
_FILE_TEXT = frozenset({"doc", "text"})

KINDS = frozenset(_VALUE)
assert frozenset(_CANON) == KINDS


class Recorder:
    """Where the recording views note a question: the innermost computation being
    recorded (`frames`); `reads` counts every read made through them, questions or
    not, so that the engine tells which rules looked beyond a page."""

    __slots__ = ("frames", "oracle", "reads")

    def __init__(self, oracle: Oracle, frames: list[Asked]) -> None:
        self.oracle = oracle
        self.frames = frames
        self.reads = 0

    def start_page(self) -> None:
        """Record a new page's questions (the page's frame is `frames[0]`)."""
        self.frames = [Asked()]

    def ask(self, *q: Any) -> Any:
        """The value, the question noted with its answer: every read a traced rule
        makes of the Site or the Workspace comes through here."""
        self.reads += 1
        oracle, frame = self.oracle, self.frames[-1]
        value = oracle.value(q)
        answers = frame.answers
        if q in answers:
            return value  # noted here before (answers do not change during a run)
        if q[0] in _FILE_TEXT:
            cover = self._cover(q[1])
            if cover is not None:  # its text is in that answer: ask that instead
                if cover not in answers:
                    answers[cover] = oracle.answer(cover)
                    frame.covering.append(cover)
                return value
        answers[q] = oracle.answer_of(q, value)
        if q in oracle._covers:
            frame.covering.append(q)
        return value

    def _cover(self, rel: str) -> Query | None:
        """A question asked here (or by a computation this one is part of) whose
        answer holds the file's text."""
        covers = self.oracle.covers
        for frame in reversed(self.frames):
            for q in frame.covering:
                if rel in covers(q):
                    return q
        return None

    def unknown(self) -> None:
        self.reads += 1
        self.frames[-1].unknown = True


#: Link kinds whose target is internal or not by the site's hosts (which its files may
#: change: a Netlify host rule): `Site.is_internal` says of every other kind from the
#: target alone.
_HOSTED_KINDS = frozenset({"absolute", "protocol-relative"})

#: Attributes of the Site that the run key covers (the Jekyll config is in it).
_SITE_FREE = frozenset({"config", "root"})


class RecordingSite:
    """The Site as a traced rule sees it: every read is a question or marks unknown."""

    def __init__(self, site: Site, recorder: Recorder) -> None:
        self._site = site
        self._rec = recorder

    def resolve(self, target: str, from_path: str, *, markdown: bool = True) -> Resolution:
        result: Resolution = self._rec.ask("resolve", target, from_path, markdown)
        return result

    def is_internal(self, target: str, kind: str | None = None) -> bool:
        if kind is None:
            kind = classify_target(target)
        if kind not in _HOSTED_KINDS:  # a relative or site-root path, Liquid, a mail...
            self._rec.reads += 1
            return self._site.is_internal(target, kind)  # the target alone says: no question
        return bool(self._rec.ask("internal", target, kind))

    def relative_rewrite(self, from_path: str, raw: str) -> str | None:
        found: str | None = self._rec.ask("rewrite", from_path, raw)
        return found

    def is_site_host(self, url: str) -> bool:
        return bool(self._rec.ask("host", url))

    def page_for_path(self, path: str) -> SitePage | None:
        result: SitePage | None = self._rec.ask("page", path)
        return result

    @property
    def pages_by_url(self) -> _UrlIndex:
        self._rec.reads += 1
        return _UrlIndex(self._site.pages_by_url, self._rec)

    @property
    def redirects(self) -> Any:
        return self._rec.ask("redirects")

    def redirect_clashes_of(self, path: str) -> list[RedirectClash]:
        found: list[RedirectClash] = self._rec.ask("clashes", path)
        return found

    def static_clashes_of(self, path: str) -> list[tuple[str, bool]]:
        found: list[tuple[str, bool]] = self._rec.ask("static_clashes", path)
        return found

    @property
    def static_by_path(self) -> Any:
        return self._rec.ask("statics")

    def __getattr__(self, name: str) -> Any:
        if name in _SITE_FREE:
            self._rec.reads += 1
        else:
            self._rec.unknown()
        return getattr(self._site, name)


class _UrlIndex:
    """`site.pages_by_url` for lookups by URL (anything else: unknown)."""

    def __init__(self, real: dict[str, Any], recorder: Recorder) -> None:
        self._real = real
        self._rec = recorder

    def get(self, url: str, default: Any = None) -> Any:
        found = self._rec.ask("url", url)
        return default if found is None else found

    def __getitem__(self, url: str) -> Any:
        found = self._rec.ask("url", url)
        if found is None:
            raise KeyError(url)
        return found

    def __contains__(self, url: object) -> bool:
        return self._rec.ask("url", url) is not None

    def __iter__(self) -> Iterator[str]:
        self._rec.unknown()
        return iter(self._real)

    def __getattr__(self, name: str) -> Any:
        self._rec.unknown()
        return getattr(self._real, name)


#: Workspace attributes that are pure or covered by the run key.
_WS_FREE = frozenset({"display_path", "config", "root", "cwd"})


class RecordingWorkspace:
    """The Workspace as a traced rule sees it (see `RecordingSite`)."""

    def __init__(self, ws: Workspace, recorder: Recorder) -> None:
        self._ws = ws
        self._rec = recorder

    def document(self, rel_path: str) -> Any:
        return self._rec.ask("doc", rel_path)

    def text(self, rel_path: str) -> Any:
        return self._rec.ask("text", rel_path)

    def template(self, rel_path: str) -> Any:
        if any(pt.template == rel_path for pt in self._ws.config.page_types):
            self._rec.reads += 1
            return self._ws.template(rel_path)  # its bytes are in the run key
        self._rec.ask("doc", rel_path)
        return self._ws.template(rel_path)

    def facts(self, rel_path: str, doc: Any = None) -> Any:
        if doc is not None and doc.rel_path == rel_path:
            self._rec.reads += 1
            return self._ws.facts(rel_path, doc)  # the page's own: its text decides them
        return self._rec.ask("facts", rel_path)

    @property
    def layouts(self) -> frozenset[str]:
        result: frozenset[str] = self._rec.ask("layouts")
        return result

    def pages_of_type(self, page_type: str) -> Any:
        return self._rec.ask("of_type", page_type)

    def reference_names(self, page_type: str, keys: tuple[str, ...]) -> Any:
        self._rec.reads += 1
        real = self._ws.reference_names(page_type, tuple(keys))
        return _Members(real, self._rec, ("names", page_type, tuple(keys)))

    def reference_aliases(self, page_type: str, key: str) -> Any:
        return self._rec.ask("aliases", page_type, key)

    def referenced_values(self, reference: str) -> Any:
        self._rec.reads += 1
        return _Members(self._ws.referenced_values(reference), self._rec, ("referenced", reference))

    def template_breaks(self, focus: str | None = None) -> Any:
        if focus is None:
            self._rec.unknown()
            return self._ws.template_breaks()
        return self._rec.ask("breaks", focus)

    def __getattr__(self, name: str) -> Any:
        if name in _WS_FREE:
            self._rec.reads += 1
        else:
            self._rec.unknown()
        return getattr(self._ws, name)


class _Members:
    """A set of names as a traced rule reads it: `value in names` and `if names` are
    questions of their own (a page that names an existing capability does not depend
    on the others); any other read asks for the whole set."""

    def __init__(self, real: frozenset[str], recorder: Recorder, question: Query) -> None:
        self._real = real
        self._rec = recorder
        self._q = question

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            self._rec.ask(*self._q)
            return value in self._real
        return bool(self._rec.ask("member", *self._q, value))

    def __bool__(self) -> bool:
        return bool(self._rec.ask("nonempty", *self._q))

    def _whole(self) -> frozenset[str]:
        whole: frozenset[str] = self._rec.ask(*self._q)
        return whole

    def __len__(self) -> int:
        return len(self._whole())

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._whole(), name)
