"""Where the shared corpus is, for tests that read it (see ../shared/README.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def corpus_root() -> Path:
    env = os.environ.get("FINOPS_LINT_CORPUS")
    root = Path(env) if env else PROJECT.parent / "shared" / "corpus"
    if not (root / "finops-framework" / "_config.yml").is_file():
        reason = f"the shared corpus is not at {root} (set FINOPS_LINT_CORPUS)"
        if os.environ.get("FINOPS_LINT_REQUIRE_CORPUS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return root
