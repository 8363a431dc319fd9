"""`finops-lint extract`: the parsed model of pages as plain data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from finops_lint.engine import (
    RunOptions,
    Workspace,
    discover,
    find_site_root,
    load_documents,
)
from finops_lint.config import load_config
from finops_lint.document import Document
from finops_lint.rules.frontmatter import _jsonable


def extract_pages(paths: list[Path], root: Path | None) -> dict[str, Any]:
    cwd = Path.cwd()
    first = paths[0] if paths[0].is_absolute() else cwd / paths[0]
    site_root = (root or find_site_root(first)).resolve()
    config = load_config(site_root, None, search_from=first)
    ws = Workspace(site_root, config, cwd)
    files, problems = discover(paths, site_root, config)
    docs, more = load_documents(files, site_root, config)
    site = ws.site
    capability_type = "capability"
    pages = []
    for doc in docs:
        pages.append(_page(doc, ws, config, capability_type))
    _ = RunOptions
    return {
        "root": str(site_root),
        "pages": pages,
        "problems": [f.to_dict() for f in problems + more],
        "site": {"pages": len(site.pages) if site else 0,
                 "static_files": len(site.static_files) if site else 0},
    }


def _page(doc: Document, ws: Workspace, config: Any, capability_type: str) -> dict[str, Any]:
    site = ws.site
    page_type = config.page_type_for(doc.rel_path, doc.front_matter.data) \
        if doc.front_matter.present else None
    links = []
    capability_links = []
    for link in doc.links:
        item: dict[str, Any] = {
            "kind": link.kind, "syntax": link.syntax, "text": link.text, "target": link.target,
            "target_kind": link.target_kind, "line": link.line, "column": link.column,
        }
        if site is not None and link.target_kind in ("relative", "site-root", "absolute",
                                                     "liquid", "protocol-relative", "anchor"):
            if link.target_kind == "anchor" or link.target_kind not in ("absolute",) or \
                    site.is_site_host(link.target):
                res = site.resolve(link.target, doc.rel_path)
                item["resolves_to"] = {
                    "kind": res.kind, "url": res.url,
                    "page": res.page.path if res.page else None,
                    "static": res.static_path, "fragment": res.fragment,
                    "final_url": res.final_url,
                }
                if res.page is not None:
                    pt = config.page_type_for(res.page.path, res.page.data)
                    if pt is not None and pt.name == capability_type:
                        capability_links.append({
                            "text": link.text, "target": link.target, "line": link.line,
                            "page": res.page.path,
                            "page_identifier": res.page.data.get("page-identifier"),
                            "title": res.page.data.get("title"),
                        })
        links.append(item)
    tables = []
    for table in doc.tables:
        entry: dict[str, Any] = {
            "line": table.line, "heading": table.heading, "columns": table.columns,
            "rows": [{"line": r.line, "cells": [
                {"text": c.text, "raw": c.raw, "line": c.line, "column": c.column}
                for c in r.cells]} for r in table.rows],
        }
        for spec in config.tables.values():
            if spec.header is not None and any(
                spec.header.search(" ".join(c.casefold().split())) for c in table.columns
            ):
                entry["spec"] = spec.name
                entry["records"] = _records(table, spec)
        tables.append(entry)
    return {
        "path": doc.path,
        "rel_path": doc.rel_path,
        "page_type": page_type.name if page_type else None,
        "url": (site.page_for_path(doc.rel_path).url
                if site and site.page_for_path(doc.rel_path) else None),
        "front_matter": _jsonable(doc.front_matter.data),
        "front_matter_error": doc.front_matter.error.message if doc.front_matter.error else None,
        "headings": [{"level": h.level, "text": h.text, "id": h.id, "line": h.line}
                     for h in doc.headings],
        "links": links,
        "capability_links": capability_links,
        "tables": tables,
    }


def _records(table: Any, spec: Any) -> list[dict[str, str]]:
    index: dict[str, int] = {}
    for col in spec.columns:
        for i, header in enumerate(table.columns):
            if col.pattern.search(" ".join(header.casefold().split())):
                index[col.name] = i
                break
    out = []
    for row in table.rows:
        out.append({name: (row.cells[i].text if i < len(row.cells) else "")
                    for name, i in index.items()})
    return out


_ = re
