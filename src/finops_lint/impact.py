"""`check --staged`: what the staged git changes break in pages nobody staged.

pre-commit gives a hook only the files that are added or modified, never the
deleted ones, and a page that links to a deleted page, image or anchor is not
staged at all. With `--staged`, finops-lint reads the index itself
(`git diff --cached --name-status -M`) and, for each staged change that can
break inbound links, knows what disappeared:

- a deleted page, or the old path of a renamed one: its URL (last segment of
  its `permalink`, else its file name), its `redirect_from` URLs, its file name
  (links to the source file, jekyll-relative-links) and its `page-identifier`
  (front matter references);
- a deleted or renamed static file (an image, a PDF): its file name;
- a modified page: the heading ids (anchors), `permalink`, `redirect_from`
  entries and `page-identifier` it had in HEAD and no longer has.

It then finds the other pages of the site whose text names one of these (a
plain substring search, no parse), checks them, and keeps only their findings
that are about the removed thing: a broken link, image or anchor whose target
names it, or an unknown reference to the identifier. Everything else in those
pages (legacy findings the author did not cause) stays out of the commit's way.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from finops_lint.document import MARKDOWN_SUFFIXES, PAGE_SUFFIXES, parse_text
from finops_lint.findings import Finding
from finops_lint.parsing.anchors import IdOptions
from finops_lint.parsing.frontmatter import parse_front_matter
from finops_lint.parsing.text import decode_page
from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes

#: Codes whose findings in a linking page can be caused by a change elsewhere.
LINK_CODES = frozenset({"LK001", "LK002", "LK004", "LK010"})
REFERENCE_CODES = frozenset({"XR001"})
_TARGET_END = re.compile(r"[\s)\"'>\]|,]")


@dataclass
class Removed:
    """What one staged change takes away from the site."""

    path: str  # site-relative path of the file as it was
    how: str  # "deleted", "renamed to X", "modified"
    segments: set[str] = field(default_factory=set)  # URL / file-name path segments
    anchors: set[str] = field(default_factory=set)  # heading ids no longer there
    identifiers: set[str] = field(default_factory=set)  # page-identifier values
    #: a modified page's own URL segments: a removed anchor counts on links to it
    page_segments: set[str] = field(default_factory=set)

    @property
    def needles(self) -> set[str]:
        """Substrings a page must contain to possibly link to what was removed."""
        return self.segments | {"#" + a for a in self.anchors} | self.identifiers

    def describe(self) -> str:
        return f"{self.path} ({self.how})"


@dataclass
class Impact:
    removed: list[Removed]
    dependents: list[Path]  # pages to check in addition to the given ones

    def filter(self, findings: list[Finding], dependent_paths: set[str]) -> list[Finding]:
        """All findings of the given pages; of the dependent pages only those about
        something the change removed."""
        lines_of: dict[str, list[str]] = {}
        out = []
        for f in findings:
            if f.path not in dependent_paths:
                out.append(f)
                continue
            if f.path not in lines_of:
                try:
                    text, _error = decode_page(read_bytes(f.path, MAX_PAGE_BYTES, truncate=True))
                except OSError:
                    text = None
                lines_of[f.path] = (text or "").split("\n")
            if self.keeps(f, lines_of[f.path]):
                out.append(f)
        return out

    def keeps(self, finding: Finding, lines: list[str]) -> bool:
        """Whether a finding in a dependent page is about something the change removed."""
        if not 1 <= finding.line <= len(lines):
            return False
        text = lines[finding.line - 1][finding.column - 1 :]
        if finding.code in REFERENCE_CODES:
            return any(i in lines[finding.line - 1] for r in self.removed for i in r.identifiers)
        if finding.code not in LINK_CODES:
            return False
        target = _TARGET_END.split(text, 1)[0]
        main, _, fragment = target.partition("#")
        main = main.split("?", 1)[0]
        segments = {unquote(s) for s in main.split("/") if s}
        segments |= {posixpath.splitext(s)[0] for s in list(segments)}
        for r in self.removed:
            if segments & r.segments:
                return True
            if fragment and unquote(fragment) in r.anchors and segments & r.page_segments:
                return True
        return False


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes | None:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def staged_changes(folder: Path) -> tuple[Path, list[tuple[str, str, str | None]]] | None:
    """(repository top level, [(status letter, path, old path)]) of the staged changes,
    paths relative to the top level; None outside a git repository."""
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top is None:
        return None
    toplevel = Path(top.decode("utf-8", "replace").strip())
    out = _git(["diff", "--cached", "--name-status", "-M", "-z", "--no-ext-diff"], toplevel)
    if out is None:
        return None
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    changes: list[tuple[str, str, str | None]] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][:1]
        if status in ("R", "C"):
            if i + 2 >= len(fields):
                break
            changes.append((status, fields[i + 2], fields[i + 1]))
            i += 3
        else:
            if i + 1 >= len(fields):
                break
            changes.append((status, fields[i + 1], None))
            i += 2
    return toplevel, changes


def first_changed_folder(cwd: Path) -> Path | None:
    """An existing folder of a staged change inside a Jekyll site (the site to check
    when no files are given), else None."""
    staged = staged_changes(cwd)
    if staged is None:
        return None
    toplevel, changes = staged
    for _status, path, old in changes:
        for candidate in (path, old):
            if candidate is None:
                continue
            folder = (toplevel / candidate).parent
            while not folder.is_dir() and folder != toplevel:
                folder = folder.parent
            for above in (folder, *folder.parents):
                if (above / "_config.yml").is_file() or (above / "_config.yaml").is_file():
                    return folder
                if above == toplevel:
                    break
    return None


def _head_blobs(toplevel: Path, paths: list[str]) -> dict[str, str]:
    """The HEAD version of each path as text (paths relative to the top level)."""
    if not paths:
        return {}
    request = "".join(f"HEAD:{p}\n" for p in paths).encode("utf-8", "surrogateescape")
    out = _git(["cat-file", "--batch"], toplevel, request)
    if out is None:
        return {}
    blobs: dict[str, str] = {}
    pos = 0
    for path in paths:
        end = out.find(b"\n", pos)
        if end == -1:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        text, _error = decode_page(out[pos : pos + size])
        pos += size + 1
        if text is not None:
            blobs[path] = text
    return blobs


def _page_facts(
    rel_path: str, text: str, id_options: IdOptions
) -> tuple[set[str], set[str], set[str]]:
    """(URL segments, anchors, identifiers) a page answers to; heading ids are made
    with the site's own options (``Config.id_options``), as the engine makes them."""
    fm = parse_front_matter(text)
    data = fm.data if fm.present and fm.error is None and isinstance(fm.data, dict) else {}
    name = posixpath.basename(rel_path)
    segments = {name, posixpath.splitext(name)[0]}
    if posixpath.splitext(name)[0] == "index" and "/" in rel_path:
        segments.add(posixpath.basename(posixpath.dirname(rel_path)))  # folder/index.md
    for key in ("permalink", "redirect_from"):
        values = data.get(key)
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and value.strip("/ "):
                last = value.strip().rstrip("/").rsplit("/", 1)[-1]
                segments.add(posixpath.splitext(last)[0] if last.endswith(".html") else last)
    identifiers = {
        str(data[k]).strip()
        for k in ("page-identifier",)
        if isinstance(data.get(k), str) and data[k].strip()
    }
    suffix = posixpath.splitext(rel_path)[1].lower()
    anchors: set[str] = set()
    if suffix in PAGE_SUFFIXES:
        markdown = suffix in MARKDOWN_SUFFIXES
        doc = parse_text(text, rel_path, rel_path, id_style=id_options, is_markdown=markdown)
        anchors = doc.anchors()
    return segments, anchors, identifiers


