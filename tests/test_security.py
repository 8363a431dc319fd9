"""Content under review cannot make finops-lint use the network, read files
outside the site, hang, or hide findings (issue 10).

Network tests use only servers on 127.0.0.1 (tests/linkserver.py), which record
every request: "zero hits" is the assertion.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from finops_lint.schema_refs import SchemaRefError, check_refs
from tests.conftest import Site
from tests.linkserver import serve

# Replaces the profile's catch-all "page" type, so notes/ pages use this schema.
NOTE_TYPE = """\
page-types:
  page:
    match: ["notes/*.md"]
    schema: {schema}
"""

NOTE = "---\ntitle: A note\n---\n\n# A note\n\nText.\n"


def _note_site(site: Site, schema: dict[str, object], name: str = "note.schema.json") -> None:
    site.write(f"schemas/{name}", json.dumps(schema))
    site.config(NOTE_TYPE.format(schema=f"schemas/{name}"))
    site.write("notes/a.md", NOTE)


# ------------------------------------------------------------------ 1. schema $refs


@pytest.mark.parametrize("offline", [False, True])
def test_schema_ref_to_a_url_is_a_config_error_and_never_fetched(site: Site, offline: bool) -> None:
    with serve() as server:
        url = f"{server.base}/latest/meta-data/iam"  # stands for 169.254.169.254
        _note_site(site, {"type": "object", "properties": {"title": {"$ref": url}}})
        args = ["check", *(["--offline"] if offline else []), "notes/a.md"]
        result = site.cli(*args)
        assert server.requests == []
    assert result.exit_code == 2
    assert "config error" in result.output
    assert f"$ref '{url}'" in result.output
    assert "never fetches schemas" in result.output
    assert "Traceback" not in result.output


def test_schema_ref_to_a_file_outside_the_site_is_refused_unread(
    site: Site, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"enum": ["TOP-SECRET-VALUE"]}', encoding="utf-8")
    _note_site(site, {"type": "object", "properties": {"title": {"$ref": secret.as_uri()}}})
    result = site.cli("check", "notes/a.md")
    assert result.exit_code == 2
    assert "outside the site" in result.output
    assert "TOP-SECRET-VALUE" not in result.output
    # the same through a relative path that climbs out of the site
    _note_site(site, {"type": "object", "properties": {"title": {"$ref": "../../secret.json"}}})
    result = site.cli("check", "notes/a.md")
    assert result.exit_code == 2 and "outside the site" in result.output
    assert "TOP-SECRET-VALUE" not in result.output


def test_schema_path_outside_the_site_is_not_read(site: Site, tmp_path: Path) -> None:
    secret = tmp_path / "outside.schema.json"
    secret.write_text('{"enum": ["TOP-SECRET-VALUE"]}', encoding="utf-8")
    site.config(NOTE_TYPE.format(schema=str(secret)))
    site.write("notes/a.md", NOTE)
    result = site.cli("check", "notes/a.md")
    assert result.exit_code == 2
    assert "neither a regular file inside the site nor built in" in result.output
    assert "TOP-SECRET-VALUE" not in result.output


def test_local_refs_resolve_inside_the_site_and_to_built_in_schemas(site: Site) -> None:
    site.write(
        "schemas/common.schema.json",
        json.dumps({"$defs": {"title": {"type": "string", "maxLength": 5}}}),
    )
    _note_site(
        site,
        {
            "allOf": [{"$ref": "https://finops-lint.dev/schemas/page.schema.json"}],
            "type": "object",
            "properties": {"title": {"$ref": "common.schema.json#/$defs/title"}},
        },
    )
    result = site.cli("check", "--select", "FM003", "notes/a.md")
    assert result.exit_code == 1, result.output
    assert "notes/a.md:2:" in result.output and "FM003" in result.output


def test_refs_reached_through_a_local_schema_are_checked_too(site: Site) -> None:
    with serve() as server:
        site.write(
            "schemas/common.schema.json",
            json.dumps({"$defs": {"title": {"$ref": f"{server.base}/x.json"}}}),
        )
        _note_site(site, {"properties": {"title": {"$ref": "common.schema.json#/$defs/title"}}})
        result = site.cli("check", "notes/a.md")
        assert server.requests == []
    assert result.exit_code == 2 and "never fetches schemas" in result.output


def test_the_validator_itself_retrieves_nothing(site: Site) -> None:
    """Even past the config check, validating never reaches the network."""
    from finops_lint.schema_refs import validator

    with serve() as server:
        path = site.write("schemas/x.schema.json", json.dumps({"$ref": f"{server.base}/x.json"}))
        with pytest.raises(SchemaRefError):
            check_refs(json.loads(path.read_text()), path, site.root)
        with pytest.raises(Exception, match="Unresolvable"):
            list(validator(str(path), str(site.root)).iter_errors({"title": 1}))
        assert server.requests == []


# ------------------------------------------------------------------ 2. private targets


@pytest.mark.parametrize(
    ("setting", "line"),
    [("allow-private: true", 4), ("allow-hosts: [127.0.0.1]", 4)],
)
def test_a_repository_config_cannot_allow_private_addresses(
    site: Site, setting: str, line: int
) -> None:
    with serve() as server:
        site.config(f"# the repository's own config\nexternal:\n  enabled: true\n  {setting}\n")
        site.write("a.md", f"---\ntitle: A\n---\n\n# A\n\n[x]({server.base}/ok)\n")
        for args in (["check", "a.md"], ["check", "--external", "a.md"]):
            result = site.cli(*args)
            assert result.exit_code == 2, result.output
            assert f".finops-lint.yaml:{line}: external/" in result.output
            assert "only on the command line (--allow-host HOST)" in result.output
        assert server.requests == []


def test_the_command_line_can_allow_a_private_host(site: Site) -> None:
    with serve() as server:
        site.config("external:\n  enabled: true\n")
        site.write("a.md", f"---\ntitle: A\n---\n\n# A\n\n[x]({server.base}/missing)\n")
        refused = site.cli("check", "--select", "EX", "a.md")
        assert server.requests == [] and "EX008" in refused.output
        allowed = site.cli("check", "--select", "EX", "--allow-host", "127.0.0.1", "a.md")
        assert server.hits("/missing") >= 1 and "EX001" in allowed.output
        before = len(server.requests)
        offline = site.cli("check", "--offline", "--allow-host", "127.0.0.1", "a.md")
        assert len(server.requests) == before and offline.exit_code == 0


def test_pre_commit_hooks_run_offline() -> None:
    """The hooks' entry (which a user's `args:` cannot replace) says --offline, and the
    fast path pre-commit's call takes keeps it."""
    import yaml

    from finops_lint.check_command import plain_check_args

    project = Path(__file__).resolve().parents[1]
    hooks = yaml.safe_load((project / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks and all("--offline" in h["entry"].split() for h in hooks)
    args = plain_check_args(["check", "--offline", "a.md", "b.md"])
    assert args is not None and args.offline and [str(p) for p in args.paths] == ["a.md", "b.md"]
    args = plain_check_args(["check", "--offline", "--staged", "a.md"])
    assert args is not None and args.offline and args.staged
    args = plain_check_args(["check", "--offline", "--allow-host", "x", "a.md"])
    assert args is None  # anything else goes through click, which keeps --offline too


# ------------------------------------------------------------------ 4. regular expressions

EVIL = "^(a+)+$"
EVIL_TEXT = "a" * 32 + "b"  # Python's re backtracks 2**32 times before saying no


def _run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process; the timeout only turns a hang into a failure."""
    return subprocess.run(
        [sys.executable, "-m", "finops_lint", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "FINOPS_LINT_JOBS": "1"},
    )


def test_config_patterns_cannot_backtrack_catastrophically(site: Site) -> None:
    site.config(
        "placeholders:\n"
        f"  text: ['{EVIL}']\n"
        f"  unfinished: ['{EVIL}']\n"
        "tables:\n"
        "  t:\n"
        f"    match: {{header: '{EVIL}'}}\n"
        "external:\n"
        f"  exclude: ['{EVIL}']\n"
    )
    site.write("a.md", f"---\ntitle: {EVIL_TEXT}\n---\n\n{EVIL_TEXT}\n\n| {EVIL_TEXT} |\n| - |\n")
    site.write("b.md", "---\ntitle: B\n---\n\naaaa\n")
    result = _run_cli(site.root, "check", "a.md", "b.md")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


def test_schema_patterns_cannot_backtrack_catastrophically(site: Site) -> None:
    _note_site(
        site,
        {
            "type": "object",
            "properties": {"title": {"type": "string", "pattern": EVIL}},
            "patternProperties": {EVIL: {"type": "string"}},
            "additionalProperties": {"type": "string"},
        },
    )
    site.write("notes/a.md", f"---\ntitle: {EVIL_TEXT}\n{EVIL_TEXT}: 1\n---\n\n# A\n")
    result = _run_cli(site.root, "check", "--select", "FM003", "notes/a.md")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "notes/a.md:2:" in result.stdout and "must match the pattern" in result.stdout
    assert "notes/a.md:3:" in result.stdout  # the key's value is not a string


def test_user_patterns_run_on_re2_and_shipped_ones_on_re(site: Site) -> None:
    from finops_lint import regex
    from finops_lint.config import load_config

    config = load_config(site.root)  # loads (and trusts) the built-in profile
    shipped = config.placeholders["text"][0]
    assert isinstance(regex.compile(shipped), re.Pattern)
    assert isinstance(regex.compile(EVIL), regex.Re2Pattern)
    assert regex.compile(EVIL).search(EVIL_TEXT) is None
    assert regex.compile(EVIL).search("a" * 32) is not None
    assert regex.compile("end\\Z").search("the end") is not None  # \Z is accepted


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("placeholders:\n  text: ['ok', '(?<=a)b']\n", 2),
        ("external:\n  exclude:\n    - '(x)\\1'\n", 3),
        ("placeholders:\n  text: ['(unclosed']\n", 2),
    ],
)
def test_unusable_patterns_are_config_errors_with_file_and_line(
    site: Site, setting: str, line: int
) -> None:
    site.config(setting)
    site.write("a.md", "---\ntitle: A\n---\n")
    result = site.cli("check", "a.md")
    assert result.exit_code == 2
    assert f".finops-lint.yaml:{line}: " in result.output, result.output
    assert "invalid regular expression" in result.output


def test_unusable_schema_pattern_is_a_config_error(site: Site) -> None:
    _note_site(site, {"properties": {"title": {"pattern": "(?<!x)y"}}})
    result = site.cli("check", "notes/a.md")
    assert result.exit_code == 2
    assert "pattern '(?<!x)y'" in result.output and "RE2" in result.output


# ------------------------------------------------------------------ 3. only regular files

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


@needs_fifo
def test_a_fifo_or_device_as_a_page_is_reported_and_skipped(site: Site) -> None:
    site.write("a.md", "---\ntitle: A\n---\n\n# A\n\nTODO: write this.\n")
    os.mkfifo(site.root / "fifo.md")
    os.symlink("fifo.md", site.root / "to-fifo.md")
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", site.root / "zero.md")
    result = _run_cli(site.root, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fifo.md:1:1: FM000 a FIFO (named pipe), not a regular file" in result.stdout
    assert "to-fifo.md:1:1: FM000 a FIFO (named pipe), not a regular file" in result.stdout
    assert "a.md:7:1: PH003" in result.stdout  # the other pages are still checked
    # a page named on the command line, as pre-commit passes them
    result = _run_cli(site.root, "check", "fifo.md")
    assert "fifo.md:1:1: FM000" in result.stdout and result.returncode == 1


@needs_fifo
def test_a_fifo_as_config_template_schema_or_cache_is_reported(site: Site) -> None:
    site.write("_capabilities/x.md", "---\ntitle: X\n---\n\n# X\n")
    (site.root / "_templates/_capability.md").unlink()
    os.mkfifo(site.root / "_templates/_capability.md")
    result = _run_cli(site.root, "check", "_capabilities/x.md")
    assert "template _templates/_capability.md: a FIFO" in result.stderr, result.stderr

    (site.root / "_config.yml").unlink()
    os.mkfifo(site.root / "_config.yml")
    result = _run_cli(site.root, "check", "_capabilities/x.md")
    assert "cannot read _config.yml: a FIFO" in result.stderr, result.stderr

    os.mkfifo(site.root / "fifo.schema.json")
    site.config(NOTE_TYPE.format(schema="fifo.schema.json"))
    result = _run_cli(site.root, "check", "_capabilities/x.md")
    assert result.returncode == 2 and "'fifo.schema.json' (neither a regular file" in result.stderr

    (site.root / ".finops-lint.yaml").unlink()
    os.mkfifo(site.root / ".finops-lint.yaml")
    result = _run_cli(site.root, "check", "_capabilities/x.md")
    assert result.returncode == 2
    assert "cannot read config: a FIFO (named pipe), not a regular file" in result.stderr


@needs_fifo
def test_a_fifo_as_the_link_cache_is_reported_and_replaced(site: Site) -> None:
    cache = site.root / ".finops-lint-cache"
    cache.mkdir()
    os.mkfifo(cache / "external-links.json")
    with serve() as server:
        site.write("a.md", f"---\ntitle: A\n---\n\n# A\n\n[x]({server.base}/ok)\n")
        result = _run_cli(site.root, "check", "--external", "--allow-host", "127.0.0.1", "a.md")
        assert server.hits("/ok") >= 1
    assert result.returncode == 0, result.stdout + result.stderr
    assert "link cache" in result.stderr and "a FIFO" in result.stderr
    assert (cache / "external-links.json").is_file()  # a regular file now


def test_reads_are_bounded(tmp_path: Path) -> None:
    from finops_lint.safe_io import FileTooLargeError, read_bytes

    big = tmp_path / "big"
    big.write_bytes(b"x" * 1000)
    with pytest.raises(FileTooLargeError):
        read_bytes(big, 999)
    assert len(read_bytes(big, 10, truncate=True)) == 11
    assert read_bytes(big, 1000) == b"x" * 1000


# ------------------------------------------------------------------ 5. external checks


def _external(site: Site, *args: str) -> Any:
    return site.cli("check", "--external", "--allow-host", "127.0.0.1", "--select", "EX", *args)


def test_external_check_has_an_overall_budget(site: Site) -> None:
    with serve() as server:
        site.config("external:\n  budget: 0.5\n")
        site.write("a.md", f"---\ntitle: A\n---\n\n# A\n\n[slow]({server.base}/slow)\n")
        result = _external(site, "a.md")
    assert "budget ran out; 1 of 1 URLs were not checked" in result.output
    assert "EX003" not in result.output  # not checked is not a timeout finding
    assert result.exit_code == 0


def test_timeout_and_budget_have_a_maximum(site: Site) -> None:
    site.write("a.md", "---\ntitle: A\n---\n")
    for setting in ("timeout: 100000", "budget: 86400"):
        site.config(f"external:\n  {setting}\n")
        result = site.cli("check", "a.md")
        assert result.exit_code == 2 and ".finops-lint.yaml:2: external/" in result.output


def test_a_huge_retry_after_does_not_hold_the_run(site: Site) -> None:
    with serve() as server:
        site.write("a.md", f"---\ntitle: A\n---\n\n# A\n\n[x]({server.base}/ratelimit-long)\n")
        result = _external(site, "a.md")
        assert server.hits("/ratelimit-long") == 1
    assert "a.md:7:5: EX007 " in result.output
    assert "asking to wait 120 s (more than the 30 s finops-lint waits)" in result.output


def test_front_matter_urls_are_checked_like_body_links(site: Site) -> None:
    with serve() as server:
        site.config('front-matter-links: [link, "product-resources[].url"]\n')
        site.write(
            "a.md",
            "---\ntitle: A\n"
            f"link: {server.base}/missing\n"
            "product-resources:\n"
            f"  - url: {server.base}/ok\n"
            f"  - url: {server.base}/gone\n"
            "---\n\n# A\n",
        )
        result = _external(site, "a.md")
        assert server.hits("/ok") >= 1
    assert f"a.md:3:7: EX001 'link': '{server.base}/missing': 404 Not Found" in result.output
    assert f"a.md:6:10: EX001 'product-resources[1].url': '{server.base}/gone'" in result.output
    assert result.output.count("EX001") == 2


def test_invalid_urls_and_redirects_to_other_schemes_are_findings(site: Site) -> None:
    with serve() as server:
        site.write(
            "a.md",
            "---\ntitle: A\n---\n\n# A\n\n"
            "[a](http:///x) [b](https://) [c](http://127.0.0.1:99999/)\n\n"
            f"[d]({server.base}/to-mailto)\n",
        )
        result = _external(site, "a.md")
    lines = [line for line in result.output.splitlines() if " EX0" in line]
    assert [line.split(" ")[1] for line in lines] == ["EX009", "EX009", "EX009", "EX010"]
    assert "'http:///x': invalid URL: no host" in lines[0]
    assert "port out of range" in lines[2]
    assert "to mailto:someone@example.org" in lines[3]


def test_malformed_cache_entries_are_discarded(site: Site) -> None:
    with serve() as server:
        cache = site.root / ".finops-lint-cache" / "external-links.json"
        cache.parent.mkdir()
        good = {"http_status": 404, "final_url": None, "message": "404 Not Found"}
        entries = {
            f"{server.base}/ok/nan": {**good, "status": "not-found", "checked_at": float("nan")},
            f"{server.base}/ok/future": {**good, "status": "not-found", "checked_at": 4e12},
            f"{server.base}/ok/missing": {**good, "status": "not-found"},
            f"{server.base}/ok/unknown": {**good, "status": "great", "checked_at": 1.0},
            f"{server.base}/ok/inf": {**good, "status": "not-found", "checked_at": float("inf")},
        }
        cache.write_text(json.dumps(entries), encoding="utf-8")
        links = "\n\n".join(f"[x]({url})" for url in entries)
        site.write("a.md", f"---\ntitle: A\n---\n\n# A\n\n{links}\n")
        result = _external(site, "a.md")
        assert all(server.hits(url[len(server.base) :]) == 1 for url in entries)
    assert result.exit_code == 0 and "EX001" not in result.output
    saved = json.loads(cache.read_text(encoding="utf-8"))
    assert all(saved[url]["status"] == "ok" for url in entries)


# ------------------------------------------------------------------ 6. signals and output


def _start(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "finops_lint", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _wait_for(condition: Any, what: str) -> None:
    for _ in range(1200):  # a bound on the polling, not a timing assertion
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_external_check_exits_cleanly_and_keeps_what_it_did(
    site: Site, signum: int, code: int
) -> None:
    report = site.write("report.txt", "the previous report\n")
    with serve() as server:
        site.write(
            "a.md", f"---\ntitle: A\n---\n\n[a]({server.base}/ok)\n[b]({server.base}/hang)\n"
        )
        proc = _start(
            site.root,
            *("check", "--external", "--allow-host", "127.0.0.1", "-o", "report.txt", "a.md"),
        )
        try:
            _wait_for(lambda: server.hits("/hang") and server.hits("/ok"), "both requests")
            time.sleep(1.0)  # /ok has its answer; /hang answers after 20 s
            proc.send_signal(signum)
            _out, err = proc.communicate(timeout=120)
        finally:
            proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "interrupted" in err
    assert report.read_text(encoding="utf-8") == "the previous report\n"
    cache = json.loads((site.root / ".finops-lint-cache/external-links.json").read_text())
    assert f"{server.base}/ok" in cache and f"{server.base}/hang" not in cache
    assert not [p for p in site.root.iterdir() if p.name.startswith(".report.txt.")]


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            if marker in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_sigterm_stops_the_workers(site: Site) -> None:
    body = "\n".join(f"Paragraph {i} with [a link](/nowhere-{i}/) and text." for i in range(1500))
    for i in range(120):
        site.write(f"pages/p{i}.md", f"---\ntitle: P{i}\n---\n\n# P{i}\n\n{body}\n")
    marker = str(site.root / "pages")
    proc = _start(
        site.root, "check", marker, env={"FINOPS_LINT_JOBS": "2", "FINOPS_LINT_TIMING": "1"}
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "timing: prepare" in line:  # just before the workers start
                break
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    if proc.returncode in (0, 1):
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    _wait_for(lambda: not _processes_with(marker), "the workers ended")


def test_output_file_is_replaced_whole_or_not_at_all(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from finops_lint import safe_io

    site.write("a.md", "---\ntitle: A\n---\n\n# A\n\nTODO: write this.\n")
    report = site.write("report.txt", "the previous report\n")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(safe_io.os, "fsync", full_disk)
        result = site.cli("check", "-o", "report.txt", "a.md")
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert report.read_text(encoding="utf-8") == "the previous report\n"
    assert [p.name for p in site.root.iterdir() if p.name.startswith(".report")] == []
    result = site.cli("check", "-o", "report.txt", "a.md")
    assert result.exit_code == 1 and "PH003" in report.read_text(encoding="utf-8")


def test_text_output_escapes_control_characters(site: Site) -> None:
    site.write("a.md", "---\ntitle: A\n---\n\n# A\n\nTODO: \x1b[2J\x1b[31mred\x07 text\n")
    site.write("b\nc.md", "---\ntitle: B\n---\n\n# B\n\nTODO: write this.\n")
    result = site.cli("check", "a.md", "b\nc.md")
    lines = result.output.splitlines()
    assert len(lines) == 3, result.output  # two findings, one summary line
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "a.md:7:1: PH003" in lines[0] and "\\x1b[2J\\x1b[31mred\\x07 text" in lines[0]
    assert lines[1].startswith("b\\nc.md:7:1: PH003")


def test_a_large_config_without_aliases_is_not_an_alias_bomb(site: Site) -> None:
    words = "".join(f"    - word{i}\n" for i in range(60_000))
    site.config(f"placeholders:\n  row-tokens:\n{words}")
    site.write("a.md", "---\ntitle: A\n---\n\n# A\n")
    result = site.cli("check", "a.md")
    assert result.exit_code == 0, result.output
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [{', '.join([f'*{p}'] * 10)}]\n" for p, k in zip("abcde", "bcdef", strict=True)
    )
    site.config(f"x-anchors: 1\n{bomb}")
    result = site.cli("check", "a.md")
    assert result.exit_code == 2 and "alias bomb" in result.output


def test_a_symlinked_cache_folder_is_not_written_through(site: Site, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, site.root / ".finops-lint-cache")
    with serve() as server:
        site.write("a.md", f"---\ntitle: A\n---\n\n[x]({server.base}/ok)\n")
        result = _external(site, "a.md")
        assert server.hits("/ok") >= 1
    assert ".finops-lint-cache is a symlink: the link cache is not used" in result.output
    assert list(outside.iterdir()) == []


def test_re2_patterns_match_text_with_lone_surrogates() -> None:
    from finops_lint import regex

    pattern = regex.compile("b+$")
    assert isinstance(pattern, regex.Re2Pattern)
    match = pattern.search("a\ud800bb")  # what YAML's "a\ud800bb" gives
    assert match is not None and match.span() == (2, 4)


def test_a_temporary_file_is_new_private_and_never_a_planted_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """write_atomic's temporary file (safe_io._new_file, which replaced
    tempfile.mkstemp) is created exclusively with mode 0600: a name someone planted,
    a symlink to a file outside or a file of their own, is skipped, never written."""
    from finops_lint import safe_io

    outside = tmp_path / "outside.txt"
    outside.write_text("theirs", encoding="utf-8")
    folder = tmp_path / "cache"
    folder.mkdir()
    names = iter([b"\x01" * 6, b"\x02" * 6, b"\x03" * 6])
    monkeypatch.setattr(safe_io.os, "urandom", lambda n: next(names))
    (folder / f".out.json.{'01' * 6}.tmp").symlink_to(outside)
    (folder / f".out.json.{'02' * 6}.tmp").write_text("planted", encoding="utf-8")
    seen: list[int] = []
    real_chmod = os.chmod

    def chmod(path: Any, mode: int) -> None:  # the mode before write_atomic sets the target's
        seen.append(os.stat(path).st_mode & 0o777)
        real_chmod(path, mode)

    monkeypatch.setattr(safe_io.os, "chmod", chmod)
    safe_io.write_atomic(folder / "out.json", b"ours", sync=False)
    assert (folder / "out.json").read_bytes() == b"ours"
    assert seen == [0o600]
    assert outside.read_text(encoding="utf-8") == "theirs"
    assert (folder / f".out.json.{'02' * 6}.tmp").read_text(encoding="utf-8") == "planted"
    assert not (folder / f".out.json.{'03' * 6}.tmp").exists()  # renamed onto the target
    monkeypatch.setattr(safe_io.os, "urandom", lambda n: b"\x02" * 6)
    with pytest.raises(FileExistsError):
        safe_io.write_atomic(folder / "out.json", b"again", sync=False)
    assert (folder / "out.json").read_bytes() == b"ours"


def test_a_site_file_read_through_a_symlink_out_of_the_site_is_not_read(tmp_path: Path) -> None:
    """Workspace._inside (one lstat per part of a plain relative path) says what the
    real path says, for files, folders and symlinks in and out of the site."""
    from finops_lint.config import load_config
    from finops_lint.workspace import Workspace, _inside

    outside = tmp_path / "outside"
    (outside / "d").mkdir(parents=True)
    (outside / "secret.md").write_text("secret", "utf-8")
    (outside / "d" / "x.md").write_text("x", "utf-8")
    real_root = tmp_path / "site"
    (real_root / "in" / "deep").mkdir(parents=True)
    (real_root / "_config.yml").write_text("title: t\n", "utf-8")
    (real_root / "in" / "deep" / "a.md").write_text("a", "utf-8")
    os.symlink(outside / "secret.md", real_root / "link-out.md")
    os.symlink(outside / "d", real_root / "dir-out")
    os.symlink(real_root / "in", real_root / "dir-in")
    os.symlink("in/deep/a.md", real_root / "link-in.md")
    os.symlink(tmp_path / "missing", real_root / "dangling.md")
    os.symlink(outside / "secret.md", real_root / "in" / "deep" / "out.md")
    root = tmp_path / "root-link"  # the site reached through a symlink, as a user may
    os.symlink(real_root, root)
    ws = Workspace(root, load_config(root, None, search_from=root), root)
    rels = [
        "in/deep/a.md",
        "in/deep/out.md",  # a file that is a symlink, in a folder known to be none
        "link-out.md",
        "dir-out/x.md",
        "dir-in/deep/a.md",
        "link-in.md",
        "dangling.md",
        "missing.md",
        "in/missing/x.md",
        "../outside/secret.md",
        "in/../link-out.md",
        "./in/deep/a.md",
        "in//deep/a.md",
        "/etc/hostname",
    ]
    for rel in rels + rels:  # the second time with the folders known
        assert ws._inside(rel) == _inside(root / rel, root), rel
    assert ws.text("in/deep/out.md") is None
    assert ws.text("link-out.md") is None and ws.text("dir-out/x.md") is None
    assert ws.text("in/deep/a.md") == "a" and ws.text("dir-in/deep/a.md") == "a"
