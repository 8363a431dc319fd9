"""finops-lint's LK001-LK004 and LK014 findings as the oracle counts them: (code,
source file, href).

An LK014 finding (a front matter value from which a template builds a broken
path) counts as the broken image (LK002) or link (LK001) that the template
renders, credited to the template, as the oracle credits Liquid-built links.

Each finding points at a link target in a source file; the href that target
becomes in the built HTML is what the oracle saw. Most targets are copied
as written; Liquid (`{{ site.baseurl }}`, `relative_url`, `{% link %}`) and
jekyll-relative-links change them, and the Site says how (if it says it
wrongly, the keys differ and the comparison fails, which is the point).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

from finops_lint.document import parse_document
from finops_lint.engine import RunOptions, run
from finops_lint.findings import Severity
from finops_lint.parsing.links import Link
from finops_lint.workspace import Workspace
from tests.oracle.checker import Broken, BuiltSite, Report, check_site
from tests.oracle.hosts import Host

LK_CODES = ("LK001", "LK002", "LK003", "LK004", "LK014")


def lint_broken(root: Path, config_path: Path | None = None) -> set[Broken]:
    """finops-lint's error-severity LK001-LK004 and LK014 findings on the site at root."""
    result = run(
        RunOptions(paths=[root], root=root, select=list(LK_CODES), config_path=config_path)
    )
    ws = Workspace(root, result.config, Path.cwd())
    site = ws.site
    assert site is not None
    out: set[Broken] = set()
    docs: dict[str, list[Link]] = {}
    for f in result.findings:
        if f.code not in LK_CODES or f.severity != Severity.ERROR:
            continue
        rel = os.path.relpath(Path.cwd() / f.path, root).replace(os.sep, "/")
        if f.code == "LK014":
            out |= _template_broken(ws, rel, f.line, f.message)
            continue
        links = docs.get(rel)
        if links is None:
            doc = parse_document((root / rel).read_bytes(), str(root / rel), rel)
            links = docs[rel] = doc.links
        link = next(
            (lk for lk in links if (lk.target_line, lk.target_column) == (f.line, f.column)), None
        )
        assert link is not None, f"no link at {rel}:{f.line}:{f.column} for {f}"
        href = site.rendered_href(link.target, rel, markdown=link.syntax != "html")
        out.add(Broken(f.code, rel, href, f.message))
    return out


def _template_broken(ws: Workspace, rel: str, line: int, why: str) -> set[Broken]:
    """The built links an LK014 finding stands for: (LK002 or LK001, template, href)."""
    doc = parse_document((ws.root / rel).read_bytes(), str(ws.root / rel), rel)
    out = {
        Broken("LK002" if b.link.tag == "img" else "LK001", b.link.template, b.href, why)
        for b in ws.template_breaks().get(rel, [])
        if doc.front_matter.value_position((b.key,)).line == line
    }
    assert out, f"LK014 at {rel}:{line} stands for no built link"
    return out


@dataclass
class Comparison:
    oracle: Report
    lint: set[Broken]

    @property
    def missed(self) -> set[Broken]:
        """Broken in the built site, not reported."""
        return self.oracle.broken - self.lint

    @property
    def extra(self) -> set[Broken]:
        """Reported, but works in the built site."""
        return self.lint - self.oracle.broken

    def explain(self) -> str:
        lines = []
        for b in sorted(self.missed, key=_order):
            lines.append(f"missed: {b.code} {b.source} {b.href!r} ({b.why})")
        for b in sorted(self.extra, key=_order):
            lines.append(f"extra:  {b.code} {b.source} {b.href!r} ({b.why})")
        return "\n".join(lines)


def assert_broken_set(result: Comparison, expected: set[tuple[str, str, str]]) -> None:
    """The built site's broken set is `expected` (so a checker that sees nothing
    cannot pass), and finops-lint's findings are exactly that set."""
    got = {(b.code, b.source, b.href) for b in result.oracle.broken}
    assert got == expected, f"the built site's broken set changed: {sorted(got)}"
    assert not result.missed and not result.extra, result.explain()


def compare(
    built: BuiltSite, host: Host, root: Path, config_path: Path | None = None
) -> Comparison:
    return Comparison(check_site(built, host), lint_broken(root, config_path))


def _order(b: Broken) -> tuple[str, str, str]:
    return (b.source, b.code, b.href)


def unescape(href: str) -> str:
    return html.unescape(href)
