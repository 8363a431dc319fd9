"""The console script's files of compiled regular expressions and dataclass methods
(`finops_lint.startup_cache`).

What comes from a file must be exactly what Python makes (the same program, flags and
groups; the same code), whatever is in the file; a file it cannot use changes nothing
but the time.
"""

from __future__ import annotations

import dataclasses
import json
import marshal
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finops_lint import startup_cache
from tests.conftest import Site, page

pytestmark = pytest.mark.skipif(
    startup_cache._re_modules() is None, reason="needs CPython's _sre and re._compiler"
)

PATTERNS: list[tuple[str | bytes, int]] = [
    (r"(?P<year>\d{4})-(?P<month>\d\d)", 0),
    (r"^\s*#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE),
    (r"(?<![\w/])hello|world(?!\w)", re.IGNORECASE),
    (r"\bcrawl\b|\bwalk\b|\brun\b", re.IGNORECASE | re.ASCII),
    (r"[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]", 0),
    (r"(a)(b)?(?:c)(?P<d>d)\3", 0),
    (r"  x  # a comment\n  y+ ", re.VERBOSE),
    (r".+", re.DOTALL),
    (rb"---[ \t]*\r?\n", 0),
    (rb"(?P<n>[\x80-\xff]+)", 0),
    ("ｆｉｎｏｐｓ|İstanbul", re.IGNORECASE),
    (r"(?i:Crawl)Walk", 0),
]

SAMPLES = ["2026-12 hello", "## Crawl ##", "crawl walk run", "a\x00b", "abdd", "xyyy", "\n\n"]


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where the files go: BASE.regex.json and BASE.code.marshal."""
    monkeypatch.delenv("FINOPS_LINT_STARTUP_CACHE", raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    startup_cache.uninstall()
    yield str(tmp_path / "__pycache__" / "startup_cache")
    startup_cache.uninstall()


@pytest.fixture
def cache_file(base: str) -> Path:
    return Path(base + ".regex.json")


def _compiler() -> Any:
    modules = startup_cache._re_modules()
    assert modules is not None
    return modules[1]


def _real_compile(pattern: str | bytes, flags: int) -> Any:
    compiler = _compiler()
    compile_ = getattr(compiler.compile, "__wrapped_real__", compiler.compile)
    return compile_(pattern, flags)


def _same(made: re.Pattern[Any], pattern: str | bytes, flags: int) -> None:
    expected = _real_compile(pattern, flags)
    assert made.pattern == expected.pattern
    assert made.flags == expected.flags
    assert made.groups == expected.groups
    assert made.groupindex == expected.groupindex
    for sample in SAMPLES:
        text: Any = sample.encode("utf-8") if isinstance(pattern, bytes) else sample
        got = [m.span(0) for m in made.finditer(text)]
        assert got == [m.span(0) for m in expected.finditer(text)], (pattern, sample)
        one, other = made.search(text), expected.search(text)
        assert (one and one.groupdict()) == (other and other.groupdict())


def _saved(base: str, *patterns: str) -> None:
    """A run that compiles `patterns` and writes the file."""
    startup_cache.install(base)
    for pattern in patterns:
        _compiler().compile(pattern, 0)
    startup_cache.save()
    startup_cache.uninstall()


def _compile_all() -> list[Any]:
    return [_compiler().compile(p, f) for p, f in PATTERNS]


def test_patterns_read_back_from_the_file_are_the_ones_re_makes(
    base: str, cache_file: Path
) -> None:
    assert startup_cache.install(base)
    for made, (pattern, flags) in zip(_compile_all(), PATTERNS, strict=True):
        _same(made, pattern, flags)
    startup_cache.save()
    assert cache_file.is_file()
    startup_cache.uninstall()

    assert startup_cache.install(base)
    made = _compile_all()
    assert startup_cache._stores["regex"].added == {}  # every one came from the file
    for one, (pattern, flags) in zip(made, PATTERNS, strict=True):
        _same(one, pattern, flags)


def test_the_same_text_with_other_flags_is_another_entry(base: str, cache_file: Path) -> None:
    _saved(base, "crawl")
    startup_cache.install(base)
    made = _compiler().compile("crawl", re.IGNORECASE)
    assert made.match("CRAWL")
    assert made.flags & re.IGNORECASE


def test_a_file_entry_for_one_pattern_serves_no_other(base: str, cache_file: Path) -> None:
    """An entry's key is the pattern itself: a program stored under another key (a
    file edited by hand) is not found for this pattern."""
    _saved(base, "walk")
    data = json.loads(cache_file.read_text())
    data["entries"]["s0:run"] = data["entries"].pop("s0:walk")
    cache_file.write_text(json.dumps(data))
    startup_cache.install(base)
    assert _compiler().compile("walk", 0).match("walk")
    assert not _compiler().compile("walk", 0).match("run")


def _write_entries(cache_file: Path, entries: Any, stamp: str | None = None) -> None:
    modules = startup_cache._re_modules()
    assert modules is not None
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(
        json.dumps({"stamp": stamp or startup_cache._re_stamp(modules[0]), "entries": entries})
    )


@pytest.mark.parametrize(
    "entry",
    [
        [32, [99, 1, 2, 3], 0, {}, [None]],  # a program _sre rejects
        [32, "not a list", 0, {}, [None]],
        [32, [1.5], 0, {}, [None]],
        ["32", [], 0, {}, [None]],
        [32, [], 0, [], [None]],
        [32, [], -5, {}, [None]],
        [32, [2**70], 0, {}, [None]],
        [32, []],
        "text",
        None,
        {"a": 1},
    ],
)
def test_an_entry_python_cannot_use_is_compiled_again(
    base: str, cache_file: Path, entry: Any
) -> None:
    _write_entries(cache_file, {"s0:crawl|walk": entry})
    assert startup_cache.install(base)
    made = _compiler().compile("crawl|walk", 0)
    _same(made, "crawl|walk", 0)
    assert "s0:crawl|walk" in startup_cache._stores["regex"].added


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"[]",
        b'{"stamp": 1}',
        b"\xff\xfe",
        b'{"stamp": "x", "entries": {}}',
        b"[" * 100_000,
    ],
)
def test_a_file_it_cannot_read_changes_nothing(base: str, cache_file: Path, content: bytes) -> None:
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(content)
    assert startup_cache.install(base)
    for made, (pattern, flags) in zip(_compile_all(), PATTERNS, strict=True):
        _same(made, pattern, flags)


def test_a_file_from_another_python_is_not_used(base: str, cache_file: Path) -> None:
    _saved(base, "walk")
    data = json.loads(cache_file.read_text())
    _write_entries(cache_file, data["entries"], stamp="2.7.18|cpython-27|1|4")
    startup_cache.install(base)
    _compiler().compile("walk", 0)
    assert "s0:walk" in startup_cache._stores["regex"].added


def test_a_folder_or_fifo_at_the_path_is_not_read(base: str, cache_file: Path) -> None:
    cache_file.mkdir(parents=True)
    assert startup_cache.install(base)
    _compiler().compile("walk", 0)
    startup_cache.save()  # cannot replace a folder: no error
    assert cache_file.is_dir()
    startup_cache.uninstall()
    cache_file.rmdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(cache_file)
        assert startup_cache.install(base)  # returns at once: not read
        _same(_compiler().compile("walk", 0), "walk", 0)


def test_nothing_is_written_where_it_cannot_be_or_may_not_be(
    base: str, cache_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    inside_a_file = blocker / "__pycache__" / "startup_cache.json"
    assert startup_cache.install(str(inside_a_file))
    _compiler().compile("walk", 0)
    startup_cache.save()  # the folder cannot be made: no error
    startup_cache.uninstall()

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert startup_cache.install(base)
    _compiler().compile("walk", 0)
    _make_classes()
    startup_cache.save()
    assert not cache_file.exists()
    assert not Path(base + ".code.marshal").exists()


def test_turned_off_it_neither_reads_nor_patches(
    base: str, cache_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINOPS_LINT_STARTUP_CACHE", "0")
    before = _compiler().compile
    assert not startup_cache.install(base)
    assert _compiler().compile is before
    assert "exec" not in vars(dataclasses)


def test_the_file_is_bounded(base: str, cache_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup_cache, "MAX_ENTRIES", 3)
    _saved(base, "a", "b", "c")
    startup_cache.install(base)
    for word in ("d", "e"):
        _compiler().compile(word, 0)
    startup_cache.save()
    entries = json.loads(cache_file.read_text())["entries"]
    assert sorted(entries) == ["s0:d", "s0:e"]  # over the bound: this run's only


def test_two_runs_that_each_add_keep_both(base: str, cache_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    _saved(str(other), "b")

    startup_cache.install(base)
    _compiler().compile("a", 0)
    # Another run wrote its own entry after this one read the file.
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_bytes(Path(f"{other}.regex.json").read_bytes())
    startup_cache.save()
    assert sorted(json.loads(cache_file.read_text())["entries"]) == ["s0:a", "s0:b"]


#: The console script, as a run of it in a subprocess starts it.
CONSOLE = [
    sys.executable,
    "-c",
    "import sys; from finops_lint.console import main; sys.argv[0] = 'finops-lint'; main()",
]


def _console_env(prefix: Path) -> dict[str, str]:
    """A console run's environment: its startup files under `prefix`, no result cache,
    as many workers as it wants."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(prefix), "FINOPS_LINT_NO_CACHE": "1"}
    for name in ("PYTHONDONTWRITEBYTECODE", "FINOPS_LINT_STARTUP_CACHE", "FINOPS_LINT_JOBS"):
        env.pop(name, None)
    return env


