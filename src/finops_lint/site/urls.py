"""Page and static-file URLs, computed the way Jekyll 4 computes them.

Every URL here is kept percent-*decoded* (``/a b/`` rather than ``/a%20b/``):
Jekyll writes the file at the decoded path and the web server decodes the
request before it looks for that file, so comparing decoded paths is what
decides whether a link reaches a page.
"""

from __future__ import annotations

import datetime as _dt
import posixpath
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

#: Jekyll's named permalink styles (for posts; for pages and other collections
#: only the ending decides between ``/`` and ``:output_ext``).
PERMALINK_STYLES: dict[str, str] = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}

MARKDOWN_EXTENSIONS = frozenset({".markdown", ".mkdown", ".mkdn", ".mkd", ".md"})
HTML_EXTENSIONS = frozenset({".html", ".xhtml", ".htm"})
_CONVERTED_EXTENSIONS = {".scss": ".css", ".sass": ".css", ".coffee": ".js"}

_DATE_FILENAME = re.compile(r"^(?:.+/)*?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^./]+)$")
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_SLASHES = re.compile(r"/{2,}")
_NON_DATE = frozenset(
    {
        "collection",
        "path",
        "name",
        "title",
        "slug",
        "basename",
        "categories",
        "slugified_categories",
        "output_ext",
    }
)
_SLUG_DEFAULT = re.compile(r"[^\w]+|_+")
_SLUG_PRETTY = re.compile(r"[^\w._~!$&'()+,;=@]+|_+")


def style_template(style: str) -> str:
    """The template of a permalink style: a named style or the string itself."""
    return PERMALINK_STYLES.get(style, style)


def add_permalink_suffix(template: str, style: str) -> str:
    """Jekyll's ``Utils.add_permalink_suffix``."""
    if style == "pretty":
        return template + "/"
    if style in ("date", "ordinal", "none", "weekdate"):
        return template + ":output_ext"
    if style.endswith("/"):
        template += "/"
    if style.endswith(":output_ext"):
        template += ":output_ext"
    return template


def _squeeze_slashes(url: str) -> str:
    """Each run of slashes as one (`re.sub(r"/{2,}", "/", url)`), looked for first: a
    URL seldom has one, and the Site makes two or three URLs a page."""
    return _SLASHES.sub("/", url) if "//" in url else url


def sanitize_url(url: str) -> str:
    """Jekyll's ``URL#sanitize_url``: leading slash, ``..``/``./`` dropped, ``//`` squeezed."""
    result = ("/" + url).replace("..", "/").replace("./", "")
    return _squeeze_slashes(result)


def converter_ext(ext: str, markdown_exts: frozenset[str] = MARKDOWN_EXTENSIONS) -> str:
    """The output extension a converter gives a source extension."""
    low = ext.lower()
    if low in markdown_exts:
        return ".html"
    return _CONVERTED_EXTENSIONS.get(low, ext)


def output_ext(
    source_ext: str, permalink: str | None, markdown_exts: frozenset[str] = MARKDOWN_EXTENSIONS
) -> str:
    """``Renderer#output_ext``: the permalink's extension wins over the converter's."""
    if permalink and not permalink.endswith("/"):
        ext = posixpath.splitext(permalink)[1]
        if ext:
            return ext
    return converter_ext(source_ext, markdown_exts)


