"""The `finops-lint` console script.

`finops-lint check FILE...` with no options (the call pre-commit makes) goes
straight to the check; everything else goes through the click CLI. This saves
importing click, about a tenth of a one-page run.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("FINOPS_LINT_FAST_EXIT", "1")
    from finops_lint.check_command import CheckArgs, plain_check_paths, run_check

    paths = plain_check_paths(sys.argv[1:])
    if paths is not None:
        run_check(CheckArgs(paths=paths))
    from finops_lint.cli import main as cli_main

    cli_main()
