"""IN: problems of finops-lint itself, reported so that a run never hides them."""

from __future__ import annotations

from collections.abc import Iterator

from finops_lint.document import Document
from finops_lint.findings import INTERNAL_ERROR
from finops_lint.rules.base import Issue, RuleContext, rule


@rule(INTERNAL_ERROR, "internal-error", "error", "A rule failed on a page (a bug in finops-lint).")
def internal_error(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Reported by the engine, not by a check of its own: when a rule raises an
    exception on a page, that rule's findings for the page are lost, so the page
    gets one IN001 finding naming the rule and the error, and the run exits 2. The
    other rules and pages still run.

    **Why it matters:** a silent crash would look like a clean page.

    **Bad:** `IN001 rule LK004 (broken-page-anchor) failed: KeyError: 'x'`.

    **Good:** report it at the finops-lint issue tracker with the page (run with
    `--verbose` for the traceback). It cannot be turned off or baselined.
    """
    return iter(())
