"""The run: files -> Documents -> Site -> rules -> findings.

Everything a rule needs from outside its page comes through `Workspace`: the
Site, other pages' anchors, templates, cross-reference values. Only this module
(and the Site) read files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from finops_lint.config import Config, PageType, code_problem, load_config
from finops_lint.discover import (
    UNREADABLE,
    Target,
    UsageError,
    discover,
    display,
    find_site_root,
    glob_match,
    io_finding,
    is_jekyll_site,
    real_path,
    site_root,
)
from finops_lint.document import Document, parse_document
from finops_lint.findings import Finding, Severity
from finops_lint.rules.base import REGISTRY, Rule, RuleContext, all_rules
from finops_lint.rules.internal import INTERNAL_ERROR
from finops_lint.safe_io import MAX_PAGE_BYTES, NotRegularFileError, describe, read_bytes
from finops_lint.suppress import parse_suppressions

if TYPE_CHECKING:
    from finops_lint.site import Site


@dataclass
class RunOptions:
    paths: list[Path]
    root: Path | None = None
    config_path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    external: bool | None = None
    offline: bool = False
    verbose: bool = False
    allow_hosts: list[str] = field(default_factory=list)
    cache_dir: Path | None = None
    progress: bool = False
    #: also check the pages that link to what the staged git changes delete or rename
    staged: bool = False


@dataclass
class RunResult:
    findings: list[Finding]
    checked: list[str]
    notices: list[str]
    config: Config
    internal_errors: int = 0
    rules: list[Rule] = field(default_factory=list)
    #: findings left out because the baseline lists them (set by the check command)
    baselined: int = 0
    #: pages checked only for what staged changes removed (--staged): their other
    #: findings were dropped, so a baseline must not call those fixed
    partly_checked: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the run knows about one page, computed once (:meth:`Workspace.facts`)."""

    rel_path: str  # posix, relative to the real site root
    #: front matter as Jekyll reads it: ``_config.yml`` defaults first, the page wins
    data: dict[str, Any]
    page_type: PageType | None
    excluded: bool  # by the lint's own excludes (Jekyll's `exclude` is the Site's business)


