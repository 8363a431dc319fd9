"""LK rules, Liquid in links, code never read, and suppression comments.

Pages use a 3-line front matter: body line N is page line N + 3. Findings point
at the link's target (the text a person must change)."""

from __future__ import annotations

from tests.conftest import CONFIG_YML, Site, only, page

FORECASTING = "/framework/capabilities/forecasting/"


# ------------------------------------------------------------------ LK001


def test_lk001_site_root_host_and_relative_links(framework_site: Site) -> None:
    text = page(
        "\n# T\n\n"
        f"See [gone](/framework/nothing/) and [ok]({FORECASTING}).\n\n"
        "Also [host](https://www.finops.org/nope/) and "
        f"[hostok](https://www.finops.org{FORECASTING}).\n\n"
        "[rel](other.md) [relok](../)\n"
    )
    findings = framework_site.lint_full("l.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [
        ("LK001", 7, 12),
        ("LK001", 9, 13),
        ("LK001", 11, 7),
    ]
    assert "/framework/nothing/" in findings[0].message


def test_lk001_source_file_link_without_jekyll_relative_links(framework_site: Site) -> None:
    """`index.md` from the page /l/ is requested as /l/index.md: broken unless
    jekyll-relative-links rewrites it (it does not run on this site)."""
    findings = framework_site.lint_full("l.md", page("\n# T\n\n[home](index.md)\n"))
    assert [(f.code, f.line, f.column) for f in findings] == [("LK001", 7, 8)]
    assert "jekyll-relative-links does not run on this site" in findings[0].message
    assert "link to / instead" in findings[0].message


def test_lk001_external_links_are_not_checked_offline(framework_site: Site) -> None:
    text = page("\n# T\n\n[x](https://example.com/definitely/not/here/)\n")
    assert framework_site.lint("l.md", text) == []


def test_lk001_reference_link_points_at_the_definition(framework_site: Site) -> None:
    text = page("\n# T\n\nSee [the page][gone] here.\n\n[gone]: /nope/\n")
    got = framework_site.lint_pos("l.md", text)
    assert ("LK001", 9, 9) in got


def test_lk001_reference_link_reported_once(framework_site: Site) -> None:
    text = page("\n# T\n\nSee [the page][gone] here.\n\n[gone]: /nope/\n")
    assert framework_site.lint_pos("l.md", text) == [("LK001", 9, 9)]


def test_lk001_html_anchor_href(framework_site: Site) -> None:
    text = page(f"\n# T\n\n<a href=\"/nope/\">x</a> <a href='{FORECASTING}'>ok</a>\n")
    assert framework_site.lint_pos("l.md", text) == [("LK001", 7, 10)]


def test_lk001_ignores_links_only_inside_html_comments(framework_site: Site) -> None:
    """The built page has no such link (the comment is not rendered)."""
    findings = framework_site.lint_full("l.md", page("\n# T\n\n<!-- [x](/nope/) -->\n"))
    assert [f.code for f in findings if f.code in ("LK001", "LK002")] == []


def test_lk001_link_in_html_comment_is_not_on_the_site(framework_site: Site) -> None:
    text = page("\n# T\n\n<!-- [x](/nope/) ![i](/img/nope.png) -->\n")
    assert framework_site.lint_pos("l.md", text) == []


def test_lk011_commented_broken_links_when_turned_on(framework_site: Site) -> None:
    framework_site.config("extends: finops-framework\nrules:\n  LK011: {enabled: true}\n")
    text = page(f"\n# T\n\n<!-- [x](/nope/) [ok]({FORECASTING})\n![i](/img/nope.png) -->\n")
    findings = framework_site.lint_full("l.md", text)
    assert [(f.code, f.line, f.column, f.severity.value) for f in findings] == [
        ("LK011", 7, 10, "warning"),
        ("LK011", 8, 6, "warning"),
    ]
    assert "inside an HTML comment" in findings[0].message
    assert findings[1].message.startswith("image '/img/nope.png'")


# ------------------------------------------------------------------ Liquid


def test_liquid_baseurl_links_resolve(framework_site: Site) -> None:
    text = page(
        f"\n# T\n\n[a]({{{{ site.baseurl }}}}{FORECASTING}) and [b]({{{{ site.baseurl }}}}/nope/)\n"
    )
    assert "{{ site.baseurl }}/framework" in text
    got = framework_site.lint_pos("l.md", text)
    assert got == [("LK001", 7, 69)]