def test_the_console_script_keeps_what_every_run_compiles_and_reports_the_same(
    framework_site: Site, tmp_path: Path
) -> None:
    """Two runs of the console script: the first writes the files beside the bytecode
    (here under PYTHONPYCACHEPREFIX), the second reads every pattern and dataclass
    method from them and reports the same. Every entry written is what Python makes
    of its key: the program `re` makes, the code `compile()` makes."""
    prefix = tmp_path / "pyc"
    env = _console_env(prefix)
    run = [*CONSOLE, "check", "--format", "json", "_capabilities/forecasting.md"]
    first = subprocess.run(
        run, cwd=framework_site.root, env=env, capture_output=True, check=False, timeout=120
    )
    files = list(prefix.rglob("startup_cache*.regex.json"))
    code_files = list(prefix.rglob("startup_cache*.code.marshal"))
    assert len(code_files) == 1, first.stderr
    assert len(files) == 1, first.stderr
    written = files[0].stat().st_mtime_ns
    second = subprocess.run(
        run, cwd=framework_site.root, env=env, capture_output=True, check=False, timeout=120
    )
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    assert json.loads(first.stdout)["summary"]["files"] == 1
    assert files[0].stat().st_mtime_ns == written  # nothing new: not written again
    code_written = code_files[0].stat().st_mtime_ns

    modules = startup_cache._re_modules()
    assert modules is not None
    _sre, compiler, parser = modules
    entries = json.loads(files[0].read_text())["entries"]
    assert len(entries) > 100
    for key, (final, code, groups, groupindex, indexgroup) in entries.items():
        kind, rest = key[0], key[1:]
        flags_text, text = rest.split(":", 1)
        pattern: str | bytes = text.encode("latin-1") if kind == "b" else text
        parsed = parser.parse(pattern, int(flags_text))
        assert code == [int(c) for c in compiler._code(parsed, int(flags_text))], key
        assert final == int(flags_text) | parsed.state.flags
        assert groups == parsed.state.groups - 1
        assert groupindex == parsed.state.groupdict
        assert len(indexgroup) == parsed.state.groups
    assert code_files[0].stat().st_mtime_ns == code_written
    codes = marshal.loads(code_files[0].read_bytes())["entries"]
    assert len(codes) > 100
    for text, code in codes.items():
        assert code == compile(text, "<string>", "exec"), text


