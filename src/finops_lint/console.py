"""The `finops-lint` console script.

`finops-lint check [--offline] FILE...` (the call pre-commit makes) goes
straight to the check; everything else goes through the click CLI. This saves
importing click, about a tenth of a one-page run. The regular expressions and
dataclasses every run compiles are kept between runs (`startup_cache`), about a
quarter.
"""

from __future__ import annotations

import atexit
import os
import sys


def main() -> None:
    try:
        _main()
    except KeyboardInterrupt:  # Ctrl-C before the check took over (imports, parsing)
        sys.stderr.write("finops-lint: interrupted\n")
        sys.exit(130)


def _main() -> None:
    os.environ.setdefault("FINOPS_LINT_FAST_EXIT", "1")
    # A plain `check` of a tree as it was at the last such call prints that call's
    # report (cache.replay): nothing else is imported.
    from finops_lint.cache import replay

    prepared = replay.prepare(sys.argv[1:])
    if prepared is not None:
        found = prepared.replay()
        if found is not None:
            _replayed(*found)
    # Before anything compiles a regular expression or makes a dataclass (most
    # modules do as they load).
    from finops_lint import startup_cache

    if startup_cache.install():
        atexit.register(startup_cache.save)
    from finops_lint.check_command import plain_check_args, run_check

    args = plain_check_args(sys.argv[1:])
    if args is not None:
        args.replay = prepared
        run_check(args)
    from finops_lint.cli import main as cli_main

    cli_main()


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
