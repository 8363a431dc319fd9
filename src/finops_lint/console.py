"""The `finops-lint` console script.

`finops-lint check [--offline] FILE...` (the call pre-commit makes) goes
straight to the check; everything else goes through the click CLI. This saves
importing click, about a tenth of a one-page run. The regular expressions and
dataclasses every run compiles are kept between runs (`startup_cache`), about a
quarter. On a big site the tree is walked by a child process while this one
imports the check and parses the main cache file (`cache.tree.Walk`).
"""

from __future__ import annotations

import atexit
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from finops_lint.cache.replay import Prepared


def main() -> None:
    try:
        _main()
    except KeyboardInterrupt:  # Ctrl-C before the check took over (imports, parsing)
        sys.stderr.write("finops-lint: interrupted\n")
        sys.exit(130)


def _main() -> None:
    os.environ.setdefault("FINOPS_LINT_FAST_EXIT", "1")
    # With `finops-lint server start` run for this site, the server runs the call.
    from finops_lint.server import client

    served = client.delegate(sys.argv[1:])
    if served is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(served)
    client.start_if_asked(sys.argv[1:])  # FINOPS_LINT_SERVER=auto
    # A plain `check` of a tree as it was at the last such call prints that call's
    # report (cache.replay): nothing else is imported.
    from finops_lint.cache import replay

    # (in the server, with everything imported, a walk in a child saves nothing)
    prepared = replay.prepare(
        sys.argv[1:], also=_list_site, background=not client.SERVED, walked=client.WALKED
    )
    if prepared is not None and prepared.walk.pending:
        # While a child walks the big tree the replay compares: what a run that is not
        # replayed does first.
        _load_check(whole=True)
        from finops_lint.cache.store import preload

        preload(prepared.main_file, prepared.walk.started_ns)
        _wait_for_the_walk(prepared)
    if prepared is not None and client.TREE_CHANGED:
        if os.environ.get("FINOPS_LINT_TIMING"):
            sys.stderr.write("finops-lint timing: the server saw the tree change: no replay\n")
    elif prepared is not None:
        if client.TREE_DIGEST is not None and client.WALKED is not None:
            prepared.known_tree_digest(client.WALKED, client.TREE_DIGEST)
        found = prepared.replay()
        if found is not None:
            _replayed(*found)
    _load_check()
    from finops_lint.check_command import plain_check_args, run_check

    args = plain_check_args(sys.argv[1:])
    if args is not None:
        args.replay = prepared
        run_check(args)
    from finops_lint.cli import main as cli_main

    cli_main()


def _load_check(*, whole: bool = False) -> None:
    """Import the check (once); `whole`: the engine too, which a run that is not
    replayed imports later. Before anything compiles a regular expression or makes a
    dataclass (most modules do as they load): the startup cache first."""
    if "finops_lint.check_command" not in sys.modules:
        from finops_lint import startup_cache

        if startup_cache.install():
            atexit.register(startup_cache.save)
        import finops_lint.check_command
    if whole:
        import finops_lint.engine  # noqa: F401


def _list_site(root: str) -> Any:
    """What the child that walks a big tree lists next: the files Jekyll reads (imported
    there, not here)."""
    from finops_lint.site.source import child_listing

    return child_listing(root)


def _wait_for_the_walk(prepared: Prepared) -> None:
    """Take the child's walk; FINOPS_LINT_TIMING=1 says how long it was waited for."""
    import time

    start = time.perf_counter()
    prepared.walk.files  # noqa: B018 (waits for the child)
    if os.environ.get("FINOPS_LINT_TIMING"):
        waited = time.perf_counter() - start
        sys.stderr.write(f"finops-lint timing: waited for the walk in a child {waited:.3f}s\n")


def _replayed(code: int, out: bytes, err: bytes) -> None:
    """Print a recorded report as the run that made it printed it, and exit with its code."""
    from finops_lint.streams import write

    write(sys.stderr, err.decode("utf-8", "surrogatepass"))
    write(sys.stdout, out.decode("utf-8", "surrogatepass"))
    if os.environ.get("FINOPS_LINT_TIMING"):
        sys.stderr.write("finops-lint timing: replayed the last report\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