def find_impact(
    root: Path, given: set[str], site_pages: list[str], id_options: IdOptions
) -> tuple[Impact | None, list[str]]:
    """What the staged changes remove from the site at root, and which other pages
    (site-relative paths, not among `given`) to check for it. Also notices."""
    staged = staged_changes(root)
    if staged is None:
        return None, ["--staged: not inside a git repository; deleted files are not checked"]
    toplevel, changes = staged
    try:
        prefix = root.resolve().relative_to(toplevel.resolve()).as_posix()
    except ValueError:
        return None, []
    prefix = "" if prefix == "." else prefix + "/"

    def in_site(path: str | None) -> str | None:
        if path is None or not path.startswith(prefix):
            return None
        return path[len(prefix) :]

    wanted: list[tuple[str, str, str]] = []  # (how, site path, top-level path)
    for status, path, old in changes:
        site_path, old_site = in_site(path), in_site(old)
        if status == "D" and site_path is not None:
            wanted.append(("deleted", site_path, path))
        elif status == "R" and old_site is not None and old is not None:
            wanted.append((f"renamed to {path}", old_site, old))
        elif status == "M" and site_path is not None and _is_page(site_path):
            wanted.append(("modified", site_path, path))
    if not wanted:
        return None, []
    old_pages = [top for _how, site_path, top in wanted if _is_page(site_path)]
    blobs = _head_blobs(toplevel, old_pages)
    removed: list[Removed] = []
    for how, site_path, top in wanted:
        if not _is_page(site_path):
            name = posixpath.basename(site_path)
            removed.append(Removed(site_path, how, segments={name}))
            continue
        old_text = blobs.get(top)
        if old_text is None:
            if how != "modified":
                name = posixpath.basename(site_path)
                removed.append(
                    Removed(site_path, how, segments={name, posixpath.splitext(name)[0]})
                )
            continue
        segments, anchors, identifiers = _page_facts(site_path, old_text, id_options)
        if how == "modified":
            try:
                new_text, _error = decode_page(
                    read_bytes(root / site_path, MAX_PAGE_BYTES, truncate=True)
                )
            except OSError:
                new_text = None
            if new_text is None:
                continue
            new_segments, new_anchors, new_identifiers = _page_facts(
                site_path, new_text, id_options
            )
            segments -= new_segments
            anchors -= new_anchors
            identifiers -= new_identifiers
        else:
            new_segments = set()
            anchors = set()  # links to the page itself break, whatever their #fragment
        if segments or anchors or identifiers:
            removed.append(Removed(site_path, how, segments, anchors, identifiers, new_segments))
    if not removed:
        return None, []
    needles = [n.encode("utf-8") for r in removed for n in r.needles]
    dependents: list[Path] = []
    for rel in site_pages:
        if rel in given:
            continue
        try:
            data = read_bytes(root / rel, MAX_PAGE_BYTES, truncate=True)
        except OSError:
            continue
        if any(n in data for n in needles):
            dependents.append(root / rel)
    what = ", ".join(r.describe() for r in removed[:5]) + (
        f" and {len(removed) - 5} more" if len(removed) > 5 else ""
    )
    notices = [
        f"--staged: checking {len(dependents)} other page"
        f"{'s' if len(dependents) != 1 else ''} for links to what the staged changes "
        f"remove: {what}"
    ]
    return Impact(removed, dependents), notices


def _is_page(site_path: str) -> bool:
    return posixpath.splitext(site_path)[1].lower() in PAGE_SUFFIXES


__all__ = ["Impact", "Removed", "find_impact", "first_changed_folder", "staged_changes"]