def test_what_the_workers_compile_is_kept_too(site: Site, tmp_path: Path) -> None:
    """A whole-site run checks its pages in forked workers, which compile patterns
    the parent never does (the span parser's) and leave without saving: the parent
    writes what they learnt. A run in one process afterwards then compiles nothing
    the file does not hold, so it does not write it again."""
    for n in range(60):
        site.write(
            f"page-{n}.md",
            page(f"# Page {n}\n\nSome **bold**, `code` and [a link](/page-{n + 1}/).\n"),
        )
    prefix = tmp_path / "pyc"
    env = _console_env(prefix)
    run = [*CONSOLE, "check", "--offline", "--format", "json", "."]
    first = subprocess.run(
        run, cwd=site.root, env=env, capture_output=True, check=False, timeout=120
    )
    assert json.loads(first.stdout)["summary"]["files"] >= 60, first.stderr
    files = list(prefix.rglob("startup_cache*.regex.json"))
    assert len(files) == 1, first.stderr
    written = files[0].stat().st_mtime_ns
    alone = subprocess.run(
        run,
        cwd=site.root,
        env={**env, "FINOPS_LINT_JOBS": "1"},
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert (alone.returncode, alone.stdout) == (first.returncode, first.stdout)
    assert files[0].stat().st_mtime_ns == written  # nothing new: not written again


def test_a_forked_child_hands_on_what_it_learnt(base: str, cache_file: Path) -> None:
    """What a child of `workers._fork_child` compiles reaches its parent's file; what
    the parent added before the fork is not sent back."""
    from finops_lint import workers

    assert startup_cache.install(base)
    _compiler().compile("before-the-fork", 0)

    def work(send: Any) -> None:
        _compiler().compile("in-the-child", 0)
        _make_classes()
        send("part", {})

    child = workers._fork_child(work, [])
    frames = workers._wait_for(child)
    assert [kind for kind, _value in frames] == ["part", "done"]  # the rest was taken
    regex_added = startup_cache._stores["regex"].added
    assert {"s0:before-the-fork", "s0:in-the-child"} <= set(regex_added)
    assert startup_cache._stores["code"].added  # the child's dataclass methods
    startup_cache.save()
    startup_cache.uninstall()
    assert "s0:in-the-child" in json.loads(cache_file.read_text())["entries"]


def test_what_a_child_learnt_is_taken_only_in_its_shape(base: str) -> None:
    assert startup_cache.install(base)
    startup_cache._stores["regex"].entries["s0:known"] = ["kept"]
    for data in (
        b"",
        b"not marshal",
        marshal.dumps([1, 2]),
        marshal.dumps({"nope": {"s0:x": 1}}),
        marshal.dumps({"regex": ["s0:x"]}),
        marshal.dumps({"code": {"text": "not a code object"}}),
        marshal.dumps({"regex": {1: [0, [], 0, {}, []]}}),
        marshal.dumps({"regex": {"s0:known": ["replaced"]}}),
    ):
        startup_cache.adopt(data)
    assert startup_cache._stores["regex"].added == {}
    assert startup_cache._stores["code"].added == {}
    assert startup_cache._stores["regex"].entries["s0:known"] == ["kept"]
    startup_cache.forked()
    assert startup_cache.learnt() is None  # a child that added nothing sends nothing


# ------------------------------------------------------------------- dataclasses


def _make_classes() -> list[type]:
    @dataclasses.dataclass
    class Plain:
        """A page's finding."""

        line: int
        message: str = ""
        related: list[str] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True, order=True)
    class Frozen:
        """A position."""

        line: int
        column: int = 1

    return [Plain, Frozen]


