"""Named hostile and broken inputs: each gives its documented finding or message.

Every test puts the bad file next to a good page that has one known defect (a
broken link, LK001) and checks that (a) the user sees the right code and
message for the bad file, (b) the good page is still checked, (c) the exit code
is 0/1/2 as DESIGN.md says, and (d) nothing hangs: every test runs under a
60-second alarm. A few run the real CLI in a subprocess to check that no
traceback reaches stderr.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finops_lint import engine
from finops_lint.engine import RunOptions, run
from finops_lint.findings import Finding, Severity
from tests.conftest import Site

GOOD = "good.md"
GOOD_PAGE = "---\ntitle: Good\n---\n\n# Good\n\nSee [the gone page](gone-page.md).\n"
GOOD_FINDING = ("LK001", 7)


@pytest.fixture(autouse=True)
def _alarm() -> Iterator[None]:
    """No named input may take a minute (a hang fails the test instead of CI)."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError("hostile input took more than 60 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def hsite(site: Site) -> Site:
    site.write(GOOD, GOOD_PAGE)
    return site


def _for(findings: list[Finding], name: str) -> list[Finding]:
    return [f for f in findings if f.path == name or f.path.endswith("/" + name)]


def _check(site: Site, bad: str, *extra: str) -> tuple[list[Finding], int]:
    """Run the CLI (JSON) on bad + good; the good page's finding must be there."""
    code, data = site.cli_json(bad, GOOD, *extra)
    findings = [
        Finding(
            f["path"],
            f["line"],
            f["column"],
            f["code"],
            f.get("rule", ""),
            Severity(f["severity"]),
            f["message"],
        )
        for f in data["findings"]
    ]
    good = [(f.code, f.line) for f in _for(findings, GOOD)]
    assert GOOD_FINDING in good, f"the good page was not checked: {good}"
    assert not [f for f in findings if f.code == "IN001"], findings
    assert code in (0, 1, 2)
    return findings, code


def _one(findings: list[Finding], name: str, code: str, text: str) -> Finding:
    mine = [f for f in _for(findings, name) if f.code == code]
    assert mine, f"no {code} for {name}: {[(f.code, f.message) for f in findings]}"
    assert text in mine[0].message, mine[0].message
    return mine[0]


def _cli_subprocess(
    root: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", "check", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2), proc.stderr
    return proc


# ---------------------------------------------------------------- encodings


def test_invalid_utf8_reports_the_byte_offset(hsite: Site) -> None:
    hsite.write_bytes("bad.md", b"---\ntitle: a\n---\n# x\n\xff\xfe bad\n")
    findings, code = _check(hsite, "bad.md")
    f = _one(findings, "bad.md", "FM000", "not valid UTF-8: byte 0xff at byte offset 21")
    assert (f.line, f.column) == (5, 1)
    assert code == 1


def test_utf16_with_bom(hsite: Site) -> None:
    hsite.write_bytes("bad.md", "---\ntitle: a\n---\n# x\n".encode("utf-16"))
    findings, code = _check(hsite, "bad.md")
    _one(findings, "bad.md", "FM000", "UTF-16")
    assert code == 1


def test_nul_byte(hsite: Site) -> None:
    hsite.write_bytes("bad.md", b"---\ntitle: a\n---\n# x\x00y\n")
    findings, _ = _check(hsite, "bad.md")
    f = _one(findings, "bad.md", "FM000", "NUL byte at byte offset 20")
    assert (f.line, f.column) == (4, 4)


def test_binary_file_named_md(hsite: Site) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256)) * 4
    hsite.write_bytes("image.md", png)
    findings, code = _check(hsite, "image.md")
    _one(findings, "image.md", "FM000", "looks binary")
    assert len(_for(findings, "image.md")) == 1  # one finding, not one per byte
    assert code == 1


def test_empty_file(hsite: Site) -> None:
    hsite.write_bytes("empty.md", b"")
    findings, code = _check(hsite, "empty.md")
    assert _for(findings, "empty.md") == []  # an empty page is a static file: nothing to say
    assert code == 1  # from the good page


def test_page_that_is_only_dashes(hsite: Site) -> None:
    hsite.write_bytes("dashes.md", b"---")
    findings, _ = _check(hsite, "dashes.md")
    f = _one(findings, "dashes.md", "FM002", "never closed")
    assert f.line == 1


def test_front_matter_never_closed(hsite: Site) -> None:
    hsite.write("open.md", "---\ntitle: Open\nlayout: page\n\n# Body\n\nText.\n")
    findings, _ = _check(hsite, "open.md")
    f = _one(findings, "open.md", "FM002", "never closed by a '---' line")
    assert f.line == 1


# ---------------------------------------------------------------- size


