"""The Site model: pages, static files, redirects and link resolution for a Jekyll site.

``page`` (the data model), ``build`` (the Site, built from the source tree),
``url_keys`` (the URL-deciding front matter keys), ``hosts`` (which host and
plugins), ``resolve`` (where a link leads), ``liquid`` and ``relative_links``
(what Jekyll does to a link target before the browser sees it), ``jekyll``
(``_config.yml``), ``source`` (which files Jekyll reads), ``urls`` and
``redirects``.
"""

from finops_lint.site.build import Site
from finops_lint.site.page import Resolution, SitePage

__all__ = ["Resolution", "Site", "SitePage"]