class Workspace:
    """What rules may know beyond their own page."""

    def __init__(self, root: Path, config: Config, cwd: Path) -> None:
        self.root = root
        self.config = config
        self.cwd = cwd
        self.docs: dict[str, Document] = {}
        self._other_docs: dict[str, Document | None] = {}
        self.notices: list[str] = []
        self.external_results: dict[str, Any] = {}
        self._shown: dict[str, str] = {}
        self._pages_by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._facts: dict[str, PageFacts] = {}
        # reference_names / referenced_values per argument: each rule asks once per page,
        # and walking every page of a type each time made a run quadratic in site size.
        self._names_memo: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
        self._values_memo: dict[str, frozenset[str]] = {}

    @cached_property
    def site(self) -> Site | None:
        from finops_lint.site import Site

        return Site.build(
            self.root,
            extra_hosts=self.config.hosts,
            host=self.config.site_host,
            baseurl=self.config.site_baseurl,
        )

    @cached_property
    def jekyll_site(self) -> Site | None:
        """The Site if the root is a Jekyll site: what rules and page facts read."""
        return self.site if is_jekyll_site(self.root) else None

    def facts(self, rel_path: str, doc: Document | None = None) -> PageFacts:
        """The facts of a page, the same whichever rule, selection or worker asks first.

        A page Jekyll reads gets its front matter from the Site (defaults merged; a
        checked page hands the Site its own parse first); a file Jekyll does not
        read has its own front matter only. A page type needs front matter.
        """
        known = self._facts.get(rel_path)
        if known is not None:
            return known
        site = self.jekyll_site
        page = site.pages.get(rel_path) if site is not None else None
        fm = doc.front_matter if doc is not None else None
        if page is not None:
            assert site is not None
            if fm is not None and fm.present and fm.error is None:
                site.use_front_matter(rel_path, fm.data)
            data, has_front_matter = page.data, True
        elif fm is not None:
            data, has_front_matter = dict(fm.data), fm.present
        else:
            data, has_front_matter = {}, False
        page_type = self.config.page_type_for(rel_path, data) if has_front_matter else None
        facts = PageFacts(rel_path, data, page_type, self.config.is_excluded(rel_path))
        self._facts[rel_path] = facts
        return facts

    def display_path(self, rel_path: str) -> str:
        shown = self._shown.get(rel_path)
        if shown is None:
            absolute = self.root / rel_path
            try:
                shown = os.path.relpath(absolute, self.cwd)
            except ValueError:
                shown = str(absolute)
            self._shown[rel_path] = shown
        return shown

    def document(self, rel_path: str) -> Document | None:
        """A page of the site, parsed on first use (it need not be one being checked)."""
        if rel_path in self.docs:
            return self.docs[rel_path]
        if rel_path not in self._other_docs:
            self._other_docs[rel_path] = self._read_other(rel_path)
        return self._other_docs[rel_path]

    def _read_other(self, rel_path: str, what: str = "") -> Document | None:
        path = self.root / rel_path
        if not _inside(path, self.root):
            if what:
                self.notices.append(f"{what} {rel_path} is outside the site; not read")
            return None
        try:
            data = read_bytes(path, MAX_PAGE_BYTES, truncate=True)
        except OSError as exc:
            if what and not isinstance(exc, FileNotFoundError):
                self.notices.append(f"{what} {rel_path}: {describe(exc)}")
            return None
        return parse_document(
            data[:MAX_PAGE_BYTES], str(path), rel_path, id_style=self.config.id_options
        )

    @cached_property
    def layouts(self) -> frozenset[str]:
        """Names of the site's own layouts (`_layouts/NAME.html`), read once."""
        try:
            entries = os.listdir(self.root / "_layouts")
        except OSError:
            return frozenset()
        return frozenset(os.path.splitext(name)[0] for name in entries if not name.startswith("."))

    def template(self, rel_path: str) -> Document | None:
        """A page type's template: a regular file inside the site (else a notice)."""
        if rel_path not in self.docs and rel_path not in self._other_docs:
            self._other_docs[rel_path] = self._read_other(rel_path, "template")
        return self.document(rel_path)

    def prepare_for_workers(self, rules: list[Rule]) -> None:
        """Compute, before forking, what every worker would otherwise compute again."""
        if any(r.scope == "site" for r in rules) and self.site is not None:
            for ref in self.config.references:
                self.reference_names(ref.target, tuple(ref.by))
            for orphan in self.config.orphans:
                self.referenced_values(str(orphan.get("reference")))
        for pt in self.config.page_types:
            if pt.template:
                self.template(pt.template)
        # Warm what each worker would otherwise build again after the fork.
        from finops_lint.parsing.markdown import _parser
        from finops_lint.rules.placeholders import warm_patterns

        _parser()
        warm_patterns(self.config)

    def pages_of_type(self, page_type: str) -> list[tuple[str, dict[str, Any]]]:
        """(path, merged front matter) of every site page of a page type.

        Only pages whose path matches the type's globs are looked at, and front
        matter is read only where a `when:` condition needs it, so asking for the
        six domain pages does not parse the whole site.
        """
        cached = self._pages_by_type.get(page_type)
        if cached is not None:
            return cached
        out: list[tuple[str, dict[str, Any]]] = []
        site = self.jekyll_site
        wanted = self.config.page_type(page_type)
        if site is not None and wanted is not None:
            for path in site.pages:
                if not any(glob_match(path, g) for g in wanted.match):
                    continue  # cheap: most pages are never parsed
                facts = self.facts(path, self.docs.get(path))
                if facts.excluded or facts.page_type is None:
                    continue
                if facts.page_type.name == page_type:
                    out.append((path, facts.data))
        self._pages_by_type[page_type] = out
        return out

    def reference_names(self, page_type: str, keys: tuple[str, ...]) -> frozenset[str]:
        memo = self._names_memo.get((page_type, keys))
        if memo is not None:
            return memo
        names: set[str] = set()
        for _path, data in self.pages_of_type(page_type):
            for key in keys:
                value = data.get(key)
                if isinstance(value, str) and value.strip():
                    names.add(value.strip())
        memo = self._names_memo[(page_type, keys)] = frozenset(names)
        return memo

    def reference_aliases(self, page_type: str, key: str) -> dict[str, tuple[str, str, str]]:
        """The names of the pages of a type (front matter keys with `title` or `name` in
        them), mapped to the value of `key` on the same page: {casefolded name: (key's
        value, which key, page path)}. Tells a reference that names a page by its title
        which identifier it should use."""
        cache: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = self.__dict__.setdefault(
            "_aliases", {}
        )
        found = cache.get((page_type, key))
        if found is None:
            found = {}
            shared: set[str] = set()  # values on several pages (a layout name) tell nothing
            for path, data in self.pages_of_type(page_type):
                ident = data.get(key)
                if not isinstance(ident, str) or not ident.strip():
                    continue
                for other, value in data.items():
                    if other == key or not isinstance(value, str) or not value.strip():
                        continue
                    if "title" not in other and "name" not in other:
                        continue
                    folded = value.strip().casefold()
                    seen = found.setdefault(folded, (ident.strip(), other, path))
                    if seen[0] != ident.strip():
                        shared.add(folded)
            for folded in shared:
                del found[folded]
            cache[(page_type, key)] = found
        return found

    def referenced_values(self, reference: str) -> frozenset[str]:
        memo = self._values_memo.get(reference)
        if memo is not None:
            return memo
        ref = next((r for r in self.config.references if r.name == reference), None)
        if ref is None:
            return frozenset()
        values: set[str] = set()
        for source in ref.source:
            for _path, data in self.pages_of_type(source):
                items = data.get(ref.key)
                for item in items if isinstance(items, list) else [items]:
                    if isinstance(item, str):
                        values.add(item.strip())
        memo = self._values_memo[reference] = frozenset(values)
        return memo


