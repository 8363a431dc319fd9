"""`finops-lint extract`: the parsed model of pages as plain data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from finops_lint.config import Config, load_config
from finops_lint.discover import discover, real_path, site_root
from finops_lint.document import Document
from finops_lint.parsing.front_matter_data import jsonable
from finops_lint.parsing.tables import Table
from finops_lint.workspace import Workspace, load_documents

CAPABILITY_TYPE = "capability"


def extract_pages(paths: list[Path], root: Path | None) -> dict[str, Any]:
    cwd = Path.cwd()
    root_real = site_root(paths, cwd, root)
    config = load_config(root_real, None, search_from=Path(real_path(str(cwd / paths[0]))))
    ws = Workspace(root_real, config, cwd)
    files, problems = discover(paths, root_real, config, cwd)
    docs, more = load_documents(files, config)
    for doc in docs:
        ws.docs[doc.rel_path] = doc
    site = ws.site
    return {
        "root": str(root_real),
        "pages": [_page(doc, ws, config) for doc in docs],
        "problems": [f.to_dict() for f in problems + more],
        "site": {
            "pages": len(site.pages) if site else 0,
            "static_files": len(site.static_files) if site else 0,
        },
    }


def _page(doc: Document, ws: Workspace, config: Config) -> dict[str, Any]:
    site = ws.site
    page_type = ws.facts(doc.rel_path, doc).page_type
    links = []
    capability_links = []
    for link in doc.links:
        item: dict[str, Any] = {
            "kind": link.kind,
            "syntax": link.syntax,
            "text": link.text,
            "target": link.target,
            "target_kind": link.target_kind,
            "line": link.line,
            "column": link.column,
        }
        if site is not None and (
            link.target_kind == "anchor" or site.is_internal(link.target, link.target_kind)
        ):
            res = site.resolve(link.target, doc.rel_path)
            item["resolves_to"] = {
                "kind": res.kind,
                "url": res.url,
                "page": res.page.path if res.page else None,
                "static": res.static_path,
                "fragment": res.fragment,
                "final_url": res.final_url,
            }
            if res.page is not None:
                target_type = ws.facts(res.page.path, ws.docs.get(res.page.path)).page_type
                if target_type is not None and target_type.name == CAPABILITY_TYPE:
                    capability_links.append(
                        {
                            "text": link.text,
                            "target": link.target,
                            "line": link.line,
                            "page": res.page.path,
                            "page_identifier": res.page.data.get("page-identifier"),
                            "title": res.page.data.get("title"),
                        }
                    )
        links.append(item)
    site_page = site.page_for_path(doc.rel_path) if site is not None else None
    return {
        "path": doc.path,
        "rel_path": doc.rel_path,
        "page_type": page_type.name if page_type else None,
        "url": site_page.url if site_page is not None else None,
        "front_matter": jsonable(doc.front_matter.data),
        "front_matter_error": doc.front_matter.error.message if doc.front_matter.error else None,
        "headings": [
            {"level": h.level, "text": h.text, "id": h.id, "line": h.line} for h in doc.headings
        ],
        "links": links,
        "capability_links": capability_links,
        "tables": [_table(t, config) for t in doc.tables],
    }


def _table(table: Table, config: Config) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "line": table.line,
        "heading": table.heading,
        "columns": table.columns,
        "rows": [
            {
                "line": r.line,
                "cells": [
                    {"text": c.text, "raw": c.raw, "line": c.line, "column": c.column}
                    for c in r.cells
                ],
            }
            for r in table.rows
        ],
    }
    if table.breaks:
        # kramdown prints these lines as paragraph text: why, and the line that does it
        entry["unrendered"] = [{"reason": r, "line": n} for r, n in table.breaks.items()]
    spec = config.table_spec_for(table)
    if spec is not None:
        entry["spec"] = spec.name
        entry["records"] = spec.records(table)
    return entry
