"""Session fixtures: the framework corpus, built once with the real Jekyll."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.corpus import corpus_root
from tests.oracle.checker import BuiltSite
from tests.oracle.compare import Comparison, compare
from tests.oracle.hosts import Netlify
from tests.oracle.jekyll import build, jekyll_or_skip, writable_copy


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The framework corpus built as the issue says: its _config.yml plus a second
    config naming only jekyll-sitemap (Debian has no jekyll-postcss, and the HTML
    does not need it). Served on www.finops.org (the profile's site host)."""
    jekyll_or_skip()
    source = corpus_root() / "finops-framework"
    work = tmp_path_factory.mktemp("corpus")
    copy = writable_copy(source, work / "src")
    record = work / "map.json"
    build(copy, work / "out", {"plugins": ["jekyll-sitemap"]}, record=record)
    yield BuiltSite.load(record, hosts=("www.finops.org", "finops.org"))


@pytest.fixture(scope="session")
def corpus_comparison(built_corpus: BuiltSite) -> Comparison:
    """The oracle's broken set and finops-lint's LK findings on the corpus (once)."""
    return compare(built_corpus, Netlify(built_corpus.source), built_corpus.source)