def load_documents(files: list[Target], config: Config) -> tuple[list[Document], list[Finding]]:
    docs: list[Document] = []
    problems: list[Finding] = []
    for target in files:
        path, rel = target.path, target.rel
        shown = display(path)
        try:
            data = read_bytes(path, MAX_PAGE_BYTES, truncate=True)
        except FileNotFoundError:
            problems.append(io_finding(path, "file disappeared before it could be read"))
            continue
        except NotRegularFileError as exc:
            if os.path.isdir(path):
                continue
            problems.append(io_finding(path, f"{describe(exc)} (a page must be a file)"))
            continue
        except OSError as exc:
            problems.append(io_finding(path, f"cannot read file: {describe(exc)}"))
            continue
        too_large = len(data) > MAX_PAGE_BYTES
        if too_large:
            problems.append(
                io_finding(
                    path,
                    f"page is larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB; only its "
                    "front matter is checked",
                    Severity.WARNING,
                )
            )
            data = _front_matter_only(data)
        doc = parse_document(data, shown, rel, id_style=config.id_options)
        docs.append(doc)
    return docs, problems


def _front_matter_only(data: bytes) -> bytes:
    if not data.startswith(b"---"):
        return b""
    end = data.find(b"\n---", 3)
    return data[: end + 4] + b"\n" if end != -1 else b""


