"""Generate ``docs/rules.md`` from the rules' own docs (the text ``explain`` prints).

The page is a table of every rule, then each rule's docs under a
``## CODE rule-name`` heading. Headings inside a rule's docs are demoted so
they nest under that heading. A test compares the output with the committed
``docs/rules.md``; regenerate it with::

    python -m finops_lint.docs_gen > docs/rules.md
"""

from __future__ import annotations

import re
import sys

from finops_lint.rules.base import Rule

#: The rule families by code prefix (the DESIGN's list), with a short title.
FAMILY_TITLES: dict[str, str] = {
    "FM": "front-matter",
    "LK": "links",
    "TB": "tables",
    "HD": "headings",
    "SC": "sections",
    "PH": "placeholders",
    "XR": "cross-references",
    "EX": "external-links",
}

_ATX = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def render_rules_markdown(rules: list[Rule]) -> str:
    """The Markdown text of ``docs/rules.md`` for these rules (sorted by code)."""
    ordered = sorted({r.code: r for r in rules}.values(), key=lambda r: r.code)
    out: list[str] = [
        "# Rules",
        "",
        "<!-- Generated from the rule docs by `python -m finops_lint.docs_gen`; "
        "do not edit by hand. -->",
        "",
        "Every rule finops-lint knows. `finops-lint rules` prints this list and "
        "`finops-lint explain CODE` prints one rule's docs. Codes are a two-letter "
        "family and three digits: "
        + ", ".join(f"`{code}` {title}" for code, title in FAMILY_TITLES.items())
        + ".",
        "",
        "| Code | Name | Severity | Fixable | Enabled by default | Summary |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in ordered:
        out.append(
            "| "
            + " | ".join(
                [
                    f"[{rule.code}](#{_anchor(rule)})",
                    f"`{rule.name}`",
                    rule.severity.value,
                    "yes" if rule.fixable else "no",
                    "yes" if rule.default_enabled else "no",
                    _cell(rule.summary),
                ]
            )
            + " |"
        )
    for rule in ordered:
        facts = [
            f"Severity: {rule.severity.value}",
            f"fixable: {'yes' if rule.fixable else 'no'}",
            f"enabled by default: {'yes' if rule.default_enabled else 'no'}",
            f"scope: {rule.scope}",
        ]
        out += ["", f"## {rule.code} {rule.name}", "", "*" + " · ".join(facts) + "*", ""]
        docs = _demote_headings(rule.docs.strip() or rule.summary, top=3)
        out.append(docs)
    return "\n".join(out).rstrip() + "\n"


def _anchor(rule: Rule) -> str:
    """The GitHub (and kramdown) id of the ``## CODE rule-name`` heading."""
    text = f"{rule.code} {rule.name}".lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _demote_headings(markdown: str, *, top: int) -> str:
    """Shift ATX headings (outside code fences) so the biggest one is level ``top``."""
    lines = markdown.splitlines()
    levels: list[int] = []
    fence: str | None = None
    heading_rows: list[int] = []
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        if fence is None:
            h = _ATX.match(line)
            if h:
                levels.append(len(h.group(2)))
                heading_rows.append(i)
    if not levels:
        return markdown
    shift = max(0, top - min(levels))
    if shift == 0:
        return markdown
    for i in heading_rows:
        h = _ATX.match(lines[i])
        assert h is not None
        level = min(len(h.group(2)) + shift, 6)
        lines[i] = h.group(1) + "#" * level + lines[i][h.end() :]
    return "\n".join(lines)


def main() -> None:
    from finops_lint.rules.base import all_rules

    sys.stdout.write(render_rules_markdown(all_rules()))


if __name__ == "__main__":
    main()
