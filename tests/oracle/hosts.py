"""Small models of how GitHub Pages and Netlify serve a built Jekyll site.

What a host answers for `/x/`, `/x.html` and `/x` is not Jekyll's doing, and no
host runs here: these models are written from the hosts' documentation, kept
deliberately small and independent of finops-lint's own code, so the two can
disagree.

GitHub Pages (docs.github.com "About GitHub Pages" / "Creating a custom 404
page"; jekyllrb.com "Permalinks: extensionless permalinks": "Both GitHub Pages
and Jekyll's built-in WEBrick server handle these requests"):
  * `/x/` serves `x/index.html`; nothing else (no `x.html` for `/x/`);
  * `/x` serves the file `x`, else `x.html`, else redirects to `/x/` when
    `x/index.html` exists;
  * `_redirects` and `netlify.toml` mean nothing; redirects exist only as the
    pages jekyll-redirect-from writes.

Netlify (docs.netlify.com "Redirects and rewrites", "Redirect options:
shadowing, trailing slash"; "Post processing: pretty URLs"):
  * rules in the published `_redirects` file, then `[[redirects]]` in
    `netlify.toml`, first match wins; a rule matches with or without a trailing
    slash; `*` at the end is a splat (`:splat`), `:name` one path segment;
  * a file at the path shadows a rule unless the rule is forced (`301!`);
  * 301/302/303/307/308 redirect, 200 rewrites, 404 and other codes answer an
    error;
  * without a rule, `/x/` serves `x/index.html` (or `x.html`, redirected), `/x`
    serves `x`, `x.html` or `x/index.html` (redirected to `/x/`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from finops_lint.site.redirects import _load_toml  # a TOML reader, nothing more


class Host:
    name = "host"

    def serve(self, dest: Path, baseurl: str, path: str, query: str = "") -> str | None:
        """The output file (a path below dest, starting with '/') served for a request
        path, following redirects on the site; None for a 404."""
        raise NotImplementedError

    @staticmethod
    def _under_base(baseurl: str, path: str) -> str | None:
        if not baseurl:
            return path
        if path == baseurl or path.startswith(baseurl + "/"):
            return path[len(baseurl) :] or "/"
        return None


def _is_file(dest: Path, rel: str) -> bool:
    if ".." in rel.split("/"):
        return False
    return (dest / rel.lstrip("/")).is_file()


class GitHubPages(Host):
    name = "github-pages"

    def serve(self, dest: Path, baseurl: str, path: str, query: str = "") -> str | None:
        rel = self._under_base(baseurl, path)
        if rel is None:
            return None
        if rel.endswith("/"):
            cand = [rel + "index.html"]
        else:
            cand = [rel, rel + ".html", rel + "/index.html"]
        for c in cand:
            if _is_file(dest, c):
                return c
        return None


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    to: str
    status: int
    force: bool


class Netlify(Host):
    name = "netlify"

    def __init__(self, repo_root: Path | None = None) -> None:
        self.repo_root = repo_root
        self._rules: dict[Path, list[_Rule]] = {}

    def rules(self, dest: Path) -> list[_Rule]:
        found = self._rules.get(dest)
        if found is None:
            found = []
            redirects = dest / "_redirects"
            if redirects.is_file():
                for line in redirects.read_text(encoding="utf-8").splitlines():
                    words = (
                        line.split("#", 1)[0].split() if not line.lstrip().startswith("#") else []
                    )
                    if len(words) >= 2 and "=" not in "".join(words[1:2]):
                        status = words[2] if len(words) > 2 else "301"
                        if re.fullmatch(r"\d{3}!?", status):
                            found.append(_rule(words[0], words[1], status))
            toml = (self.repo_root or dest) / "netlify.toml"
            if toml.is_file():
                data = _load_toml(toml.read_text(encoding="utf-8"))
                for entry in data.get("redirects", []):
                    if entry.get("conditions") or entry.get("query"):
                        continue
                    status = str(entry.get("status", 301)) + ("!" if entry.get("force") else "")
                    found.append(_rule(entry["from"], entry["to"], status))
            self._rules[dest] = found
        return found

    def _file(self, dest: Path, rel: str) -> str | None:
        if rel.endswith("/"):
            cand = [rel + "index.html"] + ([rel[:-1] + ".html"] if rel != "/" else [])
        else:
            cand = [rel, rel + ".html", rel + "/index.html"]
        for c in cand:
            if _is_file(dest, c):
                return c
        return None

    def serve(self, dest: Path, baseurl: str, path: str, query: str = "") -> str | None:
        seen: set[str] = set()
        for _hop in range(10):
            if path in seen:
                return None
            seen.add(path)
            rel = self._under_base(baseurl, path)
            file = self._file(dest, rel) if rel is not None else None
            rule_hit = None
            for rule in self.rules(dest):
                m = rule.pattern.match(path)
                if m:
                    rule_hit = (rule, m)
                    break
            if rule_hit is not None and (rule_hit[0].force or file is None):
                rule, m = rule_hit
                to = rule.to
                for name, value in m.groupdict().items():
                    to = to.replace(":" + name, value or "")
                if rule.status not in (200, 301, 302, 303, 307, 308):
                    return None
                if re.match(r"(?i)https?://", to):
                    return "/<external>"
                path = to.split("?", 1)[0]
                continue
            return file
        return None


def _rule(source: str, to: str, status: str) -> _Rule:
    splat = source.endswith("*")
    stem = source[:-1] if splat else source
    body = re.escape(stem.rstrip("/") if stem != "/" else stem)
    body = re.sub(r"\\?:([A-Za-z_]\w*)", r"(?P<\1>[^/]+)", body)
    if splat:
        regex = body + ("(?:/(?P<splat>.*))?" if stem.endswith("/") else "(?P<splat>.*)")
    else:
        regex = body + ("/?" if stem != "/" else "")
    return _Rule(re.compile(f"^{regex}$"), to, int(status[:3]), status.endswith("!"))
