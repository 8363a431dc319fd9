"""Rule families, one module each. Importing a module registers its rules."""

from __future__ import annotations

_LOADED = False


def load() -> None:
    global _LOADED
    if _LOADED:
        return
    from finops_lint.rules import (  # noqa: F401
        data_files,
        external,
        front_matter_values,
        frontmatter,
        headings,
        internal,
        links,
        markers,
        page_shell,
        placeholders,
        rendering,
        sections,
        tables,
        template_links,
        xref,
    )

    _LOADED = True
