"""Replaying the last report of an unchanged tree (`cache.replay`): the console script's
plain `check` prints what a run would print, byte for byte, or runs.

Every test runs the console script (`python -m finops_lint`) in a subprocess: the
replay happens before the rest of the tool is imported. FINOPS_LINT_TIMING=1 makes
a replayed run say so on stderr; that line is taken off before outputs are compared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finops_lint.cache.replay import RECORD, plain_form
from tests.test_cache import _apply, _make_site

_TIMING = "finops-lint timing: "
REPLAYED = _TIMING + "replayed the last report\n"


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        lines = proc.stderr.splitlines(keepends=True)
        self.replayed = REPLAYED in lines
        #: the phases FINOPS_LINT_TIMING=1 named, in order
        self.phases = [
            line[len(_TIMING) :].rstrip("\n").rsplit(" ", 1)[0]
            for line in lines
            if line.startswith(_TIMING) and line != REPLAYED
        ]
        self.err = "".join(line for line in lines if not line.startswith("finops-lint timing:"))
        self.out = proc.stdout
        self.code = proc.returncode

    @property
    def report(self) -> tuple[int, str, str]:
        return self.code, self.out, self.err


def _cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    full = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_LINT")}
    full.pop("NO_COLOR", None)
    full.pop("FORCE_COLOR", None)
    full["FINOPS_LINT_TIMING"] = "1"
    full.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return Run(proc)


def _fresh(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    """The same call with no cache at all: what a replay must print."""
    return _cli(cwd, *args, env={**(env or {}), "FINOPS_LINT_NO_CACHE": "1"})


def _record(root: Path) -> Path:
    return root / ".finops-lint-cache" / RECORD


def _settle(root: Path, base: Path | None = None) -> None:
    """Every file an hour old: a tree whose stat vouches for it (nothing racy)."""
    when = time.time() - 3600
    for path in (base or root).rglob("*"):
        if path.is_file() and ".finops-lint-cache" not in path.parts:
            os.utime(path, (when, when))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "work" / "site"
    root.mkdir(parents=True)
    _make_site(root, pages=4)
    (root / "sub").mkdir()
    (root / "sub" / "page.md").write_text("# Sub\n\nSee [p0](/p0/#part-z).\n", "utf-8")
    _settle(root)
    return root


def test_an_unchanged_tree_replays_the_last_report_byte_for_byte(site: Path) -> None:
    first = _cli(site, "check", "--offline", ".")
    assert not first.replayed and first.code == 1 and "LK" in first.out
    assert _record(site).is_file()
    again = _cli(site, "check", "--offline", ".")
    assert again.replayed
    assert again.report == first.report == _fresh(site, "check", "--offline", ".").report
    # one page, as pre-commit passes it: recorded and replayed as its own call
    one = _cli(site, "check", "--offline", "p1.md")
    assert not one.replayed
    assert _cli(site, "check", "--offline", "p1.md").replayed
    assert not _cli(site, "check", "--offline", ".").replayed  # another call was recorded


def test_timing_names_the_cache_phases(site: Path) -> None:
    """FINOPS_LINT_TIMING=1 says what reading, re-asking and saving the cache took; a
    run without the cache has none of them, a replayed one says only that."""
    args = ("check", "--offline", "--format", "json", ".")
    assert _cli(site, *args).phases == [
        "config",
        "discover",
        "cache read",
        "cache plan",
        "site",
        "parse and rules",
        "cache save",
    ]
    _edit(site)
    assert "cache save" in _cli(site, "check", "--offline", "p1.md").phases
    again = _cli(site, "check", "--offline", "p1.md")
    assert again.replayed and again.phases == []
    assert "cache read" not in _fresh(site, *args).phases


def _edit(root: Path) -> None:
    page = root / "p1.md"
    page.write_text(page.read_text("utf-8") + "\n| a | b |\n|---|---|\n| 1 |\n", "utf-8")


def _add(root: Path) -> None:
    (root / "p9.md").write_text("---\ntitle: Nine\n---\n# Nine\n\n[x](/p8/)\n", "utf-8")


def _image_gone(root: Path) -> None:
    (root / "img" / "p0.png").unlink()


def _rename(root: Path) -> None:
    (root / "p2.md").rename(root / "p2-new.md")


def _config_in_site(root: Path) -> None:
    (root / ".finops-lint.yaml").write_text("rules:\n  LK001: {severity: warning}\n", "utf-8")


def _config_above(root: Path) -> None:
    (root.parent / ".finops-lint.yaml").write_text("ignore: [LK001]\n", "utf-8")


def _pyproject_above(root: Path) -> None:
    (root.parent / "pyproject.toml").write_text('[tool.finops-lint]\nignore = ["LK001"]\n', "utf-8")


def _jekyll_config(root: Path) -> None:
    config = root / "_config.yml"
    config.write_text(config.read_text("utf-8") + "exclude: [p3.md]\n", "utf-8")


def _extended_outside(root: Path) -> None:
    """The site's config extends a file beside the site; that file changes."""
    (root.parent / "shared.yaml").write_text("extends: jekyll\n", "utf-8")
    (root / ".finops-lint.yaml").write_text("extends: ../shared.yaml\n", "utf-8")
    _settle(root.parent)
    assert _cli(root, "check", "--offline", ".").replayed is False
    assert _cli(root, "check", "--offline", ".").replayed is True
    (root.parent / "shared.yaml").write_text(
        "extends: jekyll\nrules:\n  LK001: {severity: warning}\n", "utf-8"
    )


