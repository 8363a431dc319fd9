"""Liquid in link targets, expanded as Jekyll renders it.

Only what a link target can hold and the site decides alone: ``{{ site.url }}``,
``{{ site.baseurl }}``, ``{{ page.url }}``, ``{{ 'x' | relative_url }}`` /
``absolute_url``, and ``{% link path %}``. Anything else is left unresolved.
"""

from __future__ import annotations

import re

from finops_lint.regex import lazy
from finops_lint.site.page import Resolution, SitePage, SiteTables
from finops_lint.site.urls import uri_normalize

_LIQUID_VAR = lazy(r"\{\{-?\s*(site\.url|site\.baseurl|page\.url)\s*-?\}\}")
_LIQUID_FILTER = lazy(r"\{\{-?\s*(['\"])(.*?)\1\s*\|\s*(relative_url|absolute_url)\s*-?\}\}")
#: Jekyll's link tag takes the whole markup as the path: spaces included.
_LIQUID_LINK = lazy(r"\{%-?\s*link\s+([^{}]+?)\s*-?%\}")


def expand_liquid(
    site: SiteTables, raw: str, from_page: SitePage | None
) -> str | Resolution | None:
    """The target with its Liquid expanded; a Resolution for ``{% link %}`` (Jekyll
    checks the path at build time); None when Liquid we cannot expand is left."""
    link = _LIQUID_LINK.fullmatch(raw.split("#")[0].strip())
    if link is not None:
        path = link.group(1).strip("'\"")
        page = site.pages.get(path)
        frag = raw.partition("#")[2] or None
        if page is not None and page.output:
            return Resolution("page", page.url, page, fragment=frag, final_url=page.url)
        if path in site.static_by_path:
            url = site.static_by_path[path]
            return Resolution("static", url, static_path=path, fragment=frag, final_url=url)
        return Resolution(
            "missing",
            None,
            fragment=frag,
            reason=f"{{% link %}} names {path}, which is not a page or file of the site",
        )
    config = site.config

    def var(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "site.url":
            return config.url
        if name == "site.baseurl":
            return config.baseurl
        return from_page.url if from_page is not None else "/"

    def filt(m: re.Match[str]) -> str:
        value = m.group(2)
        rel = uri_normalize(config.baseurl + ("" if value.startswith("/") else "/") + value)
        return rel if m.group(3) == "relative_url" else config.url + rel

    out = _LIQUID_FILTER.sub(filt, _LIQUID_VAR.sub(var, raw))
    if "{{" in out or "{%" in out:
        return None
    return out
