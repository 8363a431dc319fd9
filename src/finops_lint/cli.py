"""Command-line interface: wiring only; the work is in engine, rules and report."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from finops_lint import __version__
from finops_lint.check_command import EXIT_ERROR, CheckArgs, run_check
from finops_lint.config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("text", "json", "sarif", "junit", "github")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Options several commands take, declared once.
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file to use instead of searching for .finops-lint.yaml.",
)
root_option = click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    help="Site root (default: nearest folder with _config.yml).",
)


def baseline_option(help: str) -> Callable[[F], F]:
    """--baseline FILE; each command says where the default file is."""
    return click.option(
        "--baseline",
        "baseline_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help=help,
    )


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="finops-lint")
def main() -> None:
    """Lint and validate a Jekyll Markdown content site such as the FinOps Framework.

    \b
    Start here:
      finops-lint check                 check the site in this folder (built-in profile)
      finops-lint check _capabilities/  check some pages against the whole site
      finops-lint rules                 list every rule
      finops-lint explain TB003         what a rule finds, why, and how to configure it
      finops-lint extract PAGE.md       the parsed page as JSON (tables, links, headings)
      finops-lint init                  write a .finops-lint.yaml for this site
      finops-lint server start          keep a big site ready, so each check is quick

    Exit codes: 0 no errors, 1 errors found (or warnings with --strict),
    2 usage, config or internal error.
    """


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
@root_option
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only these codes or families, e.g. --select PH,TB001.",
)
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these codes or families.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file instead of standard output.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--statistics", is_flag=True, help="Print counts per code instead of findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary when clean.")
@click.option(
    "--external/--no-external",
    default=None,
    help="Check links to other websites (network). Off by default.",
)
@click.option("--offline", is_flag=True, help="Never use the network, whatever the config says.")
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="Allow external checks of this host even if it resolves to a private address.",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the result and external link caches (default: .finops-lint-cache/ at "
    "the root).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Check every file again; read and write no result cache (also FINOPS_LINT_NO_CACHE=1).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Apply the fixes of fixable rules (`finops-lint rules` marks them), then report the rest.",
)
@click.option(
    "--fix-only", is_flag=True, help="Apply the fixes and report only what was fixed (exit 0)."
)
@click.option(
    "--diff", is_flag=True, help="Print the fixes as a unified diff instead of applying them."
)
@click.option(
    "--staged",
    is_flag=True,
    help="Also check the pages that link to pages, images or anchors the staged git "
    "changes delete or rename (the pre-commit hook's mode). Without PATHs: only those.",
)
@baseline_option("Baseline file (default: .finops-lint-baseline.json found like the config).")
@click.option("--no-baseline", is_flag=True, help="Report every finding, baselined or not.")
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when there are findings (2 still means an error).",
)
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks of internal errors.")
def check(
    paths: tuple[Path, ...],
    config_path: Path | None,
    root: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fmt: str,
    output_file: Path | None,
    strict: bool,
    statistics: bool,
    quiet: bool,
    external: bool | None,
    offline: bool,
    allow_hosts: tuple[str, ...],
    cache_dir: Path | None,
    no_cache: bool,
    fix: bool,
    fix_only: bool,
    diff: bool,
    staged: bool,
    baseline_file: Path | None,
    no_baseline: bool,
    exit_zero: bool,
    verbose: bool,
) -> None:
    """Check pages (files or folders; default: the current folder).

    Pages are checked against the whole site: given only some files (as pre-commit
    passes them), finops-lint still builds every page's URL, so links and
    cross-references resolve, but reports only on the files given.

    Findings of unchanged files are reused from .finops-lint-cache/; a plain
    `check [--offline] PATH...` of a site where nothing changed since the same
    call prints that call's report again (FINOPS_LINT_REPLAY=0 turns that off).

    \b
    Examples:
      finops-lint check
      finops-lint check _capabilities/forecasting.md --format json
      finops-lint check --select PH,TB --strict
      finops-lint check --format sarif -o finops-lint.sarif
      finops-lint check --external          # also check links to other sites
      finops-lint check --diff              # what --fix would change
      finops-lint check --fix               # apply the safe fixes
    """
    run_check(
        CheckArgs(
            paths=paths,
            config_path=config_path,
            root=root,
            select=select,
            ignore=ignore,
            fmt=fmt,
            output_file=output_file,
            strict=strict,
            statistics=statistics,
            quiet=quiet,
            external=external,
            offline=offline,
            allow_hosts=allow_hosts,
            cache_dir=cache_dir,
            no_cache=no_cache,
            verbose=verbose,
            fix=fix,
            fix_only=fix_only,
            diff=diff,
            staged=staged,
            baseline=baseline_file,
            no_baseline=no_baseline,
            exit_zero=exit_zero,
        )
    )


@main.command(context_settings=CONTEXT)
@click.argument("path", required=False, type=click.Path(path_type=Path))
@config_option
@root_option
@baseline_option("Baseline file (default: the one found like the config, else at the site root).")
@click.option(
    "--prune", is_flag=True, help="Only remove fixed findings from the baseline; add nothing."
)
def baseline(
    path: Path | None,
    config_path: Path | None,
    root: Path | None,
    baseline_file: Path | None,
    prune: bool,
) -> None:
    """Accept today's findings: write .finops-lint-baseline.json so that `check`
    reports only new ones (commit the file).

    Each finding is kept by its code, page and a hash of its source line and
    message, not its line number, so edits elsewhere in a page keep it accepted.

    \b
    Examples:
      finops-lint baseline             # the site in this folder
      finops-lint baseline --prune     # drop findings that were fixed since
    """
    from finops_lint.baseline import BaselineError, write_command
    from finops_lint.engine import UsageError

    try:
        code, lines = write_command(
            path, config_path=config_path, root=root, baseline_file=baseline_file, prune_only=prune
        )
    except ConfigError as exc:
        click.echo(f"finops-lint: config error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except (BaselineError, UsageError) as exc:
        click.echo(f"finops-lint: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        click.echo(f"finops-lint: cannot write the baseline: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    for line in lines:
        click.echo(f"finops-lint: {line}", err=True)
    sys.exit(code)


@main.command(context_settings=CONTEXT)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules(fmt: str) -> None:
    """List every rule: code, name, default severity, fixable, summary."""
    from finops_lint.rules.base import all_rules

    items = all_rules()
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.value,
                        "fixable": r.fixable,
                        "scope": r.scope,
                        "default_enabled": r.default_enabled,
                        "needs_network": r.needs_network,
                        "summary": r.summary,
                        "options": {
                            name: {
                                "schema": o.schema,
                                "default": o.default,
                                "description": o.description,
                            }
                            for name, o in r.options.items()
                        },
                        "help_uri": r.help_uri,
                    }
                    for r in items
                ],
                indent=2,
            )
        )
        return
    width = max(len(r.name) for r in items)
    for r in items:
        fix = "fix" if r.fixable else "   "
        click.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {fix}  {r.summary}")


@main.command(context_settings=CONTEXT)
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="text: readable on a terminal (colour when it is one); markdown: the raw docs.",
)
def explain(code: str, fmt: str) -> None:
    """Print a rule's docs: what it finds, why it matters, examples, configuration."""
    from finops_lint.check_command import use_color
    from finops_lint.config import code_problem
    from finops_lint.report.terminal import render_markdown
    from finops_lint.rules.base import get_rule

    r = get_rule(code)
    if r is None:
        problem = code_problem(code, family_ok=False) or f"unknown rule '{code}'"
        click.echo(f"finops-lint: {problem}", err=True)
        sys.exit(EXIT_ERROR)
    facts = [f"default severity: {r.severity.value}"]
    if r.fixable:
        facts.append("fixable")
    if r.needs_network:
        facts.append("only with --external")
    if not r.default_enabled:
        facts.append("off by default")
    parts = [f"# {r.code} {r.name}", "", f"_{', '.join(facts)}_", ""]
    if not r.docs.startswith(r.summary):
        parts += [r.summary, ""]
    parts.append(r.docs)
    if r.options:
        parts += ["", "## Options", ""]
        for name, opt in r.options.items():
            parts.append(
                f"- `{name}` ({opt.schema.get('type', 'value')}, default "
                f"`{json.dumps(opt.default)}`): {opt.description}"
            )
    parts += ["", f"Docs: {r.help_uri}"]
    markdown = "\n".join(parts) + "\n"
    if fmt == "markdown":
        click.echo(markdown, nl=False)
    else:
        colored = use_color(sys.stdout)
        click.echo(render_markdown(markdown, color=colored), nl=False, color=colored)


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@root_option
def extract(paths: tuple[Path, ...], root: Path | None) -> None:
    """Print the parsed model of pages as JSON: front matter, headings with ids,
    links (with the page each internal link reaches), capability links, tables
    (and the maturity guidelines table as records)."""
    from finops_lint.extract import extract_pages

    try:
        data = extract_pages(list(paths), root)
    except ConfigError as exc:
        click.echo(f"finops-lint: config error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@main.command(context_settings=CONTEXT)
@click.argument("root", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite an existing .finops-lint.yaml; write one outside a Jekyll site.",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the config instead of writing it.")
def init(root: Path | None, force: bool, to_stdout: bool) -> None:
    """Write a .finops-lint.yaml for the Jekyll site in ROOT (default: the nearest
    folder with _config.yml): the profile for the site, its hosts (url, CNAME), its
    excludes and a page type per collection."""
    from finops_lint.engine import find_site_root
    from finops_lint.init import generate_config

    site_root = root or find_site_root(Path.cwd())
    is_site = (site_root / "_config.yml").is_file() or (site_root / "_config.yaml").is_file()
    if not is_site and not force and not to_stdout:
        click.echo(
            f"finops-lint: no _config.yml in {site_root} or above: not a Jekyll site. "
            "Give the site's folder (finops-lint init docs), or --force to write here anyway",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    text = generate_config(site_root)
    if to_stdout:
        click.echo(text, nl=False)
        return
    target = site_root / ".finops-lint.yaml"
    if target.exists() and not force:
        click.echo(f"finops-lint: {target} already exists; use --force to overwrite", err=True)
        sys.exit(EXIT_ERROR)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"finops-lint: cannot write {target}: {exc.strerror}", err=True)
        sys.exit(EXIT_ERROR)
    profile = next(
        (
            line.split(":", 1)[1].strip()
            for line in text.splitlines()
            if line.startswith("extends:")
        ),
        "",
    )
    click.echo(f"wrote {target} (extends: {profile})")
    from finops_lint.init import ignore_cache

    said = ignore_cache(site_root)
    if said:
        click.echo(said)


@main.command(context_settings=CONTEXT)
def schema() -> None:
    """Print the config file's JSON Schema (for editors and CI)."""
    from finops_lint.resources import schema_path

    click.echo(schema_path("config.schema.json").read_text(encoding="utf-8"), nl=False)


@main.group(context_settings=CONTEXT)
def server() -> None:
    """Keep a warm process for one site, so each `finops-lint check PAGE` is quick.

    \b
    A check of a few pages (a pre-commit hook) spends most of its time making
    what does not depend on those pages: the tool's imports, the cache read,
    the Site of every page. With a server running for the site, each plain
    `finops-lint check [--offline] PATH...` in it is run by the server, which
    keeps them ready; the report and exit code are the same as without it.

    \b
      finops-lint server start            start one for the site here
      finops-lint server status           is one running, how many checks it ran
      finops-lint server stop             stop it (it also stops after --idle)

    Set FINOPS_LINT_SERVER=0 to run a check without the server, or
    FINOPS_LINT_SERVER=auto to have a check that finds none start one (with the
    finops-lint that runs it: how a pre-commit hook's own install gets a server).
    """


def _server_root(path: Path | None) -> str:
    from finops_lint.roots import site_root

    return site_root(str(path or "."), os.getcwd(), None)


@server.command("start", context_settings=CONTEXT)
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--idle",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Stop after this many minutes without a check.",
)
def server_start(path: Path | None, idle: float) -> None:
    """Start the server for the site at PATH (default: the nearest folder with
    _config.yml); nothing when one is running."""
    from finops_lint.server.daemon import ServerError, start

    root = _server_root(path)
    try:
        found = start(root, idle * 60)
    except (ServerError, OSError) as exc:
        click.echo(f"finops-lint: the server did not start: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"finops-lint server: running for {root} (pid {found.get('pid')})")
    if not found.get("site_ready"):
        click.echo(
            "finops-lint server: no Site kept (no _config.yml there, or a file it could "
            "not read): checks save only the start-up",
            err=True,
        )


@server.command("status", context_settings=CONTEXT)
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False))
def server_status(path: Path | None) -> None:
    """Say whether a server runs for the site at PATH (exit 1 when none does)."""
    from finops_lint.server.daemon import status

    root = _server_root(path)
    found = status(root)
    if found is None:
        click.echo(f"finops-lint server: none running for {root}")
        sys.exit(1)
    ready = f"Site ready ({found.get('pages')} pages)" if found.get("site_ready") else "no Site"
    click.echo(
        f"finops-lint server: running for {root} (pid {found.get('pid')}); "
        f"{found.get('checks')} checks run; {ready}"
    )


@server.command("stop", context_settings=CONTEXT)
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False))
def server_stop(path: Path | None) -> None:
    """Stop the server of the site at PATH, if one runs."""
    from finops_lint.server.daemon import stop

    root = _server_root(path)
    said = "stopped" if stop(root) else "none running"
    click.echo(f"finops-lint server: {said} for {root}")


if __name__ == "__main__":  # pragma: no cover
    main()