def test_liquid_link_tag_resolves(framework_site: Site) -> None:
    text = page("\n# T\n\n[a]({% link index.md %}) [b]({% link nope.md %})\n")
    assert framework_site.lint_pos("l.md", text) == [("LK001", 7, 30)]


def test_other_liquid_is_never_reported(framework_site: Site) -> None:
    text = page(
        "\n# T\n\n[a]({{ capability.url }}) [b]({{ item.link | relative_url }}) "
        "![i]({{ img.src }})\n\n"
        "{% for x in site.capabilities %}\n[{{ x.title }}]({{ x.url }})\n{% endfor %}\n\n"
        '<a href="{{ x.url }}">x</a> <img src="{{ x.logo }}">\n\n'
        "{% include contribute-capabiility.md %}\n"
    )
    assert framework_site.lint("l.md", text) == []


# ------------------------------------------------------------------ code


def test_links_in_code_blocks_and_spans_are_never_reported(framework_site: Site) -> None:
    text = page(
        "\n# T\n\nUse `[a](/nope/)` or ``[b](www.x.com)`` here.\n\n"
        "```\n[c](/nope2/)\n[d] (/x/)\n```\n\n"
        "    [e](/nope3/)\n\n| code | cell |\n| --- | --- |\n| `[f](/nope4/)` | x |\n"
    )
    assert framework_site.lint("l.md", text) == []


# ------------------------------------------------------------------ LK002


