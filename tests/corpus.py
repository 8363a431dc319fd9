"""Where the shared corpus is, for every test that reads it (see ../shared/README.md).

``FINOPS_LINT_CORPUS`` means one thing in every test: the corpus folder, the one
that holds ``finops-framework/`` and ``cases/`` (default: ``../shared/corpus``).
Without it corpus tests skip, unless ``FINOPS_LINT_REQUIRE_CORPUS=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path | None:
    """The corpus folder, or None when it is not there (for module-level checks)."""
    env = os.environ.get("FINOPS_LINT_CORPUS")
    root = Path(env) if env else PROJECT.parent / "shared" / "corpus"
    return root if (root / "finops-framework" / "_config.yml").is_file() else None


def _missing() -> str:
    env = os.environ.get("FINOPS_LINT_CORPUS")
    where = env or str(PROJECT.parent / "shared" / "corpus")
    reason = (
        f"the shared corpus is not at {where} (set FINOPS_LINT_CORPUS to the folder that "
        "holds finops-framework/ and cases/)"
    )
    if os.environ.get("FINOPS_LINT_REQUIRE_CORPUS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def corpus_root() -> Path:
    """The corpus folder; skips the test (or fails it when required) without it."""
    root = corpus_dir()
    if root is None:
        _missing()
    assert root is not None
    return root


def framework_site() -> Path:
    """The FinOps framework site folder (the one with _config.yml)."""
    return corpus_root() / "finops-framework"


def corpus_case(name: str) -> Path:
    """A file of the corpus's cases/ folder."""
    return corpus_root() / "cases" / name
