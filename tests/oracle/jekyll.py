"""The real Jekyll as a test oracle: build a site and hand back its HTML.

Debian's `jekyll` (4.3.1, kramdown 2.4, kramdown-parser-gfm and the GitHub
Pages plugins) is what the oracle suite builds with. Without it the suite
skips with one reason; `.ci/run` installs it and sets
`FINOPS_LINT_REQUIRE_JEKYLL=1`, so there a missing Jekyll is a failure.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

#: Plugins Debian packages and the oracle sites may name.
DEBIAN_PLUGINS = (
    "jekyll-sitemap",
    "jekyll-relative-links",
    "jekyll-redirect-from",
    "jekyll-readme-index",
    "jekyll-seo-tag",
)
BUILD_TIMEOUT_S = 300
PLUGIN_DIR = Path(__file__).parent / "plugin"


def jekyll_or_skip() -> str:
    """The jekyll executable, or skip (fail under FINOPS_LINT_REQUIRE_JEKYLL=1)."""
    exe = shutil.which("jekyll")
    if exe is None:
        reason = (
            "the real Jekyll is not installed (apt-get install jekyll ruby-kramdown-parser-gfm "
            "ruby-jekyll-relative-links ruby-jekyll-redirect-from ruby-jekyll-readme-index "
            "ruby-jekyll-seo-tag ruby-jekyll-sitemap ruby-html-proofer)"
        )
        if os.environ.get("FINOPS_LINT_REQUIRE_JEKYLL") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return exe


def writable_copy(src: Path, dest: Path) -> Path:
    """Copy a (possibly read-only) site tree so Jekyll can write its caches in it."""
    shutil.copytree(src, dest, symlinks=True)
    for folder, dirs, files in os.walk(dest):
        for name in (*dirs, *files):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, mode | stat.S_IWUSR)
    return dest


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Write a small generated site: {relative path: text}."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def build(
    source: Path,
    dest: Path,
    extra_config: dict[str, Any] | None = None,
    *,
    record: Path | None = None,
    models: Path | None = None,
) -> Path:
    """Build `source` with the real Jekyll into `dest`; fail the test with Jekyll's output.

    With `record`, the oracle plugin (tests/oracle/plugin) writes there, as JSON,
    every output page and file with its source file, URL and converted body.
    `models`: a folder of plugin models to load too (plugins Debian lacks).
    """
    exe = jekyll_or_skip()
    configs = [source / "_config.yml"] if (source / "_config.yml").is_file() else []
    if extra_config is not None:
        extra = dest.parent / f"{dest.name}-extra-config.yml"
        extra.write_text(yaml.safe_dump(extra_config), encoding="utf-8")
        configs.append(extra)
    cmd = [exe, "build", "--quiet", "--source", str(source), "--destination", str(dest)]
    if configs:
        cmd += ["--config", ",".join(str(c) for c in configs)]
    env = {**os.environ, "JEKYLL_ENV": "production", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    if record is not None:
        dirs = [str(PLUGIN_DIR)] + ([str(models)] if models is not None else [])
        cmd += ["--plugins", ",".join(dirs)]
        env["FINOPS_LINT_ORACLE_MAP"] = str(record)
    proc = subprocess.run(
        cmd, cwd=source, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, env=env
    )
    if proc.returncode != 0:
        pytest.fail(f"jekyll build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return dest