def test_lk002_missing_images(framework_site: Site) -> None:
    text = page(
        '\n# T\n\n![x](/img/missing.png) ![ok](/img/domain.png)\n\n<img src="/img/gone.png">\n'
    )
    findings = framework_site.lint_full("i.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("LK002", 7, 6), ("LK002", 9, 11)]


def test_lk002_existing_relative_image(framework_site: Site) -> None:
    framework_site.write_bytes("docs/pic.png", b"png")
    assert framework_site.lint("docs/index.md", page("\n# T\n\n![x](pic.png)\n")) == []


def test_lk002_relative_image_from_a_pretty_url_page_is_missing(framework_site: Site) -> None:
    # docs/i.md is served at /docs/i/, so the browser asks for /docs/i/pic.png.
    framework_site.write_bytes("docs/pic.png", b"png")
    assert framework_site.lint_pos("docs/i.md", page("\n# T\n\n![x](pic.png)\n")) == [
        ("LK002", 7, 6)
    ]


# ------------------------------------------------------------------ LK003


def test_lk003_anchor_matching_no_heading(site: Site) -> None:
    text = page("\n# T\n\n## Crawl Stage\n\n[a](#crawl) [b](#crawl-stage) [c](#top)\n")
    findings = site.lint_full("a.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("LK003", 9, 5)]
    assert "#crawl" in findings[0].message


LK003_IDS = page(
    "\n# T\n\n## Inputs {#my-inputs}\n\n## Other\n{: #ial-id}\n\n"
    '<div id="box"></div>\n\n## 1. Numbered & stuff!\n\n'
    "[a](#my-inputs) [b](#ial-id) [c](#box) [d](#numbered--stuff) [e](#1-numbered--stuff)\n"
)


def test_lk003_one_id_rule_per_site_gfm_by_default(site: Site) -> None:
    # Jekyll's default parser is GFM: the kramdown-style id does not exist there
    findings = site.lint_full("a.md", LK003_IDS)
    assert [(f.code, f.line, f.column) for f in findings] == [("LK003", 16, 44)]
    assert "#numbered--stuff" in findings[0].message


def test_lk003_kramdown_input_uses_kramdown_ids(site: Site) -> None:
    site.write("_config.yml", CONFIG_YML + "kramdown:\n  input: kramdown\n")
    assert site.lint_pos("a.md", LK003_IDS) == [("LK003", 16, 66)]


def test_lk003_id_style_in_config_forces_the_parser(site: Site) -> None:
    site.config("site:\n  id-style: kramdown\n")
    assert site.lint_pos("a.md", LK003_IDS) == [("LK003", 16, 66)]


def test_lk003_fragment_compared_case_sensitively_after_decoding(site: Site) -> None:
    text = page(
        "\n# T\n\n## Qu&eacute; pasa\n\n## Señal\n\n"
        "[a](#qué-pasa) [b](#qu%C3%A9-pasa) [c](#Qué-pasa) [d](#se%C3%B1al) [e](#SEÑAL)\n"
    )
    assert site.lint_pos("a.md", text) == [("LK003", 11, 40), ("LK003", 11, 72)]


def test_lk003_duplicate_heading_ids_get_suffixes(site: Site) -> None:
    text = page("\n# T\n\n## Same\n\n## Same\n\n[a](#same-1) [b](#same-2)\n")
    assert site.lint_pos("a.md", text) == [("LK003", 11, 18)]


# ------------------------------------------------------------------ LK004


def test_lk004_anchor_on_another_page(framework_site: Site) -> None:
    text = page(f"\n# T\n\n[a]({FORECASTING}#nope) [b]({FORECASTING}#maturity-assessment)\n")
    findings = framework_site.lint_full("a.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("LK004", 7, 5)]
    assert "#nope" in findings[0].message


# ------------------------------------------------------------------ LK005


def test_lk005_space_before_paren_and_empty_target(framework_site: Site) -> None:
    text = page(f"\n# T\n\n[Cost Allocation] ({FORECASTING})\n\n[empty]()\n\n[ok]({FORECASTING})\n")
    findings = framework_site.lint_full("m.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("LK005", 7, 1), ("LK005", 9, 1)]
    assert f"[Cost Allocation]({FORECASTING})" in findings[0].message


def test_lk005_bracketed_text_followed_by_prose_in_parens_is_fine(site: Site) -> None:
    text = page("\n# T\n\nThe [draft] (see below) is fine, and so is [x] (an aside).\n")
    assert site.lint("m.md", text) == []


# ------------------------------------------------------------------ LK006


def test_lk006_missing_scheme_with_fix(site: Site) -> None:
    text = page("\n# T\n\n[FinOps](www.finops.org) [x](https//example.com)\n")
    findings = site.lint_full("s.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("LK006", 7, 10), ("LK006", 7, 30)]
    assert findings[0].fix is not None and findings[0].fix.replacement == "https://www.finops.org"
    assert findings[1].fix is not None and findings[1].fix.replacement == "https://example.com"


def test_lk006_full_urls_are_fine(site: Site) -> None:
    assert site.lint("s.md", page("\n# T\n\n[FinOps](https://www.finops.org)\n")) == []


# ------------------------------------------------------------------ LK007


def test_lk007_redirected_link(framework_site: Site) -> None:
    framework_site.write("_redirects", f"/old/ {FORECASTING} 301\n")
    findings = framework_site.lint_full("r.md", page("\n# T\n\n[old](/old/)\n"))
    assert [(f.code, f.line, f.column) for f in findings] == [("LK007", 7, 7)]
    assert findings[0].fix is not None and findings[0].fix.replacement == FORECASTING


def test_lk007_direct_link_is_fine(framework_site: Site) -> None:
    framework_site.write("_redirects", f"/old/ {FORECASTING} 301\n")
    assert framework_site.lint("r.md", page(f"\n# T\n\n[new]({FORECASTING})\n")) == []


# ------------------------------------------------------------------ LK008


def test_lk008_undefined_reference(site: Site) -> None:
    text = page("\n# T\n\n[the report][sof-2023] and [ok][def]\n\n[def]: https://example.com\n")
    findings = site.lint_full("u.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("LK008", 7, 1)]
    assert "sof-2023" in findings[0].message


def test_lk008_labels_are_case_insensitive(site: Site) -> None:
    text = page("\n# T\n\n[ok][DEF] [Def][] [def]\n\n[def]: https://example.com\n")
    assert site.lint("u.md", text) == []


# ------------------------------------------------------------------ LK009


def test_lk009_unused_definition(site: Site) -> None:
    text = page("\n# T\n\n[ok][def]\n\n[def]: https://example.com\n[unused]: https://example.org\n")
    findings = site.lint_full("u.md", text)
    assert [(f.code, f.line, f.column, f.severity.value) for f in findings] == [
        ("LK009", 10, 1, "warning")
    ]


# ------------------------------------------------------------------ suppression


def test_disable_next_line_by_code(framework_site: Site) -> None:
    text = page(
        "\n# T\n\n<!-- finops-lint-disable-next-line LK001 -->\n[a](/nope/)\n[b](/nope2/)\n"
    )
    assert framework_site.lint("s.md", text) == [("LK001", 9)]


def test_disable_next_line_other_code_does_not_suppress(framework_site: Site) -> None:
    text = page("\n# T\n\n<!-- finops-lint-disable-next-line PH003 -->\n[a](/nope/)\n")
    assert framework_site.lint("s.md", text) == [("LK001", 8)]


def test_disable_enable_by_family(framework_site: Site) -> None:
    text = page(
        "\n# T\n\n<!-- finops-lint-disable LK -->\n[a](/nope/)\nTODO: x\n"
        "<!-- finops-lint-enable LK -->\n[b](/nope2/)\n"
    )
    assert framework_site.lint("s.md", text) == [("PH003", 9), ("LK001", 11)]


def test_disable_enable_all(framework_site: Site) -> None:
    text = page(
        "\n# T\n\n<!-- finops-lint-disable -->\n[a](/nope/)\n\nTODO: x\n"
        "<!-- finops-lint-enable -->\n\n[b](/nope2/)\n"
    )
    assert framework_site.lint("s.md", text) == [("LK001", 13)]


def test_disable_without_enable_runs_to_end_of_page(framework_site: Site) -> None:
    text = page("\n# T\n\n<!-- finops-lint-disable LK001 -->\n[a](/nope/)\n\n[b](/nope2/)\n")
    assert framework_site.lint("s.md", text) == []


def test_disable_file(framework_site: Site) -> None:
    text = page("\n# T\n\n<!-- finops-lint-disable-file -->\n[a](/nope/)\n\nTODO: x\n")
    assert framework_site.lint("s.md", text) == []


def test_disable_file_by_code(framework_site: Site) -> None:
    text = page("\n# T\n\n<!-- finops-lint-disable-file PH003 -->\n[a](/nope/)\n\nTODO: x\n")
    assert framework_site.lint("s.md", text) == [("LK001", 8)]


def test_disable_file_by_family(framework_site: Site) -> None:
    text = page("\n# T\n\n[a](/nope/)\n\nTODO: x\n\n<!-- finops-lint-disable-file PH -->\n")
    assert framework_site.lint("s.md", text) == [("LK001", 7)]


def test_links_in_html_pages_are_checked_with_positions(framework_site: Site) -> None:
    text = (
        "---\ntitle: T\npermalink: /t/\n---\n"
        '<p><a href="/nope/">gone</a>\n  <img src="/img/none.png" alt="x"></p>\n'
        '<!-- <a href="/commented/">c</a> -->\n'
        f'<a href="{FORECASTING}"></a> <a href="{FORECASTING}" aria-label="F"></a>\n'
    )
    findings = framework_site.lint_full("t.html", text)
    got = [(f.code, f.line, f.column) for f in findings if f.code.startswith("LK")]
    assert got == [("LK001", 5, 13), ("LK002", 6, 13), ("LK005", 8, 1)]


def test_lk003_footnote_ids_are_anchors(site: Site) -> None:
    text = page(
        "\n# T\n\nA claim[^src] and again[^src].\n\n"
        "[n](#fn:src) [r](#fnref:src) [r1](#fnref:src:1) [r2](#fnref:src:2)\n\n"
        "[^src]: The source.\n"
    )
    assert site.lint_pos("a.md", text) == [("LK003", 9, 54)]


# ------------------------------------------- Markdown links inside block HTML (LK012)

HTML_BLOCK_PAGE = page(
    '\n<div class="note">\nSee the [guide](/missing-guide/).\n</div>\n\n'
    "<div>\n\n## Inside\n\n</div>\n\n[up](#inside)\n"
)


def test_markdown_link_in_block_html_is_text_not_a_broken_link(site: Site) -> None:
    # kramdown leaves a <div>'s content as HTML: the page shows "[guide](...)" as text
    # and "## Inside" is no heading, so the anchor link is broken (checked with Jekyll)
    found = site.lint("html.md", HTML_BLOCK_PAGE)
    assert found == [("LK012", 6), ("HD007", 11), ("LK003", 15)]


def test_parse_block_html_converts_markdown_in_block_html(site: Site) -> None:
    config = (site.root / "_config.yml").read_text(encoding="utf-8")
    site.write("_config.yml", config + "kramdown:\n  parse_block_html: true\n")
    assert site.lint("html.md", HTML_BLOCK_PAGE) == [("LK001", 6)]


def test_markdown_link_in_block_html_of_a_readme_is_left_to_github(site: Site) -> None:
    # a README is read on GitHub, which converts Markdown after the tag's line
    assert only(site.lint("docs/README.md", "# Docs\n" + HTML_BLOCK_PAGE[3:]), "LK012") == []
