"""The profile's references compare the keys the corpus's own templates compare.

Each reference in rules/finops-framework.yaml says which key of the named page
a value must equal (`by`). The site's layouts and includes decide that: they
loop over the list (`{% for tag in resource.framework-capabilities %}`) and
test each item (`{% if tag == page.page-identifier %}`). This test reads those
loops out of the corpus's _layouts/ and _includes/ and checks the profile
against them, so a declaration that no template backs fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from finops_lint.config import load_config
from tests.corpus import PROJECT, corpus_root

_FOR = re.compile(r"\{%-?\s*for\s+(\w+)\s+in\s+[\w-]+\.([\w-]+)\s*-?%\}")
_ENDFOR = re.compile(r"\{%-?\s*endfor\s*-?%\}")


def compared_keys(text: str) -> set[tuple[str, str]]:
    """(list key, key compared with) for every `for x in A.KEY` ... `if x == B.OTHER`."""
    pairs: set[tuple[str, str]] = set()
    for loop in _FOR.finditer(text):
        var, key = loop.group(1), loop.group(2)
        end = _ENDFOR.search(text, loop.end())
        body = text[loop.end() : end.start() if end else len(text)]
        v = re.escape(var)
        for m in re.finditer(
            rf"if\s+(?:{v}\s*==\s*[\w.-]+\.([\w-]+)|[\w.-]+\.([\w-]+)\s*==\s*{v}\b)", body
        ):
            pairs.add((key, m.group(1) or m.group(2)))
    return pairs


def test_compared_keys_reads_a_loop() -> None:
    text = (
        "{% for tag in resource.framework-capabilities %}\n"
        "{% if tag == page.page-identifier %}x{% endif %}{% endfor %}"
        "{% for c in page.caps %}{% if site.x.title == c %}{% endif %}{% endfor %}"
    )
    assert compared_keys(text) == {
        ("framework-capabilities", "page-identifier"),
        ("caps", "title"),
    }


def test_profile_references_match_what_the_templates_compare() -> None:
    site = corpus_root() / "finops-framework"
    derived: set[tuple[str, str]] = set()
    for folder in ("_layouts", "_includes"):
        for path in sorted((site / folder).rglob("*")):
            if path.is_file():
                derived |= compared_keys(path.read_text(encoding="utf-8", errors="replace"))
    config = load_config(PROJECT / "rules")
    assert config.references, "the profile declares references"
    for ref in config.references:
        templates_compare = {other for key, other in derived if key == ref.key}
        assert templates_compare, f"{ref.name}: no template loops over '{ref.key}'"
        assert set(ref.by) == templates_compare, (
            f"{ref.name}: the profile compares {ref.by}, the templates {templates_compare}"
        )


def test_corpus_templates_never_compare_titles() -> None:
    site = corpus_root() / "finops-framework"
    text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in Path(site).glob("_[il]*/*")
        if p.is_file()
    )
    pairs = compared_keys(text)
    assert ("framework-capabilities", "page-identifier") in pairs
    assert not {other for _key, other in pairs if "title" in other}