def _check_external(ws: Workspace, docs: list[Document], options: RunOptions) -> None:
    """Check every unique external URL of the checked pages once, before the rules run."""
    from finops_lint.links import LinkCheckOptions, check_urls
    from finops_lint.rules.xref import front_matter_targets

    site = ws.site
    found = {link.target for doc in docs for link in doc.links if link.target_kind == "absolute"}
    # Front matter links the profile declares (link, logo-url, product-resources[].url...).
    specs = ws.config.front_matter_links
    found.update(
        target
        for doc in docs
        for _path, target in front_matter_targets(doc, specs)
        if target[:8].lower().startswith(("http://", "https://"))
    )
    urls = sorted(u for u in found if not (site is not None and site.is_site_host(u)))
    ext = ws.config.external
    cache_dir = options.cache_dir
    if cache_dir is None:
        cache_dir = ws.root / ".finops-lint-cache"
        if cache_dir.is_symlink():  # the repository would choose where the cache is written
            ws.notices.append(
                f"{ws.display_path('.finops-lint-cache')} is a symlink: the link cache is not "
                "used (--cache-dir DIR chooses a folder)"
            )
            cache_dir = None
    opts = LinkCheckOptions(
        cache_dir=cache_dir,
        progress=options.progress,
        # Only the command line may allow private addresses (never the config file).
        allow_hosts=frozenset(options.allow_hosts),
        allow_private=False,
        notice=ws.notices.append,
    )
    for key, attr in (
        ("max-concurrency", "max_concurrency"),
        ("max-per-host", "max_per_host"),
        ("timeout", "timeout"),
        ("connect-timeout", "connect_timeout"),
        ("retries", "retries"),
        ("max-redirects", "max_redirects"),
        ("cache-max-age", "cache_max_age"),
        ("cache-failure-max-age", "cache_failure_max_age"),
        ("budget", "budget"),
    ):
        if key in ext:
            setattr(opts, attr, ext[key])
    if "accept" in ext:
        opts.accepted_status = frozenset(range(200, 300)) | frozenset(ext["accept"])
    if "exclude" in ext:
        opts.exclude = tuple(ext["exclude"])
    if "headers" in ext:
        opts.headers = {**opts.headers, **ext["headers"]}
    ws.external_results = check_urls(urls, opts)
    unchecked = [u for u, r in ws.external_results.items() if r.status == "unchecked"]
    if unchecked:
        ws.notices.append(
            f"external links: the {opts.budget:g} s budget ran out; {len(unchecked)} of "
            f"{len(urls)} URLs were not checked (external: {{budget: SECONDS}} in the config)"
        )


#: Below this many files, one process is faster than starting workers.
PARALLEL_MIN_FILES = 48

# State handed to forked workers (set in the parent just before the fork).
_WORKER_STATE: tuple[Workspace, list[Rule], RunOptions] | None = None


_PHASE_START: list[float] = []


def _phase(name: str) -> None:
    """With FINOPS_LINT_TIMING=1, print how long each phase of the run took."""
    if not os.environ.get("FINOPS_LINT_TIMING"):
        return
    import time

    now = time.perf_counter()
    if _PHASE_START:
        print(f"finops-lint timing: {name} {now - _PHASE_START[0]:.3f}s", file=sys.stderr)
    _PHASE_START[:] = [now]


