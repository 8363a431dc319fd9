"""A longer fuzz run of the parser and every rule, started by hand.

    .venv/bin/python bench/fuzz.py                   # hypothesis, 5 minutes
    .venv/bin/python bench/fuzz.py --minutes 30 --seed 7
    .venv/bin/python bench/fuzz.py --engine atheris  # coverage-guided (pip install atheris)

It runs the properties of tests/test_properties.py (no exception escapes, no
IN001, every finding inside its file with a known code, deterministic parsing)
on random text and bytes, grammar-built Markdown pages, broken front matter and
mutated corpus pages, for a time budget instead of a fixed example count. A
failing input does not stop the run: it is printed (repr, first 300 characters),
saved under $TMPDIR/finops-lint-fuzz-crashes/, and the run goes on. At the end it prints the
number of inputs run and the number of distinct crashes (exit 1 if any).
Every crash found should become a regression test in tests/test_hostile.py
or tests/test_properties.py.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import hypothesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from tests import test_properties as props  # noqa: E402

from finops_lint.document import parse_document  # noqa: E402

CRASH_DIR = Path(tempfile.gettempdir()) / "finops-lint-fuzz-crashes"


class Fuzz:
    def __init__(self, site: props.TmpSite, deadline: float) -> None:
        self.site = site
        self.deadline = deadline
        self.inputs = 0
        self.crashes: dict[str, tuple[str, bytes]] = {}

    def one(self, rel: str, data: bytes) -> None:
        """Run every property on one page; record a failure instead of raising."""
        self.inputs += 1
        try:
            a = parse_document(data, rel, rel)
            b = parse_document(data, rel, rel)
            assert props.model(a) == props.model(b), "parsing is not deterministic"
            props.lint_one(self.site, rel, data)
        except Exception as exc:
            tb = traceback.extract_tb(exc.__traceback__)
            where = next(
                (
                    f"{Path(f.filename).name}:{f.lineno}"
                    for f in reversed(tb)
                    if "finops_lint" in f.filename or "test_properties" in f.filename
                ),
                "?",
            )
            key = f"{type(exc).__name__} at {where}"
            if key not in self.crashes:
                self.crashes[key] = (rel, data)
                CRASH_DIR.mkdir(exist_ok=True)
                digest = hashlib.sha1(data).hexdigest()[:12]
                (CRASH_DIR / f"{digest}.bin").write_bytes(data)
                print(
                    f"\nCRASH {key}: {type(exc).__name__}: {str(exc)[:200]}\n"
                    f"  page {rel}, input {data[:300]!r}\n  saved {digest}.bin",
                    flush=True,
                )

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline


def run_hypothesis(fuzz: Fuzz, seed: int) -> None:
    pages: Any = st.one_of(
        st.tuples(
            props.PAGE_PATHS,
            st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
        ),
        st.tuples(props.PAGE_PATHS, st.binary(max_size=2000)),
        st.tuples(
            props.PAGE_PATHS,
            props.markdown_page().map(lambda t: t.encode("utf-8", "surrogatepass")),
        ),
        st.tuples(props.PAGE_PATHS, props.front_matter().map(lambda t: (t + "\n# T\n").encode())),
    )
    if props.CORPUS:
        pages = st.one_of(pages, props.mutated_corpus_page())

    @settings(
        max_examples=10_000_000,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(page=pages)
    def target(page: tuple[str, bytes]) -> None:
        if fuzz.out_of_time():
            raise _Done
        fuzz.one(*page)
        if fuzz.inputs % 500 == 0:
            print(f"  {fuzz.inputs} inputs, {len(fuzz.crashes)} crashes", flush=True)

    with contextlib.suppress(_Done):
        hypothesis.seed(seed)(target)()


class _Done(Exception):
    pass


def run_atheris(fuzz: Fuzz, report: Callable[[], None]) -> None:
    import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

    paths = ["page.md", "_capabilities/cap.md", "_domains/dom.md", "page.html"]

    def target(data: bytes) -> None:
        if fuzz.out_of_time():
            report()  # libFuzzer never returns: report and leave from here
            os._exit(1 if fuzz.crashes else 0)
        fuzz.one(paths[data[0] % len(paths)] if data else "page.md", data[1:])

    seeds = Path(tempfile.mkdtemp(prefix="finops-fuzz-corpus-"))
    for i, page in enumerate(props.CORPUS[:50]):
        (seeds / f"seed{i}").write_bytes(b"\x01" + page.read_bytes())
    atheris.instrument_all()  # coverage feedback from finops_lint and its parsers
    atheris.Setup([sys.argv[0], str(seeds)], target)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", choices=["hypothesis", "atheris"], default="hypothesis")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        root.mkdir()
        os.chdir(root)
        fuzz = Fuzz(props.TmpSite(root), started + args.minutes * 60)

        def report() -> None:
            crashes = "".join(
                f"\n  {key}: {rel} {data[:120]!r}" for key, (rel, data) in fuzz.crashes.items()
            )
            print(
                f"\n{fuzz.inputs} inputs in {time.monotonic() - started:.0f} s, "
                f"{len(fuzz.crashes)} distinct crashes{crashes}",
                flush=True,
            )

        try:
            if args.engine == "atheris":
                run_atheris(fuzz, report)
            else:
                run_hypothesis(fuzz, args.seed)
        finally:
            report()
    return 1 if fuzz.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
