"""The run: files -> Documents -> Site -> rules -> findings.

What rules may know beyond their own page is the `Workspace` (workspace.py); the
rules run over the pages in `workers.py`, in this process or in forked workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops_lint.cache.deps import Oracle
from finops_lint.cache.results import (
    PageResult,
    Plan,
    ResultCache,
    cache_store,
    run_key,
)
from finops_lint.cache.rows import group_by_page, shown_path
from finops_lint.cache.tree import Walk, cache_disabled_by_env, safe_rel
from finops_lint.config import Config, code_problem, load_config
from finops_lint.discover import (
    UNREADABLE,
    Target,
    UsageError,
    discover,
    display,
    find_site_root,
    is_jekyll_site,
    real_path,
    site_root,
)
from finops_lint.document import Document
from finops_lint.findings import INTERNAL_ERROR, Finding
from finops_lint.rules.base import Rule, all_rules, source_facts_reader
from finops_lint.workers import (
    PARALLEL_MIN_FILES,
    Job,
    MemoHelper,
    Outcome,
    beside,
    check_documents,
    check_files,
    check_in_workers,
    internal_rule,
    memo_helper_may_run,
    phase,
    prepare,
    split_in_two,
    worker_count,
)
from finops_lint.workspace import Workspace, load_documents


@dataclass
class RunOptions:
    """What a run was asked to do: the paths, config, rules and output options."""

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
    #: reuse the findings of files unchanged since the last run (.finops-lint-cache/)
    cache: bool = True
    #: the site tree as walked before the run, if it was
    walked: Walk | None = None
    #: the result cache is written by `RunResult.finish`, which the caller calls once
    #: its report is out (a check `finops-lint server` runs answers first)
    defer_save: bool = False


@dataclass
class RunResult:
    """What a run found and checked, with the notices and rules for the report."""

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
    #: the files the result cache's key read, when the run used the cache (a run
    #: that did not cannot be replayed: `cache.replay`)
    inputs: list[str] | None = None
    #: with `RunOptions.defer_save`: writes the result cache (None: nothing to write)
    finish: Callable[[], None] | None = None


def _check_external(ws: Workspace, docs: list[Document], options: RunOptions) -> None:
    """Check every unique external URL of the checked pages once, before the rules run."""
    from finops_lint.links import LinkCheckOptions, check_urls
    from finops_lint.parsing.front_matter_data import front_matter_targets

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


def enabled_rules(config: Config) -> list[Rule]:
    """The rules the config turns on (the internal-error rule is added by the run)."""
    return [
        r
        for r in all_rules()
        if r.code != INTERNAL_ERROR and config.rule_enabled(r.code, r.default_enabled)
    ]


def run(options: RunOptions) -> RunResult:
    phase("start")
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
    rules = enabled_rules(config)
    ws = Workspace(root, config, cwd)
    phase("config")
    files, findings = discover(paths, root, config, cwd)
    impact = _staged_impact(files, root, config, ws) if options.staged else None
    if impact is not None:
        files.extend(Target(p, p.relative_to(root).as_posix()) for p in impact.dependents)
    phase("discover")
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
        where = "in" if options.root is not None else "at or above"
        ws.notices.append(
            f"no _config.yml {where} {ws.display_path('.')}: links to other pages and "
            "cross-references are not checked (give --root the folder with the site's "
            "_config.yml)"
        )
    needs_site = any(r.scope == "site" for r in rules)
    cache = _open_cache(options, ws, rules, external) if files else None
    plan = None
    if cache is not None:
        phase("cache read")  # the tree walked (unless the replay did) and the main file
        ws.known = cache.known  # before anything builds the Site
        ws.tree = cache.tree
        ws.source_listing = cache.walk.also_found  # the Site's files, if a child listed them
        ws.known_digest = cache.recorded_digest
        plan = cache.plan(files, ws.display_path, Oracle(ws, reasking=True))
        phase("cache plan")  # the questions recorded pages asked, asked again
    to_check = files if plan is None else [t for t in files if t.rel not in plan.reused]
    job = Job()
    if plan is not None:
        job = Job(only={rel: codes for rel, (codes, _local) in plan.rerun.items()}, trace=True)
    workers = worker_count(len(to_check), options)
    # What a page's rules would each compute for themselves (LK014's template breaks:
    # O(site) per page) is computed once for the site, as before a fork.
    prepares = not external if workers >= 2 else len(to_check) >= PARALLEL_MIN_FILES
    helper: MemoHelper | None = None
    try:
        problems: list[tuple[str, int, str]] | None
        if plan is not None and plan.problems is not None and not to_check:
            problems = plan.problems  # nothing to check again: the Site is not even built
        else:
            # With many files to read and a CPU idle, the Site reads them in two
            # processes, and on a whole-site run learns what the rules' recipes ask of
            # every page; with few, the recipes' helper starts now and builds its own.
            ws.split_reads = split_in_two
            ws.checked = len(to_check)
            if prepares and is_jekyll_site(root):
                helper = MemoHelper.start_before_site(ws, rules, job, len(to_check), files)
            whole_site = memo_helper_may_run(len(to_check), files)
            if not (plan is not None and plan.rerun) and whole_site:
                # (a helper started before the Site learns the same of the half it reads)
                ws.source_facts_of = source_facts_reader(config, {r.code for r in rules})
            site = ws.jekyll_site if files else None  # page facts need it, whatever is selected
            if helper is not None:
                helper.site_built()
            problems = list(site.problems) if site is not None else []
        if needs_site and files and is_jekyll_site(root):
            for path, line, message in problems:
                ws.notices.append(f"{ws.display_path(path)}:{line}: {message}")
        phase("site")
        if workers < 2 and prepares:
            prepare(ws, rules, job, len(to_check), helper)
        outcome = _check(to_check, ws, rules, options, workers, job, external, helper)
    finally:
        if helper is not None:
            helper.stop()  # (reaped once collected; stopped, after an error)
    found, checked, internal = outcome.findings, outcome.checked, outcome.internal
    finish = None
    if cache is not None and plan is not None:
        found, checked, finish = _with_cache(
            cache, plan, outcome, files, to_check, ws, problems, options
        )
        if not options.defer_save:
            finish()
            finish = None
        phase("cache save")
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
        [*rules, internal_rule()],
        partly_checked=partly,
        # a file the cache's tree does not hold (in node_modules/, reached through a
        # symlink) could change unseen: such a run is not recorded for a replay
        inputs=None if cache is None or not all(map(cache.cacheable, files)) else cache.inputs,
        finish=finish,
    )


def _check(
    to_check: list[Target],
    ws: Workspace,
    rules: list[Rule],
    options: RunOptions,
    workers: int,
    job: Job,
    external: bool,
    helper: MemoHelper | None,
) -> Outcome:
    """Parse and check the files: in this process (all at once when their external
    links are checked first, else a batch at a time), or in forked workers."""
    if external:  # the links of every page are checked at once, before the rules
        hashes: dict[str, str] | None = {} if job.trace else None
        docs, load_problems = load_documents(to_check, ws.config, hashes, ws.front_matter_read)
        for doc in docs:
            ws.docs[doc.rel_path] = doc
        if docs:
            _check_external(ws, docs, options)
        phase("parse")
        outcome = check_documents(docs, ws, rules, options, job)
        outcome.findings[:0] = load_problems
        outcome.hashes = hashes or {}
        phase("rules")
    elif workers < 2:
        outcome = check_files(to_check, ws, rules, options, job)
        phase("parse and rules")
    else:
        outcome = check_in_workers(to_check, ws, rules, options, workers, job, helper)
        phase("workers")
    return outcome


def _open_cache(
    options: RunOptions, ws: Workspace, rules: list[Rule], external: bool
) -> ResultCache | None:
    """The result cache for this run, or None: turned off, or a run it cannot make exact."""
    if not options.cache or external or cache_disabled_by_env():
        return None
    store = cache_store(ws.root, options.cache_dir, ws.notices.append)
    if store is None:
        return None
    read: list[str] = []
    key = run_key(ws.config, rules, read)
    if key is None:
        return None
    walked = options.walked
    if walked is None or walked.root != str(ws.root):
        walked = None
    cache = None
    if walked is not None:  # in a child of `finops-lint server`: its cache, maybe
        from finops_lint.server.prepared import following_cache

        cache = following_cache(store, key, walked)
    if cache is None:
        cache = ResultCache(store, key, ws.root, walked)
    cache.inputs = read
    return cache


def _with_cache(
    cache: ResultCache,
    plan: Plan,
    outcome: Outcome,
    files: list[Target],
    to_check: list[Target],
    ws: Workspace,
    problems: list[tuple[str, int, str]],
    options: RunOptions,
) -> tuple[list[Finding], list[str], Callable[[], None]]:
    """The run's findings and checked files, the cached ones included (in the order a run
    without the cache gives), and what writes the cache for the next run."""
    found = list(outcome.findings)
    for reused in plan.reused.values():
        found.extend(reused)
    for _codes, local in plan.rerun.values():
        found.extend(local)
    cwd = os.getcwd()
    shown_in_order = [shown_path(t.path, cwd) for t in files]
    by_page = group_by_page(found, files, shown_in_order)
    pages: dict[str, PageResult] = {}
    for target in files:
        rel = target.rel
        if rel in outcome.failed or not cache.cacheable(target):
            continue
        if rel in plan.reused:
            pages[rel] = (plan.codes[rel], by_page.get(rel, []), plan.asked[rel])
        elif rel in outcome.beyond:
            codes = set(outcome.beyond[rel])
            if rel in plan.rerun:
                codes |= set(plan.rerun[rel][0])
            pages[rel] = (sorted(codes), by_page.get(rel, []), outcome.asked.get(rel))
    cache.new_hashes.update(outcome.hashes)

    rels: dict[str, str | None] = {}  # a related page is named by many findings

    def rel_of(shown: str) -> str | None:
        if shown in rels:
            return rels[shown]
        rel = ws.rel_of_shown(shown)
        rels[shown] = rel = rel if rel is not None and safe_rel(rel) else None
        return rel

    unchanged = cache.site_same and not to_check
    shown = {t.rel: path for t, path in zip(files, shown_in_order, strict=True)}
    done = set(outcome.checked) | {shown[t.rel] for t in files if t.rel in plan.reused}
    checked = [shown[t.rel] for t in files if shown[t.rel] in done]
    if worker_count(len(files), options) >= 2:
        checked.sort()  # as the worker pool gives them
    return (
        found,
        checked,
        lambda: cache.save(pages, problems, rel_of, unchanged=unchanged, beside=beside),
    )


def _staged_impact(files: list[Target], root: Path, config: Config, ws: Workspace) -> Any:
    """--staged: the pages that link to what the staged git changes remove."""
    from finops_lint.impact import find_impact

    if not is_jekyll_site(root):
        return None
    site_files, _problems = discover([root], root, config)
    given = {t.rel for t in files}
    site_pages = [t.rel for t in site_files]
    impact, notices = find_impact(root, given, site_pages, config.id_options)
    ws.notices.extend(notices)
    return impact


__all__ = ["RunOptions", "RunResult", "UsageError", "Workspace", "find_site_root", "run"]