def slugify(text: Any, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify`` for the ``default`` and ``pretty`` modes."""
    if text is None:
        return ""
    value = str(text)
    if mode == "raw":
        value = re.sub(r"\s+", "-", value)
    elif mode == "pretty":
        value = _SLUG_PRETTY.sub("-", value)
    else:
        value = _SLUG_DEFAULT.sub("-", value)
    value = value.strip("-")
    return value if cased else value.lower()


def fill_hash_template(template: str, placeholders: Mapping[str, str | None]) -> str:
    """Jekyll's ``generate_url_from_hash`` (pages): sequential ``:key`` substitution."""
    result = template
    for key, value in placeholders.items():
        if ":" not in result:
            break
        if value is None:
            result = result.replace("/:" + key, "")
        else:
            result = result.replace(":" + key, value)
    return _squeeze_slashes(result)


def fill_drop_template(template: str, placeholders: Mapping[str, str]) -> tuple[str, list[str]]:
    """Jekyll's ``generate_url_from_drop`` (documents); returns the unknown placeholders too.

    Jekyll stops the build on an unknown placeholder; we leave it in place and
    let the caller report it.
    """
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        pool = [name, name.rstrip("_")] if name.endswith("_") else [name]
        for key in pool:
            if key in placeholders:
                rest = name[len(key) :]
                return placeholders[key] + rest
        # Jekyll matches the longest [a-z_]+ run; try shorter known prefixes
        # (":title.html" never happens, but ":output_extfoo" could).
        for size in range(len(name) - 1, 0, -1):
            if name[:size] in placeholders:
                return placeholders[name[:size]] + name[size:]
        unknown.append(name)
        return match.group(0)

    result = _PLACEHOLDER.sub(replace, template)
    return _squeeze_slashes(result), unknown


def page_url(
    rel_path: str,
    data: Mapping[str, Any],
    style: str,
    markdown_exts: frozenset[str] = MARKDOWN_EXTENSIONS,
) -> tuple[str, str]:
    """URL and output extension of a page (a file with front matter outside collections)."""
    directory, filename = posixpath.split(rel_path)
    basename, ext = posixpath.splitext(filename)
    permalink = _permalink_of(data)
    out_ext = output_ext(ext, permalink, markdown_exts)
    placeholders: dict[str, str | None] = {
        "path": "/" + directory if directory else "",
        "basename": basename,
        "output_ext": out_ext,
    }
    if permalink is not None:
        template = permalink
    elif out_ext not in HTML_EXTENSIONS:
        template = "/:path/:basename:output_ext"
    elif basename == "index":
        template = "/:path/"
    else:
        template = add_permalink_suffix("/:path/:basename", style)
    return decode(sanitize_url(fill_hash_template(template, placeholders))), out_ext


def document_url(
    rel_path: str,
    collection: str,
    collection_dir: str,
    template: str,
    data: Mapping[str, Any],
    markdown_exts: frozenset[str] = MARKDOWN_EXTENSIONS,
) -> tuple[str, str, list[str]]:
    """URL, output extension and unknown placeholders of a collection document.

    ``rel_path`` is relative to the site root (``_capabilities/forecasting.md``),
    ``collection_dir`` the collection's folder relative to the root.
    """
    permalink = _permalink_of(data)
    filename = posixpath.basename(rel_path)
    basename_no_ext, ext = posixpath.splitext(filename)
    out_ext = output_ext(ext, permalink, markdown_exts)
    pattern = permalink if permalink is not None else template
    names = _PLACEHOLDER.findall(pattern)
    # a pattern without placeholders (most permalinks) reads none of them
    placeholders = (
        document_placeholders(
            rel_path,
            collection,
            collection_dir,
            data,
            out_ext,
            basename_no_ext,
            ext,
            with_dates=any(name not in _NON_DATE for name in names),
        )
        if names
        else {}
    )
    url, unknown = fill_drop_template(pattern, placeholders)
    return decode(sanitize_url(url)), out_ext, unknown


def document_placeholders(
    rel_path: str,
    collection: str,
    collection_dir: str,
    data: Mapping[str, Any],
    out_ext: str,
    basename_no_ext: str,
    ext: str,
    with_dates: bool = True,
) -> dict[str, str]:
    no_ext = rel_path[: len(rel_path) - len(ext)] if ext else rel_path
    cleaned = no_ext.replace(collection_dir, "", 1).rstrip(".")
    date_match = _DATE_FILENAME.match(rel_path)
    slug = str(data.get("slug")) if data.get("slug") is not None else None
    file_date: _dt.datetime | None = None
    if date_match:
        slug = slug or date_match.group(2)
        file_date = _parse_date(date_match.group(1))
    if slug is None:
        slug = basename_no_ext
    slug = slug.rstrip(".")
    categories = data.get("categories", data.get("category"))
    if isinstance(categories, str):
        categories = categories.split()
    cats: list[str] = []
    for cat in categories if isinstance(categories, list) else []:
        low = str(cat).lower()
        if low not in cats:
            cats.append(low)
    result = {
        "collection": collection,
        "path": cleaned,
        "name": slugify(basename_no_ext),
        "title": slugify(slug, mode="pretty", cased=True),
        "slug": slugify(slug),
        "basename": basename_no_ext,
        "categories": "/".join(cats),
        "slugified_categories": "/".join(slugify(c) for c in cats),
        "output_ext": out_ext,
    }
    if not with_dates:
        return result
    date = _parse_date(data.get("date")) or file_date or _dt.datetime.now(_dt.timezone.utc)
    iso = date.isocalendar()
    result.update(
        {
            "year": f"{date.year:04d}",
            "month": f"{date.month:02d}",
            "day": f"{date.day:02d}",
            "hour": f"{date.hour:02d}",
            "minute": f"{date.minute:02d}",
            "second": f"{date.second:02d}",
            "i_day": str(date.day),
            "i_month": str(date.month),
            "short_month": date.strftime("%b"),
            "long_month": date.strftime("%B"),
            "short_year": date.strftime("%y"),
            "y_day": date.strftime("%j"),
            "w_year": str(iso[0]),
            "week": f"{iso[1]:02d}",
            "w_day": str(iso[2]),
            "short_day": date.strftime("%a"),
            "long_day": date.strftime("%A"),
        }
    )
    return result


def static_url(
    rel_path: str, collection: str | None = None, collection_dir: str = "", template: str = ""
) -> str:
    """URL of a static file (Jekyll's ``StaticFile#url``)."""
    if collection is None:
        return decode(sanitize_url(rel_path))
    _, ext = posixpath.splitext(rel_path)
    no_ext = rel_path[: len(rel_path) - len(ext)] if ext else rel_path
    cleaned = no_ext.replace(collection_dir, "", 1).rstrip(".")
    base, _unknown = fill_drop_template(
        template,
        {
            "collection": collection,
            "path": cleaned,
            "output_ext": "",
            "name": posixpath.basename(no_ext),
            "title": "",
        },
    )
    base = sanitize_url(base).rstrip("/")
    if not base.startswith("/"):
        base = "/" + base
    return decode(base + ext)


def destination(url: str, out_ext: str) -> str:
    """The file Jekyll writes for a page URL (``Page#destination``), as a site path."""
    path = url
    if path.endswith("/"):
        path += "index"
    if not path.endswith(out_ext):
        path += out_ext
    return path


def decode(url: str) -> str:
    return unquote(url) if "%" in url else url


def _permalink_of(data: Mapping[str, Any]) -> str | None:
    value = data.get("permalink")
    if value is None or value == "":
        return None
    return str(value).strip()


def _parse_date(value: Any) -> _dt.datetime | None:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        match = re.match(r"\s*(\d{2,4})-(\d{1,2})-(\d{1,2})", value)
        if match:
            try:
                year, month, day = (int(g) for g in match.groups())
                return _dt.datetime(year, month, day)
            except ValueError:
                return None
    return None


def normalize_path(path: str) -> str:
    """Percent-decode, squeeze ``//`` and apply ``.``/``..`` segments; keep a trailing slash."""
    if "%" in path:
        path = unquote(path)
    if not path.startswith("/"):
        path = "/" + path
    path = _squeeze_slashes(path)
    if "/." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    trailing = segments[-1] in ("", ".", "..")
    for seg in segments[1:]:
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    result = "/" + "/".join(out)
    if trailing and result != "/":
        result += "/"
    return result


#: Characters Addressable keeps as they are in a path segment (RFC 3986 pchar).
_PCHAR = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@"
)