def _check_classes(plain: Any, frozen: Any) -> None:
    one = plain(3, "x")
    assert (one.line, one.message, one.related) == (3, "x", [])
    assert one == plain(3, "x", []) and one != plain(4)
    assert repr(one) == f"{type(one).__qualname__}(line=3, message='x', related=[])"
    assert plain(1).related is not plain(1).related
    point = frozen(2)
    assert point == frozen(2, 1) and hash(point) == hash(frozen(2, 1))
    assert frozen(1, 5) < frozen(2, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.line = 5  # type: ignore[misc]
    assert not hasattr(point, "__dict__")
    with pytest.raises(TypeError):
        plain()


def test_dataclasses_made_from_the_file_are_the_ones_python_makes(base: str) -> None:
    assert startup_cache.install(base)
    _check_classes(*_make_classes())
    assert startup_cache._stores["code"].added  # compiled, to be kept
    startup_cache.save()
    startup_cache.uninstall()
    assert "exec" not in vars(dataclasses)

    assert startup_cache.install(base)
    _check_classes(*_make_classes())
    assert startup_cache._stores["code"].added == {}  # every method from the file


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage",
        marshal.dumps({"stamp": "other", "entries": {}}),
        marshal.dumps([1, 2]),
        "stamp",  # replaced below by a right stamp with entries that are not code
    ],
)
def test_a_code_file_it_cannot_use_changes_nothing(base: str, content: Any) -> None:
    path = Path(base + ".code.marshal")
    path.parent.mkdir(parents=True)
    if content == "stamp":
        startup_cache.install(base)
        stamp = startup_cache._stores["code"].stamp
        startup_cache.uninstall()
        content = marshal.dumps({"stamp": stamp, "entries": {"def f(): pass": "not code"}})
    path.write_bytes(content)
    assert startup_cache.install(base)
    assert startup_cache._stores["code"].entries == {}
    _check_classes(*_make_classes())


def test_another_hook_on_dataclasses_is_left_alone(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = lambda *args: exec(*args)  # noqa: E731
    monkeypatch.setattr(dataclasses, "exec", theirs, raising=False)
    assert startup_cache.install(base)  # the regular expressions still are
    assert vars(dataclasses)["exec"] is theirs
    assert "code" not in startup_cache._stores