def run(options: RunOptions) -> RunResult:
    _phase("start")
    cwd = Path.cwd()
    # --staged with no files (a commit that only deletes): only the pages it affects
    paths = options.paths or ([] if options.staged else [Path(".")])
    if paths:
        first = Path(real_path(os.path.join(cwd, paths[0])))
    else:
        from finops_lint.impact import first_changed_folder

        first = Path(real_path(str(first_changed_folder(cwd) or cwd)))
    root = site_root([first], cwd, options.root)
    for flag, values in (("--select", options.select), ("--ignore", options.ignore)):
        for value in values:
            problem = code_problem(value)
            if problem:
                raise UsageError(f"{flag}: {problem}")
    config = load_config(root, options.config_path, search_from=first)
    if options.select:
        config.select = [s.upper() for s in options.select]
    if options.ignore:
        config.ignore = list(config.ignore) + [s.upper() for s in options.ignore]
    rules = [
        r
        for r in all_rules()
        if r.code != INTERNAL_ERROR and config.rule_enabled(r.code, r.default_enabled)
    ]
    ws = Workspace(root, config, cwd)
    _phase("config")
    files, findings = discover(paths, root, config, cwd)
    impact = _staged_impact(files, root, config, ws) if options.staged else None
    if impact is not None:
        files.extend(Target(p, p.relative_to(root).as_posix()) for p in impact.dependents)
    _phase("discover")
    external = (
        options.external if options.external is not None else bool(config.external.get("enabled"))
    )
    if options.offline:
        external = False
    if not external:
        rules = [r for r in rules if not r.needs_network]
    if not is_jekyll_site(root) and any(r.scope == "site" for r in rules):
        # Outside a Jekyll site there is no URL map: cross-page rules would guess.
        rules = [r for r in rules if r.scope != "site"]
        ws.notices.append(
            f"no _config.yml at or above {ws.display_path('.')}: links to other pages and "
            "cross-references are not checked (give --root SITE)"
        )
    needs_site = any(r.scope == "site" for r in rules)
    site = ws.jekyll_site if files else None  # page facts need it, whatever is selected
    if needs_site and site is not None:
        for path, line, message in site.problems:
            ws.notices.append(f"{ws.display_path(path)}:{line}: {message}")
    _phase("site")
    workers = _worker_count(len(files), options)
    if external or workers < 2:
        docs, problems = load_documents(files, config)
        findings.extend(problems)
        for doc in docs:
            ws.docs[doc.rel_path] = doc
        if external and docs:
            _check_external(ws, docs, options)
        _phase("parse")
        found, checked, internal = _check_documents(docs, ws, rules, options)
        _phase("rules")
    else:
        found, checked, internal = _check_in_workers(files, ws, rules, options, workers)
        _phase("workers")
    findings.extend(found)
    enabled_codes = {r.code for r in rules}
    findings = [
        f
        for f in findings
        if f.code in enabled_codes
        or f.code == INTERNAL_ERROR
        or (f.code == UNREADABLE and config.rule_enabled(UNREADABLE, True))
    ]
    partly: frozenset[str] = frozenset()
    if impact is not None:
        partly = frozenset(display(p) for p in impact.dependents)
        findings = impact.filter(findings, set(partly))
    findings.sort(key=Finding.sort_key)
    return RunResult(
        findings,
        checked,
        ws.notices,
        config,
        internal,
        [*rules, _internal_rule()],
        partly_checked=partly,
    )


def _internal_rule() -> Rule:
    all_rules()
    return REGISTRY[INTERNAL_ERROR]


def _staged_impact(files: list[Target], root: Path, config: Config, ws: Workspace) -> Any:
    """--staged: the pages that link to what the staged git changes remove."""
    from finops_lint.impact import find_impact

    if not is_jekyll_site(root):
        return None
    site_files, _problems = discover([root], root, config)
    given = {t.rel for t in files}
    site_pages = [t.rel for t in site_files]
    impact, notices = find_impact(root, given, site_pages)
    ws.notices.extend(notices)
    return impact


def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real.startswith(base.rstrip(os.sep) + os.sep)


def _worker_count(files: int, options: RunOptions) -> int:
    if files < PARALLEL_MIN_FILES or os.environ.get("FINOPS_LINT_JOBS") == "1":
        return 1
    if not hasattr(os, "fork"):
        return 1
    wanted = os.environ.get("FINOPS_LINT_JOBS")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = int(wanted) if wanted and wanted.isdigit() else (cpus or 1)
    return max(1, min(count, 8, files // (PARALLEL_MIN_FILES // 2)))


def _check_in_workers(
    files: list[Target], ws: Workspace, rules: list[Rule], options: RunOptions, workers: int
) -> tuple[list[Finding], list[str], int]:
    """Parse and check files in forked children that share the parent's Site.

    The parent checks the first share itself, so N cores run N processes; each
    child sends its findings back pickled through a pipe.
    """
    import pickle

    global _WORKER_STATE
    # Everything the workers read from the Site is computed once, before the fork.
    ws.prepare_for_workers(rules)
    _phase("prepare")
    _WORKER_STATE = (ws, rules, options)
    # Interleave by size so each worker gets a similar amount of text.
    ordered = sorted(files, key=_size, reverse=True)
    chunks = [ordered[i::workers] for i in range(workers)]
    children: list[tuple[int, BinaryIO]] = []
    try:
        for chunk in chunks[1:]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: check its share, send the result, leave at once
                try:
                    # Ctrl-C or SIGTERM ends a worker at once, silently: the parent
                    # reports the interrupt and stops the others.
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    os.close(read_end)
                    try:
                        payload = pickle.dumps(("ok", _worker(chunk)))
                    except BaseException as exc:  # reported by the parent
                        payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
                    with os.fdopen(write_end, "wb") as out:
                        out.write(payload)
                finally:  # never return into the parent's code, whatever happened
                    os._exit(0)
            os.close(write_end)
            children.append((pid, os.fdopen(read_end, "rb")))
        results = [_worker(chunks[0])]
        while children:
            pid, inp = children[0]
            payload = inp.read()
            inp.close()
            children.pop(0)
            os.waitpid(pid, 0)
            if not payload:
                raise RuntimeError("a worker process ended without a result")
            status, value = pickle.loads(payload)
            if status != "ok":
                raise RuntimeError(f"a worker process failed: {value}")
            results.append(value)
        children = []
    finally:
        _WORKER_STATE = None
        for pid, inp in children:  # only after an error or an interrupt
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)  # stop it; do not wait for its share
            with contextlib.suppress(OSError):
                inp.close()
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)  # no zombies
    found: list[Finding] = []
    checked: list[str] = []
    internal = 0
    for chunk_findings, chunk_checked, chunk_internal in results:
        found.extend(chunk_findings)
        checked.extend(chunk_checked)
        internal += chunk_internal
    return found, sorted(checked), internal


