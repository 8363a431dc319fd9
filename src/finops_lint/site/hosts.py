"""Which host serves the site and which plugins run on it, and how hosts compare.

GitHub Pages runs a fixed set of plugins on every site and has no
``_redirects``; Netlify reads ``_redirects`` and ``netlify.toml``. The Site
asks these questions once at build time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from finops_lint.safe_io import MAX_CONFIG_BYTES, read_bytes
from finops_lint.site.jekyll import JekyllConfig
from finops_lint.site.page import SiteTables

GITHUB_PAGES = "github-pages"
NETLIFY = "netlify"
#: Plugins GitHub Pages runs on every site it builds, whatever `plugins` says
#: (pages.github.com/versions; docs.github.com "About GitHub Pages and Jekyll").
GITHUB_PAGES_DEFAULT_PLUGINS = frozenset(
    {
        "jekyll-coffeescript",
        "jekyll-default-layout",
        "jekyll-gist",
        "jekyll-github-metadata",
        "jekyll-optional-front-matter",
        "jekyll-paginate",
        "jekyll-readme-index",
        "jekyll-titles-from-headings",
        "jekyll-relative-links",
    }
)


def normalize_baseurl(value: str) -> str:
    value = value.strip().rstrip("/")
    if value and not value.startswith("/"):
        value = "/" + value
    return value


def gemfile_names(root: Path, gem: str) -> bool:
    """The site's Gemfile names the gem (Jekyll loads a gem of its `:jekyll_plugins`
    group without `plugins:` in `_config.yml`)."""
    try:
        gems = read_bytes(root / "Gemfile", MAX_CONFIG_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return re.search(rf"""['"]{re.escape(gem)}['"]""", gems) is not None


def plugin_loaded(root: Path, config: JekyllConfig, host: str, name: str) -> bool:
    """Jekyll runs the plugin: listed in `plugins:` (or one of GitHub Pages' defaults
    there), or, where the site's own Gemfile is used (not on GitHub Pages), named in
    it."""
    return name in active_plugins(config, host) or (
        host != GITHUB_PAGES and gemfile_names(root, name)
    )


def detect_host(root: Path, config: JekyllConfig) -> str:
    """The host that serves the site, from the repository: `netlify.toml` or `_redirects`
    mean Netlify; a `CNAME` file, the `github-pages` gem or GitHub Pages' own plugins
    mean GitHub Pages; otherwise "any" (a link works if some host serves it)."""
    if (root / "netlify.toml").is_file() or (root / "_redirects").is_file():
        return NETLIFY
    if (root / "CNAME").is_file() or gemfile_names(root, "github-pages"):
        return GITHUB_PAGES
    if any(p in GITHUB_PAGES_DEFAULT_PLUGINS for p in config.plugins):
        return GITHUB_PAGES
    return "any"


def active_plugins(config: JekyllConfig, host: str) -> frozenset[str]:
    plugins = set(config.plugins)
    if host == GITHUB_PAGES:
        plugins |= GITHUB_PAGES_DEFAULT_PLUGINS
    return frozenset(plugins)


def option(settings: Any, key: str) -> bool:
    return isinstance(settings, dict) and settings.get(key) is True


def plugin_on(site: SiteTables, name: str, settings: Any) -> bool:
    """A plugin that runs: active, and not turned off with `enabled: false`."""
    if name not in site.active_plugins:
        return False
    return not (isinstance(settings, dict) and settings.get("enabled") is False)


def strip_www(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def host_key(url: str) -> str:
    """A host as the site compares it: no scheme, port 80/443, case or ``www.``."""
    if not url:
        return ""
    if url.startswith("//"):
        url = "https:" + url
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    key = strip_www(host)
    if port not in (None, 80, 443):
        key += f":{port}"
    return key
