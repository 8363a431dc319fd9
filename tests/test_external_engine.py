"""--external through the whole engine, against a server on 127.0.0.1 only."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from finops_lint.cli import main
from finops_lint.links.model import STATUSES, LinkResult


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_HEAD(self) -> None:
        self.hits.append(self.path)
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.hits = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _site(tmp_path: Path, base: str) -> Path:
    (tmp_path / "_config.yml").write_text("permalink: pretty\n")
    (tmp_path / "a.md").write_text(
        f"---\ntitle: A\n---\n\n[ok]({base}/ok) and [gone]({base}/gone)\n"
    )
    (tmp_path / "b.md").write_text(f"---\ntitle: B\n---\n\n[gone again]({base}/gone)\n")
    return tmp_path


def test_external_off_by_default(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_site(tmp_path, server))
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert _Handler.hits == []


def test_external_reports_each_page_and_requests_once(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_site(tmp_path, server))
    args = [
        "check",
        "--external",
        "--allow-host",
        "127.0.0.1",
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    result = CliRunner().invoke(main, args)
    data = json.loads(result.stdout)
    found = sorted((f["path"], f["line"], f["code"]) for f in data["findings"])
    assert found == [("a.md", 5, "EX001"), ("b.md", 5, "EX001")]
    assert result.exit_code == 1
    assert sorted(set(_Handler.hits)) == ["/gone", "/ok"]
    # one check for both pages: at most HEAD + GET, not once per page
    assert _Handler.hits.count("/gone") <= 2
    # second run: answered from the cache, no new request
    before = len(_Handler.hits)
    CliRunner().invoke(main, args)
    assert len(_Handler.hits) == before


def test_loopback_refused_without_allow_host(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_site(tmp_path, server))
    result = CliRunner().invoke(
        main, ["check", "--external", "--format", "json", "--cache-dir", str(tmp_path / "cache")]
    )
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert codes == {"EX008"}
    assert _Handler.hits == []


def test_offline_wins(tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_site(tmp_path, server))
    (tmp_path / ".finops-lint.yaml").write_text("external: true\n")
    result = CliRunner().invoke(main, ["check", "--offline", "--format", "json"])
    assert result.exit_code == 0
    assert _Handler.hits == []


#: Which EX rule reports each verdict of the link checker (no rule: the link works,
#: or was not checked).
EXPECTED_CODE = {
    "ok": None,
    "excluded": None,
    "unchecked": None,
    "not-found": "EX001",
    "server-error": "EX002",
    "timeout": "EX003",
    "connection": "EX004",
    "dns": "EX004",
    "too-many-redirects": "EX005",
    "redirect-loop": "EX005",
    "permanent-redirect": "EX006",
    "client-error": "EX007",
    "rate-limited": "EX007",
    "unsafe": "EX008",
    "invalid-url": "EX009",
    "unsupported-scheme": "EX010",
}


@pytest.mark.parametrize("status", STATUSES)
def test_each_link_verdict_is_reported_by_exactly_one_ex_rule(status: str, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from finops_lint.config import load_config
    from finops_lint.document import parse_text
    from finops_lint.rules.base import RuleContext, all_rules

    url = "https://example.org/x"
    doc = parse_text(f"---\ntitle: A\n---\n\n[x]({url})\n", "a.md", "a.md")
    result = LinkResult(url, status, 301, "https://example.org/y", "a message")
    ws = SimpleNamespace(external_results={url: result})
    ctx = RuleContext(load_config(tmp_path), None, None, {}, ws)  # type: ignore[arg-type]
    ex_rules = [r for r in all_rules() if r.code.startswith("EX")]
    assert all(r.needs_network for r in ex_rules)
    found = [(r.code, issue.line) for r in ex_rules for issue in r.check(doc, ctx)]
    assert set(EXPECTED_CODE) == set(STATUSES)
    expected = EXPECTED_CODE[status]
    assert found == ([] if expected is None else [(expected, 5)])


def test_definition_that_is_text_on_the_built_page_is_not_reported(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a line of text a definition is one only if jekyll-relative-links rewrites
    a definition from the text down to it: after `missing.md` (not rewritten) the
    dead URL is text, after `a.md` (rewritten) it is a link."""
    site = _site(tmp_path, server)
    (site / "CNAME").write_text("example.org\n")  # GitHub Pages: jekyll-relative-links runs
    glued = "---\ntitle: {t}\n---\n\nSee [x][r0] and [y][r1].\n[r0]: {path}\n[r1]: {base}/gone\n"
    (site / "c.md").write_text(glued.format(t="C", path="missing.md", base=server))
    (site / "d.md").write_text(glued.format(t="D", path="a.md", base=server))
    monkeypatch.chdir(site)
    args = ["check", "c.md", "d.md", "--external", "--allow-host", "127.0.0.1"]
    args += ["--format", "json", "--cache-dir", str(tmp_path / "cache"), "--select", "EX,LK008"]
    data = json.loads(CliRunner().invoke(main, args).stdout)
    found = sorted((f["path"], f["line"], f["code"]) for f in data["findings"])
    assert found == [("c.md", 5, "LK008"), ("c.md", 5, "LK008"), ("d.md", 7, "EX001")]
