"""The Site model: pages, static files, redirects and link resolution for a Jekyll site."""

from finops_lint.site.model import Resolution, Site, SitePage

__all__ = ["Resolution", "Site", "SitePage"]
