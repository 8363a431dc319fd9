"""The oracle itself works: the real Jekyll builds a generated site."""

from __future__ import annotations

from pathlib import Path

from tests.oracle.jekyll import build, write_site


def test_jekyll_builds_a_generated_site(tmp_path: Path) -> None:
    src = write_site(
        tmp_path / "src",
        {
            "_config.yml": "title: t\nmarkdown: kramdown\n",
            "index.md": "---\ntitle: Home\n---\n\n# Hello there\n",
        },
    )
    out = build(src, tmp_path / "out")
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="hello-there"' in html
