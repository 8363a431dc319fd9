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
    # Before anything compiles a regular expression or makes a dataclass (most
    # modules do as they load).
    from finops_lint import startup_cache

    if startup_cache.install():
        atexit.register(startup_cache.save)
    from finops_lint.check_command import plain_check_args, run_check

    args = plain_check_args(sys.argv[1:])
    if args is not None:
        run_check(args)
    from finops_lint.cli import main as cli_main

    cli_main()
