"""Command-line interface: wiring only; the work is in engine, rules and report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from finops_lint import __version__
from finops_lint.config import ConfigError

FORMATS = ("text", "json", "sarif", "junit", "github")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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

    Exit codes: 0 no errors, 1 errors found (or warnings with --strict),
    2 usage, config or internal error.
    """


def _use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file to use instead of searching for .finops-lint.yaml.",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    help="Site root (default: nearest folder with _config.yml).",
)
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
    help="Folder for the external link cache (default: .finops-lint-cache/ at the root).",
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
    verbose: bool,
) -> None:
    """Check pages (files or folders; default: the current folder).

    Pages are checked against the whole site: given only some files (as pre-commit
    passes them), finops-lint still builds every page's URL, so links and
    cross-references resolve, but reports only on the files given.

    \b
    Examples:
      finops-lint check
      finops-lint check _capabilities/forecasting.md --format json
      finops-lint check --select PH,TB --strict
      finops-lint check --format sarif -o finops-lint.sarif
      finops-lint check --external          # also check links to other sites
    """
    import gc

    # A short run allocates many small objects and frees nothing cyclic worth
    # collecting: the cyclic collector only costs time here.
    gc.disable()
    try:
        _check(
            paths,
            config_path,
            root,
            select,
            ignore,
            fmt,
            output_file,
            strict,
            statistics,
            quiet,
            external,
            offline,
            allow_hosts,
            cache_dir,
            verbose,
        )
    finally:
        gc.enable()


def _check(
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
    verbose: bool,
) -> None:
    from finops_lint.engine import RunOptions, UsageError, run

    options = RunOptions(
        paths=list(paths) or [Path(".")],
        root=root,
        config_path=config_path,
        select=_codes(select),
        ignore=_codes(ignore),
        external=False if offline else external,
        offline=offline,
        verbose=verbose,
        allow_hosts=list(allow_hosts),
        cache_dir=cache_dir,
        progress=sys.stderr.isatty() and fmt == "text",
    )
    try:
        result = run(options)
    except ConfigError as exc:
        click.echo(f"finops-lint: config error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except UsageError as exc:
        click.echo(f"finops-lint: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the last line of defence: one line, exit 2
        if verbose:
            raise
        click.echo(
            f"finops-lint: internal error: {type(exc).__name__}: {exc} "
            "(run with --verbose for the traceback)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    for notice in result.notices:
        click.echo(f"finops-lint: {notice}", err=True)
    out = _render(result, fmt, statistics, quiet, output_file)
    if out and not out.endswith("\n"):
        out += "\n"
    if output_file is not None:
        try:
            output_file.write_text(out, encoding="utf-8")
        except OSError as exc:
            click.echo(f"finops-lint: cannot write {output_file}: {exc.strerror}", err=True)
            sys.exit(EXIT_ERROR)
    else:
        click.echo(out, nl=False, color=True if _use_color(sys.stdout) else None)
    if result.internal_errors:
        sys.exit(EXIT_ERROR)
    errors = any(f.severity.value == "error" for f in result.findings)
    warnings = any(f.severity.value == "warning" for f in result.findings)
    _fast_exit(EXIT_FINDINGS if errors or (strict and warnings) else EXIT_OK)


def _fast_exit(code: int) -> None:
    """Exit without tearing down the heap of parsed pages (tens of ms on a big site).

    Only from the console script: under click's test runner (or any caller that
    imported us) a normal SystemExit keeps the caller alive.
    """
    if os.environ.get("FINOPS_LINT_FAST_EXIT") == "1":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _render(result: Any, fmt: str, statistics: bool, quiet: bool, output_file: Path | None) -> str:
    from finops_lint.report.text import render_json, render_text

    findings = result.findings
    if statistics:
        from finops_lint.report.statistics import render_statistics

        return render_statistics(findings)
    if fmt == "json":
        return render_json(findings, len(result.checked))
    if fmt == "sarif":
        from finops_lint.report.sarif import render_sarif

        return render_sarif(
            findings, result.rules, tool_version=__version__, base_uri=Path.cwd().as_uri() + "/"
        )
    if fmt == "junit":
        from finops_lint.report.junit import render_junit

        return render_junit(findings, result.checked)
    if fmt == "github":
        from finops_lint.report.github import render_github

        return render_github(findings)
    color = output_file is None and _use_color(sys.stdout)
    return render_text(findings, len(result.checked), color=color, quiet=quiet)


def _codes(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v.strip().upper() for v in value.split(",") if v.strip())
    return out


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
                        "summary": r.summary,
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
def explain(code: str) -> None:
    """Print a rule's docs: what it finds, why it matters, examples, configuration."""
    from finops_lint.rules.base import get_rule

    r = get_rule(code)
    if r is None:
        click.echo(f"finops-lint: unknown rule '{code}'; `finops-lint rules` lists them", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(
        f"{r.code} {r.name} (default severity: {r.severity.value}"
        f"{', fixable' if r.fixable else ''})\n"
    )
    if not r.docs.startswith(r.summary):
        click.echo(r.summary + "\n")
    click.echo(r.docs)


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    help="Site root (default: nearest folder with _config.yml).",
)
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
@click.option("--force", is_flag=True, help="Overwrite an existing .finops-lint.yaml.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the config instead of writing it.")
def init(root: Path | None, force: bool, to_stdout: bool) -> None:
    """Write a .finops-lint.yaml for the site in ROOT (default: nearest _config.yml)."""
    from finops_lint.engine import find_site_root
    from finops_lint.init import generate_config

    site_root = root or find_site_root(Path.cwd())
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
    click.echo(f"wrote {target}")


@main.command(context_settings=CONTEXT)
def schema() -> None:
    """Print the config file's JSON Schema (for editors and CI)."""
    from finops_lint.resources import schema_path

    click.echo(schema_path("config.schema.json").read_text(encoding="utf-8"), nl=False)


def console_main() -> None:
    """The `finops-lint` console script: main() with the fast exit enabled."""
    os.environ.setdefault("FINOPS_LINT_FAST_EXIT", "1")
    main()


if __name__ == "__main__":  # pragma: no cover
    main()
