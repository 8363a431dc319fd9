"""A one-page run imports only what it uses (start-up is most of its time).

A pre-commit hook runs `finops-lint check ONE_FILE`; about 70% of that run was
imports. These tests fail when an eager import comes back: the modules below
must not be loaded by a one-page check of a small site. They also check that
markdown-it's block parser, built without the rest of markdown-it, gives the
same tokens as `MarkdownIt`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from finops_lint.parsing import markdown
from tests.conftest import CAPABILITY_PAGE, Site
from tests.corpus import PROJECT, corpus_dir

#: Loaded only on the paths that need them (a netlify.toml, --external, a
#: config error, a diff, a schema `$ref`...), never by a plain one-page check.
NOT_IMPORTED = [
    "difflib",
    "hashlib",
    "httpx",
    "jsonschema",
    "markdown_it.main",
    "markdown_it.parser_inline",
    "markdown_it.renderer",
    "markdown_it.rules_inline",
    "markdown_it.rules_core",
    "markdown_it.helpers",
    "mdurl",
    "re2",
    "tempfile",
    "tomllib",
]

_RUN = """
import json, sys
from finops_lint.cli import main
sys.argv = ["finops-lint", "check", "--format", "json", sys.argv[1]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_of_a_run(page: str, *, cache: bool = False) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_LINT_")}
    if not cache:
        env["FINOPS_LINT_NO_CACHE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, page],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    report = json.loads(proc.stdout)
    assert report["summary"]["files"] == 1, proc.stdout
    modules: list[str] = json.loads(proc.stderr.strip().splitlines()[-1])
    return set(modules)


def test_a_one_page_check_does_not_import_what_it_does_not_use(framework_site: Site) -> None:
    modules = _modules_of_a_run("_capabilities/forecasting.md")
    assert "markdown_it.parser_block" in modules  # the page was parsed
    assert "yaml" in modules  # and its front matter read
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []


def test_a_one_page_check_that_saves_its_cache_does_not_import_them(framework_site: Site) -> None:
    """Saving the result cache writes files atomically (no tempfile: it loads shutil,
    bz2, lzma and random) and hashes with blake2b alone (no hashlib: it loads OpenSSL)."""
    for name in ("_stories.md", "_tool-service.md"):  # the profile's templates: a cache key
        framework_site.write(f"_templates/{name}", "---\ntitle: T\n---\n# Title\n")
    _modules_of_a_run("_capabilities/forecasting.md", cache=True)  # makes the cache
    framework_site.write("_capabilities/forecasting.md", CAPABILITY_PAGE + "\nOne more line.\n")
    modules = _modules_of_a_run("_capabilities/forecasting.md", cache=True)
    assert "finops_lint.cache.results" in modules  # the cache was read and written
    assert (framework_site.root / ".finops-lint-cache").is_dir()
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomli before Python 3.11")
def test_tomllib_is_imported_for_a_netlify_toml(framework_site: Site) -> None:
    """The guard above is not vacuous: the same run with a netlify.toml reads it."""
    framework_site.write("netlify.toml", '[[redirects]]\nfrom = "/a/"\nto = "/b/"\n')
    assert "tomllib" in _modules_of_a_run("_capabilities/forecasting.md")


#: A replayed report (cache.replay) loads only what finds the root, walks the tree and
#: reads the record: not the rest of the tool, nor typing or dataclasses.
_REPLAY = """
import json, sys
before = set(sys.modules)
from finops_lint.cache import replay
prepared = replay.prepare(["check", "--offline", "."])
assert prepared is not None and prepared.replay() is not None, "not replayed"
from finops_lint import streams
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_a_replayed_report_imports_only_what_it_reads(site: Site) -> None:
    site.write("_config.yml", "title: Replay\n")  # the jekyll profile: no page templates
    site.write("page.md", "# Page\n\n[gone](/gone/)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_LINT")}
    for _ in range(2):  # recorded, then replayed
        subprocess.run(
            [sys.executable, "-m", "finops_lint", "check", "--offline", "."],
            cwd=site.root,
            env=env,
            capture_output=True,
            check=False,
            timeout=300,
        )
    proc = subprocess.run(
        [sys.executable, "-c", _REPLAY],
        cwd=site.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout))
    ours = sorted(m for m in loaded if m.startswith("finops_lint"))
    assert ours == [
        "finops_lint",
        "finops_lint.cache",
        "finops_lint.cache.replay",
        "finops_lint.cache.tree",
        "finops_lint.filenames",
        "finops_lint.roots",
        "finops_lint.safe_io",
        "finops_lint.streams",
    ]
    assert sorted(loaded & {"typing", "dataclasses", "pathlib", "yaml", "hashlib"}) == []


# ------------------------------------------------- markdown-it, block rules only

EDGE_CASES = [
    "",
    "\n\n",
    "# Title\r\n\r\nText\rmore\r\n",
    "Text with a NUL \0 here\n\n# Head\0ing\n",
    "Setext\n======\n\nand\n---\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\ntext\n| x |\n|---|\n",
    "> quote\n> - list\n>   1. nested\n>\n> ```\n> code\n> ```\n",
    '<div>\n*html*\n</div>\n\n<!-- comment\n\n-->\n\n<details markdown="1">\n## x\n</details>\n',
    "    indented code\n\n\ttab code\n\n~~~ fence\n~~~\n",
    "[ref]: /url 'title'\n[other]:\n  <a b>\n\n* * *\n",
    "".join(f"{'>' * i} level {i}\n" for i in range(30)),
    "".join(f"{'  ' * i}- item {i}\n" for i in range(30)),
    "- a\n\n  - b\n\n    c\n1) one\n2) two\n\n- [ ] task\n",
]


def _texts() -> list[tuple[str, str]]:
    texts = [(f"edge case {i}", text) for i, text in enumerate(EDGE_CASES)]
    folders = [PROJECT / "tests" / "fixtures"]
    corpus = corpus_dir()
    if corpus is not None:
        folders.append(corpus)
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".md", ".markdown", ".html") and path.is_file():
                texts.append((str(path), path.read_text("utf-8", errors="replace")))
    return texts


def test_the_block_parser_is_built_without_markdown_it_as_a_whole() -> None:
    assert isinstance(markdown._parser(), markdown._BlockOnly)


def test_block_rules_only_give_the_tokens_markdown_it_gives() -> None:
    ours, theirs = markdown._BlockOnly(), markdown.full_parser()
    texts = _texts()
    assert len(texts) > len(EDGE_CASES) + 50
    for where, text in texts:
        got = [t.as_dict() for t in ours.parse(text)]
        expected = [t.as_dict() for t in theirs.parse(text)]
        assert got == expected, where


@pytest.mark.parametrize("name", ["MarkdownIt", "__version__"])
def test_markdown_it_is_whole_for_other_users(name: str) -> None:
    """The package's own __init__ runs when something asks for what it defines."""
    code = (
        "import sys\n"
        "from finops_lint.parsing import markdown\n"
        "markdown._parser()\n"
        "assert 'markdown_it.main' not in sys.modules\n"
        "import markdown_it, markdown_it.rules_inline\n"
        f"assert getattr(markdown_it, {name!r})\n"
        "from markdown_it import MarkdownIt\n"
        "assert MarkdownIt().render('# *x*') == '<h1><em>x</em></h1>\\n'\n"
        "assert markdown_it.parser_block.ParserBlock\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