def _baseline_above(root: Path) -> None:
    """A baseline written for the site, then found above it (`find_baseline`)."""
    env = {"FINOPS_LINT_NO_CACHE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "finops_lint", "baseline", "."],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (root / ".finops-lint-baseline.json").rename(root.parent / ".finops-lint-baseline.json")


CHANGES = {
    "a page edited": _edit,
    "a page added": _add,
    "an image deleted": _image_gone,
    "a page renamed": _rename,
    "a config in the site": _config_in_site,
    "a config above the site": _config_above,
    "a pyproject.toml above the site": _pyproject_above,
    "_config.yml": _jekyll_config,
    "a config file outside the site it extends": _extended_outside,
    "a baseline above the site": _baseline_above,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_runs_the_check_again(site: Path, change: str) -> None:
    before = _cli(site, "check", "--offline", ".")
    assert _cli(site, "check", "--offline", ".").replayed
    CHANGES[change](site)
    after = _cli(site, "check", "--offline", ".")
    assert not after.replayed
    assert after.report == _fresh(site, "check", "--offline", ".").report
    assert after.report != before.report  # each change shows in the report
    # recorded in turn, once the files it read outside the site are not racy (a file
    # that changed during the run, or just before, makes no record)
    _settle(site.parent)
    assert not _cli(site, "check", "--offline", ".").replayed
    assert _cli(site, "check", "--offline", ".").replayed


@pytest.mark.parametrize("change", ["a page edited", "a page added", "a page renamed"])
def test_a_tree_walked_in_a_child_is_the_tree_a_walk_here_sees(site: Path, change: str) -> None:
    """A big site's walk is made by a child process while the check loads (forced here):
    the same replays and the same reports as a walk in the process."""
    child = {"FINOPS_LINT_BACKGROUND_WALK": "1"}
    for args in (("check", "--offline", "."), ("check", "--offline", "p1.md")):
        first = _cli(site, *args, env=child)
        assert not first.replayed and first.phases[0] == "waited for the walk in a child"
        assert first.report == _fresh(site, *args).report
        again = _cli(site, *args, env=child)
        assert again.replayed and again.report == first.report
        assert again.phases == []  # a record that may be replayed: walked at once, here
    CHANGES[change](site)
    for args in (("check", "--offline", "."), ("check", "--offline", "p1.md")):
        after = _cli(site, *args, env=child)
        assert not after.replayed
        assert after.report == _fresh(site, *args).report
        # and the other way: a walk here replays what the child's walk recorded
        _settle(site)
        recorded = _cli(site, *args, env=child)
        here = _cli(site, *args, env={"FINOPS_LINT_BACKGROUND_WALK": "0"})
        assert not here.replayed  # another environment: another call
        assert recorded.report == here.report == _fresh(site, *args).report


def test_a_new_site_root_between_the_page_and_the_old_one_runs_again(site: Path) -> None:
    before = _cli(site, "check", "--offline", "sub/page.md")
    assert _cli(site, "check", "--offline", "sub/page.md").replayed
    (site / "sub" / "_config.yml").write_text("title: Sub\n", "utf-8")
    after = _cli(site, "check", "--offline", "sub/page.md")
    assert not after.replayed
    assert after.report == _fresh(site, "check", "--offline", "sub/page.md").report
    assert after.report != before.report  # /p0/ is not a page of the new site


@pytest.mark.parametrize(
    "env", [{"NO_COLOR": "1"}, {"FORCE_COLOR": "1"}, {"FINOPS_LINT_JOBS": "1"}, {"TZ": "UTC"}]
)
def test_another_environment_runs_again(site: Path, env: dict[str, str]) -> None:
    _cli(site, "check", "--offline", ".")
    assert not _cli(site, "check", "--offline", ".", env=env).replayed
    assert _cli(site, "check", "--offline", ".", env=env).replayed


def test_a_same_size_edit_within_the_clock_s_tick_is_told_by_its_content(site: Path) -> None:
    """A page written just before a recorded run is racy: its stat cannot vouch for it
    (a coarse clock gives the next write the same mtime), so the record keeps its hash."""
    page = site / "p2.md"
    page.write_text(page.read_text("utf-8").replace("Text about", "Text aboot"), "utf-8")
    first = _cli(site, "check", "--offline", ".")
    meta = json.loads(_record(site).read_bytes().partition(b"\n")[0])
    assert meta["racy"] == ["p2.md"]
    assert _cli(site, "check", "--offline", ".").replayed
    before = page.stat()
    text = page.read_text("utf-8")
    page.write_text(text.replace("## Part A", "## Part Q", 1), "utf-8")  # same size
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same tick
    assert page.stat().st_size == before.st_size
    after = _cli(site, "check", "--offline", ".")
    assert not after.replayed
    assert after.report != first.report
    assert after.report == _fresh(site, "check", "--offline", ".").report


def _replayable(site: Path) -> bytes:
    _cli(site, "check", "--offline", ".")
    assert _cli(site, "check", "--offline", ".").replayed
    return _record(site).read_bytes()


def _tamper(raw: bytes, how: str) -> bytes:
    head, _, body = raw.partition(b"\n")
    meta: dict[str, Any] = json.loads(head)
    if how == "truncated":
        return raw[:-3]
    if how == "longer":
        return raw + b"more"
    if how == "no newline":
        return head
    if how == "not json":
        return b"{" + raw
    if how == "nan":
        return head.replace(b'"code": 1', b'"code": NaN') + b"\n" + body
    if how == "exit code 2":
        meta["code"] = 2
    elif how == "negative length":
        meta["out"], meta["err"] = -1, meta["err"] + meta["out"] + 1
    elif how == "racy path outside":
        meta["racy"] = ["../outside.md"]
    elif how == "relative outside path":
        meta["outside"] = ["shared.yaml"]
    elif how == "another tree":
        meta["tree"] = "0" * 32
    elif how == "another call":
        meta["call"] = "0" * 32
    elif how == "other content":
        meta["content"] = "0" * 32
    elif how == "a list":
        return json.dumps([meta]).encode() + b"\n" + body
    elif how == "version":
        meta["version"] = 99
    return json.dumps(meta).encode() + b"\n" + body


TAMPERING = [
    "truncated",
    "longer",
    "no newline",
    "not json",
    "nan",
    "exit code 2",
    "negative length",
    "racy path outside",
    "relative outside path",
    "another tree",
    "another call",
    "other content",
    "a list",
    "version",
]


@pytest.mark.parametrize("how", TAMPERING)
def test_a_record_not_as_written_is_not_replayed(site: Path, how: str) -> None:
    raw = _replayable(site)
    expected = _fresh(site, "check", "--offline", ".").report
    _record(site).write_bytes(_tamper(raw, how))
    run = _cli(site, "check", "--offline", ".")
    assert not run.replayed
    assert run.report == expected
    assert _record(site).read_bytes() == raw  # recorded again, as it was


def test_a_record_copied_to_another_checkout_is_not_replayed(site: Path, tmp_path: Path) -> None:
    _replayable(site)
    copy = tmp_path / "copy"
    shutil.copytree(site, copy, symlinks=True)
    run = _cli(copy, "check", "--offline", ".")
    assert not run.replayed
    assert run.report == _fresh(copy, "check", "--offline", ".").report


@pytest.mark.parametrize(
    "how",
    ["FINOPS_LINT_NO_CACHE", "FINOPS_LINT_REPLAY", "--no-cache", "--staged", "external links"],
)
def test_runs_the_cache_does_not_serve_record_nothing(site: Path, how: str) -> None:
    args = ["check", "--offline", "."]
    env: dict[str, str] = {}
    if how == "FINOPS_LINT_NO_CACHE":
        env[how] = "1"
    elif how == "FINOPS_LINT_REPLAY":
        env[how] = "0"
    elif how == "--no-cache":
        args = ["check", "--no-cache", "--offline", "."]
    elif how == "--staged":
        subprocess.run(["git", "init", "-q", str(site)], check=True, timeout=60)
        args = ["check", "--staged", "p1.md"]
    else:  # the config turns external checks on: the network decides, not the tree
        (site / ".finops-lint.yaml").write_text("external:\n  enabled: true\n", "utf-8")
        (site / "p3.md").write_text("# Three\n", "utf-8")  # no external links to check
        args = ["check", "."]
    for _ in range(2):
        assert not _cli(site, *args, env=env).replayed
    assert not _record(site).exists()


def test_a_read_only_tree_is_neither_replayed_nor_recorded(site: Path) -> None:
    _replayable(site)
    expected = _fresh(site, "check", "--offline", ".").report
    mode = site.stat().st_mode
    site.chmod(mode & ~0o222)
    try:
        run = _cli(site, "check", "--offline", ".")
    finally:
        site.chmod(mode)
    assert not run.replayed
    assert run.report == expected


def test_a_symlinked_cache_folder_is_not_read(site: Path, tmp_path: Path) -> None:
    _replayable(site)
    elsewhere = tmp_path / "elsewhere"
    (site / ".finops-lint-cache").rename(elsewhere)
    (site / ".finops-lint-cache").symlink_to(elsewhere)
    run = _cli(site, "check", "--offline", ".")
    assert not run.replayed


def test_a_file_outside_the_site_is_never_replayed(site: Path) -> None:
    outside = site.parent / "note.md"
    outside.write_text("# Note\n\n[x](/p0/)\n", "utf-8")
    for _ in range(2):
        assert not _cli(site, "check", "--offline", "p1.md", "../note.md").replayed


def test_the_plain_form() -> None:
    assert plain_form(["check", "a.md", "b.md"]) == (["a.md", "b.md"], set())
    assert plain_form(["check", "--offline", "--", "-a.md"]) == (["-a.md"], {"--offline"})
    assert plain_form(["check", "--staged"]) == ([], {"--staged"})
    assert plain_form(["check", "--format", "json", "."]) is None
    assert plain_form(["baseline", "."]) is None
    assert plain_form([]) is None


OPS = st.sampled_from(
    [
        *("edit", "same-size", "delete", "rename", "add-anchor", "remove-anchor", "link"),
        *("config", "jekyll-config", "touch", "add", "layout", "liquid", "include", "none"),
    ]
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(OPS, st.integers(0, 20)), min_size=1, max_size=4))
def test_after_any_edits_a_replay_or_a_run_prints_what_a_run_without_cache_prints(
    steps: list[tuple[str, int]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("replay") / "site"
    root.mkdir()
    _make_site(root)
    counter = [0]
    for op, pick in steps:
        if op != "none":
            # a real clock: a same-size edit gets a new mtime unless it is the file
            # written last, within the clock's tick (what the racy hash is for)
            _apply(root, op, pick, counter, racy=False)
        for call in (["."], [f"p{pick % 4}.md"]):
            args = ["check", "--offline", *call]
            if not (root / call[0]).exists():
                continue
            expected = _fresh(root, *args).report
            assert _cli(root, *args).report == expected, (op, pick, call)
            again = _cli(root, *args)
            assert again.replayed and again.report == expected, (op, pick, call)


def test_a_baseline_above_the_site_written_within_the_clock_s_tick_is_not_trusted(
    site: Path,
) -> None:
    """A file looked for above the site has no content hash in the record: while its
    stat cannot vouch for it (written within two seconds), the run is not recorded."""
    _baseline_above(site)
    above = site.parent / ".finops-lint-baseline.json"
    with_baseline = _cli(site, "check", "--offline", ".")
    before = above.stat()
    text = above.read_text("utf-8")
    entry = json.loads(text)["findings"][0]
    old = json.dumps(entry["fingerprint"])
    assert text.count(old) == 1
    new = old[:2] + ("0" if old[2] != "0" else "1") + old[3:]
    above.write_text(text.replace(old, new), "utf-8")  # same size, the same tick
    os.utime(above, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = _cli(site, "check", "--offline", ".")
    assert not after.replayed
    assert after.report == _fresh(site, "check", "--offline", ".").report
    assert after.report != with_baseline.report


@pytest.mark.parametrize("during", ["nothing", "moved away and back", "added and removed"])
def test_a_page_moved_during_the_run_makes_no_record(
    site: Path, monkeypatch: pytest.MonkeyPatch, during: str
) -> None:
    """The record is of the tree walked before the run. A page moved away and back
    keeps its size, mtime and inode: a run that read the site without it would be
    recorded as a run of the site with it. Its folder's mtime tells."""
    from finops_lint.cache import replay

    for name in ("FINOPS_LINT_NO_CACHE", "FINOPS_LINT_CACHE_DIR", "FINOPS_LINT_REPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(site)
    prepared = replay.prepare(["check", "--offline", "."])
    assert prepared is not None
    time.sleep(0.05)  # past the clock's tick
    if during == "moved away and back":
        (site / "p1.md").rename(site.parent / "p1.md")
        (site.parent / "p1.md").rename(site / "p1.md")
    elif during == "added and removed":
        (site / "sub" / "tmp.md").write_text("# Tmp\n", "utf-8")
        (site / "sub" / "tmp.md").unlink()
    prepared.record(1, ["report\n"], "", [])
    assert _record(site).exists() is (during == "nothing")