def _size(target: Target) -> int:
    try:
        return target.path.stat().st_size
    except OSError:
        return 0


def _worker(files: list[Target]) -> tuple[list[Finding], list[str], int]:
    assert _WORKER_STATE is not None
    ws, rules, options = _WORKER_STATE
    _phase("worker start")
    docs, problems = load_documents(files, ws.config)
    for doc in docs:
        ws.docs[doc.rel_path] = doc
    _phase(f"worker parse ({len(docs)} files)")
    found, checked, internal = _check_documents(docs, ws, rules, options)
    _phase("worker rules")
    return problems + found, checked, internal


def _check_documents(
    docs: list[Document], ws: Workspace, rules: list[Rule], options: RunOptions
) -> tuple[list[Finding], list[str], int]:
    config = ws.config
    site = ws.jekyll_site if docs else None
    findings: list[Finding] = []
    internal = 0
    options_of = {r.code: r.option_values(config.rule_options.get(r.code)) for r in rules}
    internal_rule = _internal_rule()
    for doc in docs:
        facts = ws.facts(doc.rel_path, doc)
        doc.data = facts.data
        page_type = facts.page_type
        suppress = parse_suppressions(doc.lines) if "finops-lint-" in doc.text else None
        for r in rules:
            if doc.decode_error is not None and r.code != UNREADABLE:
                continue
            ctx = RuleContext(config, page_type, site, options_of[r.code], ws)
            try:
                issues = list(r.check(doc, ctx))
            except Exception as exc:  # a bug in a rule must not stop the run
                internal += 1
                detail = ""
                if options.verbose:
                    import traceback

                    detail = traceback.format_exc()
                findings.append(
                    Finding(
                        doc.path,
                        1,
                        1,
                        internal_rule.code,
                        internal_rule.name,
                        internal_rule.severity,
                        f"rule {r.code} ({r.name}) failed: {type(exc).__name__}: {exc}; "
                        "please report this at the finops-lint issue tracker"
                        + (f"\n{detail}" if detail else ""),
                    )
                )
                continue
            default = config.severities.get(r.code, r.severity)
            for issue in issues:
                if suppress is not None and suppress.is_suppressed(r.code, issue.line):
                    continue
                sev = config.severities.get(r.code) or issue.severity or default
                findings.append(
                    Finding(
                        path=doc.path,
                        line=max(1, issue.line),
                        column=max(1, issue.column),
                        code=r.code,
                        rule=r.name,
                        severity=sev,
                        message=issue.message,
                        end_line=issue.end_line,
                        end_column=issue.end_column,
                        related=issue.related,
                        fix=issue.fix,
                    )
                )
    return findings, [d.path for d in docs], internal


__all__ = ["RunOptions", "RunResult", "UsageError", "Workspace", "find_site_root", "run"]