def uri_normalize(url: str) -> str:
    """What Jekyll's `relative_url`/`absolute_url` make of a URL path (and so
    jekyll-relative-links and `{% link %}`, which use them): Addressable's
    `URI#normalize` of the path. Each segment is percent-decoded, Unicode-normalized
    (NFKC) and percent-encoded again, UTF-8, upper-case hex, keeping RFC 3986's
    path characters (`/my page/` -> `/my%20page/`, `/über/` -> `/%C3%BCber/`,
    `%7e` -> `~`); then `.` and `..` segments are applied. A fragment is normalized
    the same way (`/` and `?` kept); a query is left as it is."""
    url, hash_sign, fragment = url.partition("#")
    path, mark, query = url.partition("?")
    if fragment:
        fragment = _normalize_component(fragment, _PCHAR | {"/", "?"})
    if path and ("%" in path or any(c not in _PCHAR and c != "/" for c in path)):
        path = "/".join(_normalize_component(s, _PCHAR) for s in path.split("/"))
    return _remove_dots(path) + mark + query + hash_sign + fragment


def _normalize_component(text: str, keep: frozenset[str] | set[str]) -> str:
    text = unicodedata.normalize("NFKC", unquote(text, errors="surrogateescape"))
    return "".join(c if c in keep else "".join(f"%{b:02X}" for b in _utf8(c)) for c in text)


def _remove_dots(path: str) -> str:
    """RFC 3986 5.2.4 remove_dot_segments (Addressable's URI.normalize_path)."""
    if "." not in path:
        return path
    parts = path.split("/")
    out: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == ".":
            if last:
                out.append("")
        elif part == "..":
            if len(out) > 1 or (out and out[0] != ""):
                out.pop()
            if last:
                out.append("")
        else:
            out.append(part)
    return "/".join(out)


def _utf8(char: str) -> bytes:
    return char.encode("utf-8", "surrogateescape")