def test_twenty_megabyte_page_checks_front_matter_only(hsite: Site) -> None:
    body = b"Some text with a [broken link](nowhere.md).\n" * (20 * 1024 * 1024 // 44)
    hsite.write_bytes("huge.md", b"---\ntitle: Huge\ntitle: Twice\n---\n# Huge\n" + body)
    findings, code = _check(hsite, "huge.md")
    f = _one(findings, "huge.md", "FM000", "only its front matter is checked")
    assert f.severity.value == "warning"
    _one(findings, "huge.md", "FM005", "'title' is given twice")  # front matter still checked
    assert not [f for f in _for(findings, "huge.md") if f.code == "LK001"]  # body is not
    assert code == 1


def test_ten_thousand_nested_list_levels(hsite: Site) -> None:
    hsite.write("lists.md", "---\ntitle: Lists\n---\n# Lists\n\n" + "- " * 10_000 + "deep\n")
    findings, _ = _check(hsite, "lists.md")
    assert all(f.code != "IN001" for f in findings)


def test_ten_thousand_indented_list_levels(hsite: Site) -> None:
    text = "".join("  " * i + "- level\n" for i in range(0, 10_000, 7))
    hsite.write("indented.md", "---\ntitle: Lists\n---\n# Lists\n\n" + text)
    _check(hsite, "indented.md")


def test_ten_thousand_nested_quote_levels(hsite: Site) -> None:
    hsite.write(
        "quotes.md",
        "---\ntitle: Q\n---\n# Q\n\n"
        + "> " * 10_000
        + "deep\n"
        + ">" * 10_000
        + " [x](missing-too.md)\n",
    )
    findings, _ = _check(hsite, "quotes.md")
    assert all(f.code != "IN001" for f in findings)


def test_table_with_five_thousand_columns(hsite: Site) -> None:
    n = 5000
    table = (
        "|"
        + "|".join(f"c{i}" for i in range(n))
        + "|\n"
        + "|"
        + "|".join("---" for _ in range(n))
        + "|\n"
        + "|"
        + "|".join("v" for _ in range(n - 1))
        + "|\n"
    )
    hsite.write("wide.md", "---\ntitle: Wide\n---\n# Wide\n\n" + table)
    findings, _ = _check(hsite, "wide.md")
    f = _one(findings, "wide.md", "TB001", "row has 4999 cells, the header has 5000")
    assert f.line == 8


def test_line_of_one_megabyte(hsite: Site) -> None:
    line = "word " * 200_000 + "[end](missing-at-the-end.md)"
    hsite.write("long.md", "---\ntitle: Long\n---\n# Long\n\n" + line + "\n")
    findings, _ = _check(hsite, "long.md")
    f = _one(findings, "long.md", "LK001", "missing-at-the-end.md")
    assert (f.line, f.column) == (6, 1_000_007)  # the link target, after "[end]("


# ---------------------------------------------------------------- YAML


BILLION_LAUGHS = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8)
    )
    + "---\n# Bomb\n"
)


def test_yaml_alias_bomb_is_refused_fast(hsite: Site) -> None:
    hsite.write("bomb.md", BILLION_LAUGHS)
    start = time.process_time()
    findings, code = _check(hsite, "bomb.md")
    assert time.process_time() - start < 30  # 9**9 values would never finish
    _one(findings, "bomb.md", "FM001", "refused (alias bomb)")
    assert code == 1


def test_recursive_yaml_alias_is_refused(hsite: Site) -> None:
    hsite.write(
        "rec.md", "---\na: &a [*a, *a]\nb: &b {x: *b}\n" + "pad: [" * 40 + "]" * 40 + "\n---\n# R\n"
    )
    findings, _ = _check(hsite, "rec.md")
    assert [f for f in _for(findings, "rec.md") if f.code == "FM001"]


@pytest.mark.parametrize("shape", ["flow", "block-mapping", "block-list"])
def test_very_deep_yaml_nesting(hsite: Site, shape: str) -> None:
    depth = 5000
    if shape == "flow":
        yaml_text = "x: " + "[" * depth + "]" * depth + "\n"
    elif shape == "block-mapping":
        yaml_text = "".join("  " * i + "k:\n" for i in range(300)) + "  " * 300 + "v: 1\n"
    else:
        yaml_text = "x:\n" + "".join("  " * i + "-\n" for i in range(1, 300)) + "  " * 300 + "- 1\n"
    hsite.write("deep.md", "---\n" + yaml_text + "---\n# Deep\n")
    findings, _ = _check(hsite, "deep.md")
    f = _one(findings, "deep.md", "FM001", "")
    assert "nest" in f.message or "deep" in f.message, f.message


