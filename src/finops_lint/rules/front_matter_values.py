"""Front matter values that publish placeholders or nothing.

PH007 judges every text value of a page's front matter the way PH003/PH004
judge body text (the profile's `placeholders.text` and `placeholders.unfinished`
patterns and the filler-vocabulary score), plus titles that only say "test".
FM007 finds list items of front matter whose fields were left blank: the
layouts loop over such lists and print a link or a card for every item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from finops_lint import regex
from finops_lint.document import Document
from finops_lint.findings import Severity
from finops_lint.parsing.frontmatter import KeyPath, dotted_key
from finops_lint.parsing.tables import collapse_spaces
from finops_lint.rules.base import Issue, RuleContext, rule
from finops_lint.rules.placeholder_analysis import (
    FILLER_THRESHOLD,
    filler_vocabulary,
    worth_searching,
)

#: Keys whose values are names, paths or switches, not text a visitor reads.
_NOT_TEXT_KEYS = frozenset(
    {
        "layout",
        "permalink",
        "page-identifier",
        "identifier",
        "redirect_from",
        "redirect_to",
        "type",
        "category",
        "categories",
        "tags",
        "lang",
        "slug",
    }
)

#: A title (or name) that only says it is a test page.
TEST_TITLE = re.compile(
    r"^(?:(?:a|my|this is an?|just an?)\s+)?(?:test(?:ing)?|dummy|sample|untitled)"
    r"(?:\s+(?:page|post|title|resource|story|entry|article|item|capability|event|"
    r"member|vendor|doc(?:ument)?))?(?:\s*[-#]?\s*\d+)?\s*[.!]*$",
    re.IGNORECASE,
)


def text_values(data: Any, path: KeyPath = ()) -> list[tuple[KeyPath, str]]:
    """Every string value under data with its key path (lists and mappings walked, in
    order), gathered without a generator per value."""
    out: list[tuple[KeyPath, str]] = []
    _gather_text(data, path, out)
    return out


def _gather_text(data: Any, path: KeyPath, out: list[tuple[KeyPath, str]]) -> None:
    if isinstance(data, str):
        out.append((path, data))
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str):
                out.append(((*path, str(key)), value))
            elif isinstance(value, (dict, list)):
                _gather_text(value, (*path, str(key)), out)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, str):
                out.append(((*path, index), value))
            elif isinstance(value, (dict, list)):
                _gather_text(value, (*path, index), out)


def _is_title_key(path: KeyPath) -> bool:
    last = path[-1] if path and isinstance(path[-1], str) else None
    if last is None:  # a list item: the key of the list
        last = next((p for p in reversed(path) if isinstance(p, str)), "")
    return last in ("title", "name") or last.endswith("-title")


def _template_values(doc: Document, ctx: RuleContext) -> dict[str, str]:
    """The page type template's own values (FM004 reports pages that kept them)."""
    pt, ws = ctx.page_type, ctx.workspace
    if pt is None or pt.template is None or ws is None:
        return {}
    template = ws.template(pt.template)
    if template is None:
        return {}
    return {k: v.strip() for k, v in template.front_matter.data.items() if isinstance(v, str)}


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@rule(
    "PH007",
    "placeholder-front-matter",
    "error",
    "Placeholder text in a front matter value: Hello World, lorem ipsum, a title 'Test'.",
)
def placeholder_front_matter(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds front matter values that are placeholders, judged the way PH003 and
    PH004 judge body text: `title: Hello World`, `description: Lorem ipsum dolor...`,
    a `TODO:` note, generated filler text, a title that only says `Test` or
    `Test page 2`; and, as a warning, values that say the content is not there yet
    (`description: coming soon`).

    **Why it matters:** the layouts print these values as the page's title, its
    card on listing pages, its search snippet and its social preview, so a
    placeholder there is seen before anything in the body.

    **Precision:** values that are names, paths or switches (`layout`,
    `permalink`, `page-identifier`, `tags`...) and URLs are not read; a value
    still equal to the page type's template is FM004's finding, not this one.
    "Test" counts only as a whole title (`title: Load testing at scale` is fine).

    **Bad:**
    ```yaml
    title: Hello World
    description: coming soon
    ```

    **Good:**
    ```yaml
    title: Forecasting
    description: Understand forecasting cloud costs.
    ```

    **Configure:** the same `placeholders: {text: [...], unfinished: [...]}`
    patterns and `filler-words`/`filler-phrases` vocabulary as PH003 and PH004.
    """
    fm = doc.front_matter
    if not fm.present or fm.error is not None or not fm.data:
        return
    values = _read_values(fm.data, _template_values(doc, ctx))
    if not values:
        return
    # One search of all values joined (one per line) tells which checks can match.
    joined = "\n".join(v for _p, v in values)
    folded = regex.fold(joined)
    texts = _hits(tuple(ctx.config.placeholders.get("text", [])), joined, folded)
    unfinished = _hits(tuple(ctx.config.placeholders.get("unfinished", [])), joined, folded)
    vocabulary = filler_vocabulary(ctx.config)
    filler = vocabulary.score(joined) >= FILLER_THRESHOLD
    for path, value in values:
        if TEST_TITLE.match(value) and _is_title_key(path):
            what, severity = "is a test title", None
        elif texts and any(p.search(value) for p in texts):
            what, severity = "is placeholder text", None
        elif filler and vocabulary.score(value) >= FILLER_THRESHOLD:
            what, severity = "is filler text (lorem-ipsum style)", None
        elif unfinished and any(p.search(value) for p in unfinished):
            what, severity = "says the content is unfinished", Severity.WARNING
        else:
            continue
        # Positions only for a finding: they walk the whole YAML node tree.
        pos = fm.value_position(path)
        message = f"'{dotted_key(path)}' {what}: '{_short(value)}'"
        yield Issue(pos.line, pos.column, message, severity=severity)


def _read_values(data: dict[Any, Any], template: dict[str, str]) -> list[tuple[KeyPath, str]]:
    """The text values PH007 judges, whitespace collapsed (`collapse_spaces`), with
    their key paths: not under a key of names, paths or switches (nor walked into),
    no empty value, URL, site path or Liquid (no text a visitor reads), no top-level
    value still equal to the template's (FM004's)."""
    found: list[tuple[KeyPath, str]] = []
    for key, raw in data.items():
        top = str(key)
        if top in _NOT_TEXT_KEYS or top.startswith("finops-lint"):
            continue
        if isinstance(raw, str):
            found.append(((top,), raw))
        elif isinstance(raw, (dict, list)):
            _gather_text(raw, (top,), found)
    if not found:
        return found
    if not _all_collapsed([text for _path, text in found]):
        found = [(path, collapse_spaces(text)) for path, text in found]
    return [
        (path, value)
        for path, value in found
        if value
        and "://" not in value
        and not value.startswith(_NOT_READ_STARTS)
        and (len(path) > 1 or template.get(str(path[0])) != value)
    ]


def _all_collapsed(texts: list[str]) -> bool:
    """Whether `collapse_spaces` leaves each text as it is (most values have nothing
    to collapse), told by collapsing them joined by spaces: a text with any other
    white space, a space at either end or an empty one changes the joined text."""
    joined = " ".join(texts)
    return collapse_spaces(joined) == joined


#: How a value that is a site path or Liquid starts (no text a visitor reads).
_NOT_READ_STARTS = ("/", "{{", "{%")


def _hits(items: tuple[str, ...], joined: str, folded: str) -> list[regex.Pattern]:
    """The patterns that match some line of joined (each line one value; `folded`: it
    case-folded): a pattern whose required literals or words are not in the values
    is not searched (`worth_searching`, as for a page's blocks)."""
    return [
        single
        for single, multi in worth_searching(folded, items)
        if multi is None or multi.search(joined)
    ]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@rule(
    "FM007",
    "blank-front-matter-item",
    "warning",
    "Template items left blank in a front matter list (- title: / url: with no values).",
)
def blank_front_matter_item(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds items of a front matter list whose every field is blank (`- title:` /
    `url:` copied from the template and never filled in) in a list that also has
    filled items. Reported once per list, at its first blank item.

    **Why it matters:** a layout that loops over the list (`{% for resource in
    page.product-resources %}`) prints every item: a blank one becomes an empty
    bullet with an empty link (`<a href=""></a>`) on the published page.

    **Precision:** a list whose items are all blank is the template left whole;
    layouts guard such lists (`{% if page.product-resources[0].url != undefined %}`)
    and print nothing, so it is not reported.

    **Bad:**
    ```yaml
    product-resources:
    - title: CloudFix overview
      url: https://example.com/overview
    - title:
      url:
    ```

    **Good:** remove the blank items, or fill them in.
    """
    fm = doc.front_matter
    if not fm.present or fm.error is not None:
        return
    for key, value in fm.data.items():
        if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
            continue
        blank = [i for i, item in enumerate(value) if item and all(map(_blank, item.values()))]
        if not blank or len(blank) == len(value):
            continue
        pos = fm.position((key, blank[0]))
        numbers = ", ".join(str(i + 1) for i in blank)
        fields = "/".join(f"{k}:" for k in value[blank[0]])
        plural = "s" if len(blank) > 1 else ""
        yield Issue(
            pos.line,
            pos.column,
            f"'{key}' item{plural} {numbers} of {len(value)} {'are' if plural else 'is'} "
            f"blank ({fields} with no values): a layout that lists '{key}' prints an "
            "empty link for each; remove or fill them",
        )