def test_python_object_tags_are_refused(hsite: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def system(*args: Any) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(os, "system", system)
    hsite.write(
        "pwn.md",
        "---\ntitle: !!python/object/apply:os.system ['echo PWNED']\n"
        "other: !!python/name:os.system\n---\n# Pwn\n",
    )
    result = run(RunOptions(paths=[hsite.root / "pwn.md", hsite.root / GOOD]))
    assert calls == []
    _one(result.findings, "pwn.md", "FM001", "could not determine a constructor")
    assert GOOD_FINDING in [(f.code, f.line) for f in _for(result.findings, GOOD)]


def test_duplicate_front_matter_keys(hsite: Site) -> None:
    hsite.write("dup.md", "---\ntitle: First\nlayout: page\ntitle: Second\n---\n# Dup\n")
    findings, _ = _check(hsite, "dup.md")
    f = _one(findings, "dup.md", "FM005", "'title' is given twice (first at line 2)")
    assert f.line == 4


# ---------------------------------------------------------------- files


def test_symlink_loop(hsite: Site) -> None:
    os.symlink("loop-b.md", hsite.root / "loop-a.md")
    os.symlink("loop-a.md", hsite.root / "loop-b.md")
    proc = _cli_subprocess(hsite.root, "--format", "json", ".")
    assert "internal error" not in proc.stderr
    assert "symlink loop" in proc.stdout
    assert "gone-page.md" in proc.stdout


def test_symlink_loop_given_explicitly_page_rules(hsite: Site) -> None:
    """The page-level part of the loop case works: discover() reports it."""
    os.symlink("loop-b.md", hsite.root / "loop-a.md")
    os.symlink("loop-a.md", hsite.root / "loop-b.md")
    result = run(
        RunOptions(
            paths=[hsite.root / "loop-a.md", hsite.root / GOOD], select=["FM000", "FM005", "HD"]
        )
    )
    _one(result.findings, "loop-a.md", "FM000", "symlink loop")


def test_symlink_outside_the_site_is_not_followed(hsite: Site, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: Secret\ntitle: Twice\n---\n# S\n\n[x](nowhere.md)\n")
    os.symlink(outside, hsite.root / "escape.md")
    proc = _cli_subprocess(hsite.root, "--format", "json", "escape.md", GOOD)
    assert "symlink points outside the site" in proc.stdout
    assert "FM005" not in proc.stdout and "nowhere.md" not in proc.stdout  # never read
    assert "gone-page.md" in proc.stdout
    assert proc.returncode == 1


def test_file_disappears_between_listing_and_reading(
    hsite: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    hsite.write("vanishing.md", "---\ntitle: V\n---\n# V\n")
    real_discover = engine.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> Any:
        found = real_discover(*args, **kwargs)
        (hsite.root / "vanishing.md").unlink()
        return found

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    result = run(RunOptions(paths=[hsite.root / "vanishing.md", hsite.root / GOOD]))
    _one(result.findings, "vanishing.md", "FM000", "file disappeared before it could be read")
    assert GOOD_FINDING in [(f.code, f.line) for f in _for(result.findings, GOOD)]
    assert result.internal_errors == 0


def test_unreadable_file(hsite: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    hsite.write("locked.md", "---\ntitle: L\n---\n# L\n")
    real_open = os.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("locked.md"):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # every file is read through finops_lint.safe_io, which opens with os.open
    monkeypatch.setattr(os, "open", guarded_open)
    result = run(RunOptions(paths=[hsite.root / "locked.md", hsite.root / GOOD]))
    _one(result.findings, "locked.md", "FM000", "cannot read file: Permission denied")
    assert GOOD_FINDING in [(f.code, f.line) for f in _for(result.findings, GOOD)]


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 file anyway"
)
def test_unreadable_file_chmod(hsite: Site) -> None:
    path = hsite.write("locked.md", "---\ntitle: L\n---\n# L\n")
    path.chmod(0)
    try:
        findings, _ = _check(hsite, "locked.md")
    finally:
        path.chmod(0o644)
    _one(findings, "locked.md", "FM000", "cannot read file")


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(root.rglob("*"))
    }


def test_read_only_site_is_not_written(hsite: Site) -> None:
    before = _snapshot(hsite.root)
    for p in hsite.root.rglob("*"):
        p.chmod(0o555 if p.is_dir() else 0o444)
    hsite.root.chmod(0o555)
    try:
        proc = _cli_subprocess(hsite.root, ".")
    finally:
        hsite.root.chmod(0o755)
        for p in hsite.root.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
    assert _snapshot(hsite.root) == before
    assert "gone-page.md" in proc.stdout
    assert proc.returncode == 1


def test_read_only_cache_dir_with_external(hsite: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI mounts the site read-only: the cache is skipped with one notice; the run succeeds."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    hsite.write("ext.md", f"---\ntitle: E\n---\n# E\n\n[ok]({base}/ok) [gone]({base}/gone)\n")
    hsite.write("ext2.md", f"---\ntitle: E2\n---\n# E2\n\n[ok]({base}/ok)\n")

    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("finops_lint.safe_io._new_file", read_only)
    try:
        result = hsite.cli(
            "check", "--external", "--allow-host", "127.0.0.1", "ext.md", "ext2.md", GOOD
        )
    finally:
        httpd.shutdown()
    notices = [line for line in result.output.splitlines() if "link cache" in line]
    assert len(notices) == 1, result.output
    assert "Read-only file system" in notices[0]
    assert "EX001" in result.output and "gone-page.md" in result.output
    assert result.exit_code == 1


# ---------------------------------------------------------------- site files


def test_invalid_config_yml(hsite: Site) -> None:
    hsite.write("_config.yml", "title: [unclosed\nurl: https://www.finops.org\n")
    proc = _cli_subprocess(hsite.root, GOOD)
    assert "invalid YAML in _config.yml" in proc.stderr
    assert "gone-page.md" in proc.stdout
    assert proc.returncode == 1


def test_invalid_finops_lint_config_is_exit_2(hsite: Site) -> None:
    hsite.config("extends: [unclosed\n")
    proc = _cli_subprocess(hsite.root, GOOD)
    assert "config error" in proc.stderr and ".finops-lint.yaml" in proc.stderr
    assert proc.returncode == 2


def test_malformed_redirects(hsite: Site) -> None:
    hsite.write(
        "_redirects",
        "/only-a-source\n/a /b 999 bogus\n\x01\x02 garbage\n"
        "/ok /index.html 301\n" + "/x " * 5000 + "\n",
    )
    proc = _cli_subprocess(hsite.root, GOOD)
    assert "_redirects:1: redirect rule needs a source and a target" in proc.stderr
    assert "_redirects:2:" in proc.stderr
    assert "gone-page.md" in proc.stdout
    assert proc.returncode == 1


def test_everything_at_once_no_traceback(hsite: Site, tmp_path: Path) -> None:
    """All the bad files in one folder run: one line per problem, no traceback."""
    hsite.write_bytes("a-utf8.md", b"\xff\xfe")
    hsite.write_bytes("a-utf16.md", "x".encode("utf-16"))
    hsite.write_bytes("a-nul.md", b"a\x00b")
    hsite.write_bytes("a-dashes.md", b"---")
    hsite.write_bytes("a-empty.md", b"")
    hsite.write("a-bomb.md", BILLION_LAUGHS)
    hsite.write("a-open.md", "---\ntitle: x\n")
    hsite.write("a-deep.md", "---\nx: " + "[" * 3000 + "]" * 3000 + "\n---\n")
    (tmp_path / "outside.md").write_text("# out\n")
    os.symlink(tmp_path / "outside.md", hsite.root / "a-link.md")
    hsite.write("_redirects", "garbage\n")
    proc = _cli_subprocess(hsite.root, ".")
    assert proc.returncode == 1
    for name in (
        "a-utf8.md",
        "a-utf16.md",
        "a-nul.md",
        "a-dashes.md",
        "a-bomb.md",
        "a-open.md",
        "a-deep.md",
        "a-link.md",
        "good.md",
    ):
        assert name in proc.stdout, name


# ---------------------------------------------------------------- found by fuzzing


def test_invalid_date_in_front_matter_is_fm001(hsite: Site) -> None:
    """Was a ValueError out of PyYAML's date constructor: the whole run ended, exit 2."""
    hsite.write("date.md", "---\ntitle: D\ndate: 2024-13-45\n---\n# D\n")
    findings, code = _check(hsite, "date.md")
    _one(findings, "date.md", "FM001", "a value cannot be read (month must be in 1..12)")
    assert code == 1


def test_invalid_date_in_config_yml(hsite: Site) -> None:
    hsite.write("_config.yml", "title: x\ndate: 2024-13-45\n")
    proc = _cli_subprocess(hsite.root, GOOD)
    assert "internal error" not in proc.stderr
    assert "gone-page.md" in proc.stdout


def test_only_dashes_in_a_collection_points_inside_the_file(hsite: Site) -> None:
    """HD001 pointed at line 2 of a one-line file (body_start_line past the end)."""
    hsite.write_bytes("_capabilities/dashes.md", b"---")
    findings, _ = _check(hsite, "_capabilities/dashes.md")
    assert findings and all(f.line == 1 for f in _for(findings, "_capabilities/dashes.md"))
