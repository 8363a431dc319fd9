"""FM rules: unreadable pages, invalid YAML, unterminated front matter, schema
violations, template values, duplicate keys, duplicate URLs."""

from __future__ import annotations

from pathlib import Path

from finops_lint.engine import RunOptions, run
from tests.conftest import (
    CAPABILITY_BODY,
    CAPABILITY_FRONT_MATTER,
    CONFIG_YML,
    Site,
    only,
)


def capability(front_matter: str = CAPABILITY_FRONT_MATTER, body: str = CAPABILITY_BODY) -> str:
    return front_matter + body


# ------------------------------------------------------------------ FM000


def test_fm000_invalid_utf8_points_at_the_bad_byte(site: Site) -> None:
    site.write_bytes("bad.md", b"---\ntitle: x\n---\nabc\n\xff\xfe ok\n")
    assert site.positions("bad.md") == [("FM000", 5, 1)]


def test_fm000_nul_byte_is_binary(site: Site) -> None:
    site.write_bytes("bin.md", b"ab\ncd\x00ef")
    assert site.positions("bin.md") == [("FM000", 2, 3)]


def test_fm000_utf8_page_with_bom_and_crlf_is_readable(site: Site) -> None:
    site.write_bytes("ok.md", b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\n# Fine\r\n")
    assert site.codes("ok.md") == []


def test_fm000_unreadable_page_does_not_stop_the_others(site: Site) -> None:
    site.write_bytes("bad.md", b"\xff\xfe\x00x")
    site.write("other.md", "---\ntitle: x\n---\n# X\n\nTODO: fill in\n")
    got = site.codes("bad.md", "other.md")
    assert ("FM000", 1) in got
    assert ("PH003", 6) in got


# ------------------------------------------------------------------ FM001


def test_fm001_invalid_yaml_at_the_line_and_column_of_the_error(site: Site) -> None:
    text = "---\ntitle: x\ndescription: Cost: Metadata\n---\n# T\n"
    findings = site.lint_full("y.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("FM001", 3, 18)]
    assert "invalid YAML" in findings[0].message


def test_fm001_quoted_value_is_valid(site: Site) -> None:
    text = '---\ntitle: x\ndescription: "Cost: Metadata"\n---\n# T\n'
    assert site.lint("y.md", text) == []


def test_fm001_front_matter_that_is_a_list(site: Site) -> None:
    assert site.lint("l.md", "---\n- a\n- b\n---\n# T\n") == [("FM001", 2)]


def test_fm001_tabs_are_reported_with_a_hint(site: Site) -> None:
    findings = site.lint_full("t.md", "---\ntitle: A\n\tdescription: x\n---\n# T\n")
    assert [(f.code, f.line) for f in findings] == [("FM001", 3)]
    assert "tab" in findings[0].message


def test_fm001_unclosed_bracket_points_at_its_line_not_the_fence(site: Site) -> None:
    assert site.lint("b.md", "---\ntitle: A\ntags: [a, b\n---\n# T\n") == [("FM001", 3)]


# ------------------------------------------------------------------ FM002


def test_fm002_unterminated_front_matter_at_the_opening_fence(site: Site) -> None:
    assert site.lint_pos("u.md", "---\ntitle: x\n\n# Hello\n") == [("FM002", 1, 1)]


def test_fm002_closed_front_matter_is_fine(site: Site) -> None:
    assert site.lint("u.md", "---\ntitle: x\n---\n\n# Hello\n") == []


def test_fm002_closing_fence_at_end_of_file_without_newline(site: Site) -> None:
    assert site.lint("u.md", "---\ntitle: x\n---") == []


# ------------------------------------------------------------------ FM003


def test_fm003_missing_key_at_the_opening_fence(framework_site: Site) -> None:
    fm = CAPABILITY_FRONT_MATTER.replace("page-identifier: capability_forecasting\n", "")
    framework_site.write("_capabilities/forecasting.md", capability(fm))
    findings = [
        f for f in framework_site.findings("_capabilities/forecasting.md") if f.code == "FM003"
    ]
    assert [(f.line, f.column) for f in findings] == [(1, 1)]
    assert "page-identifier" in findings[0].message


def test_fm003_wrong_type_at_the_key(framework_site: Site) -> None:
    fm = CAPABILITY_FRONT_MATTER.replace("order: 5", "order: five")
    framework_site.write("_capabilities/forecasting.md", capability(fm))
    findings = [
        f for f in framework_site.findings("_capabilities/forecasting.md") if f.code == "FM003"
    ]
    assert [(f.line, f.column) for f in findings] == [(10, 1)]
    assert "order" in findings[0].message and "integer" in findings[0].message


def test_fm003_bad_pattern_names_key_and_constraint(framework_site: Site) -> None:
    fm = CAPABILITY_FRONT_MATTER.replace("capability_forecasting", "forecasting")
    framework_site.write("_capabilities/forecasting.md", capability(fm))
    findings = [
        f for f in framework_site.findings("_capabilities/forecasting.md") if f.code == "FM003"
    ]
    assert [(f.line, f.column) for f in findings] == [(6, 1)]
    assert "page-identifier" in findings[0].message


def test_fm003_valid_capability_has_no_violation(framework_site: Site) -> None:
    assert framework_site.codes("_capabilities/forecasting.md") == []


def test_fm003_config_defaults_fill_missing_keys(framework_site: Site) -> None:
    fm = CAPABILITY_FRONT_MATTER.replace("search: true\n", "")
    framework_site.write("_capabilities/forecasting.md", capability(fm))
    assert only(framework_site.codes("_capabilities/forecasting.md"), "FM003") == [("FM003", 1)]
    config = CONFIG_YML.replace(
        'identifier: "framework"', 'identifier: "framework"\n      search: true'
    )
    framework_site.write("_config.yml", config)
    assert only(framework_site.codes("_capabilities/forecasting.md"), "FM003") == []


# ------------------------------------------------------------------ FM004


def test_fm004_template_value_at_its_key(framework_site: Site) -> None:
    fm = CAPABILITY_FRONT_MATTER.replace(
        "framework-capability-title: Forecasting",
        "framework-capability-title: Capability Title Here",
    )
    framework_site.write("_capabilities/forecasting.md", capability(fm))
    findings = [
        f for f in framework_site.findings("_capabilities/forecasting.md") if f.code == "FM004"
    ]
    assert [(f.line, f.column) for f in findings] == [(7, 1)]
    assert "Capability Title Here" in findings[0].message


def test_fm004_own_values_are_fine(framework_site: Site) -> None:
    assert only(framework_site.codes("_capabilities/forecasting.md"), "FM004") == []


def test_fm004_not_applied_to_pages_without_a_template(site: Site) -> None:
    text = "---\ntitle: Capability Title Here\n---\n# Page\n"
    assert only(site.lint("p.md", text), "FM004") == []


# ------------------------------------------------------------------ FM005


def test_fm005_duplicate_key_at_the_second_one(site: Site) -> None:
    findings = site.lint_full("d.md", "---\ntitle: A\ndescription: x\ntitle: B\n---\n# T\n")
    assert [(f.code, f.line, f.column) for f in findings] == [("FM005", 4, 1)]
    assert "line 2" in findings[0].message


def test_fm005_nested_keys_with_the_same_name_are_fine(site: Site) -> None:
    text = "---\ntitle: A\na:\n  title: x\nb:\n  title: y\n---\n# T\n"
    assert site.lint("d.md", text) == []


def test_fm005_suppressed_by_a_yaml_comment(site: Site) -> None:
    text = "---\ntitle: A\n# finops-lint-disable-next-line FM005\ntitle: B\n---\n# T\n"
    assert site.lint("d.md", text) == []


# ------------------------------------------------------------------ FM006


def test_fm006_two_pages_with_one_url_are_both_reported_at_permalink(site: Site) -> None:
    site.write("one.md", "---\ntitle: One\npermalink: /same/\n---\n# One\n")
    site.write("two.md", "---\ntitle: Two\npermalink: /same/\n---\n# Two\n")
    findings = site.findings("one.md", "two.md")
    assert [(f.path, f.code, f.line, f.column) for f in findings] == [
        ("one.md", "FM006", 3, 1),
        ("two.md", "FM006", 3, 1),
    ]
    assert findings[0].related and findings[0].related[0].path == "two.md"


def test_fm006_distinct_urls_are_fine(site: Site) -> None:
    site.write("one.md", "---\ntitle: One\npermalink: /one/\n---\n# One\n")
    site.write("two.md", "---\ntitle: Two\npermalink: /two/\n---\n# Two\n")
    assert site.codes("one.md", "two.md") == []


def test_fm006_collection_url_clash_with_permalink(framework_site: Site) -> None:
    framework_site.write(
        "copy.md", "---\ntitle: Copy\npermalink: /framework/capabilities/forecasting/\n---\n# C\n"
    )
    assert framework_site.codes("copy.md") == [("FM006", 3)]


SINK = "---\ntitle: {t}\nlink: https://example.org/{t}\nlisting: true\npermalink: /not-here/\n---\n"


def test_fm006_listing_sink_is_one_warning_on_the_first_page(site: Site) -> None:
    site.write("_config.yml", "plugins: [jekyll-sitemap]\n")
    for name in ("b", "a", "c"):
        site.write(f"{name}.md", SINK.format(t=name))
    findings = site.findings("a.md", "b.md", "c.md")
    assert [(f.path, f.code, f.line, f.severity.value) for f in findings] == [
        ("a.md", "FM006", 5, "warning")
    ]
    assert findings[0].message.startswith("Conflict: 3 pages")
    assert "sitemap: false" in findings[0].message
    assert "published: false" in findings[0].message  # named only as what not to do
    assert sorted(r.path for r in findings[0].related) == ["b.md", "c.md"]


def test_fm006_sink_with_sitemap_false_everywhere_gives_no_advice(site: Site) -> None:
    site.write("_config.yml", "plugins: [jekyll-sitemap]\n")
    for name in ("a", "b"):
        site.write(
            f"{name}.md", SINK.format(t=name).replace("listing:", "sitemap: false\nlisting:")
        )
    (finding,) = site.findings("a.md", "b.md")
    assert "sitemap: false" not in finding.message and "harmless" in finding.message


def test_fm006_shared_url_with_a_body_stays_an_error_on_every_page(site: Site) -> None:
    site.write("a.md", SINK.format(t="a"))
    site.write("b.md", SINK.format(t="b") + "Some text that is rendered.\n")
    findings = site.findings("a.md", "b.md")
    assert [(f.path, f.severity.value) for f in findings] == [("a.md", "error"), ("b.md", "error")]


def test_fm006_shared_url_with_a_layout_stays_an_error(site: Site) -> None:
    site.write("a.md", SINK.format(t="a"))
    site.write("b.md", SINK.format(t="b").replace("listing:", "layout: page\nlisting:"))
    assert {f.severity.value for f in site.findings("a.md", "b.md")} == {"error"}


REDIRECTING = "---\ntitle: B\nredirect_from:\n  - /a/\n  - /c/\n  - /things/x/\n  - /b/\n---\n# B\n"


def _redirect_site(site: Site) -> None:
    site.write(
        "_config.yml",
        "plugins: [jekyll-redirect-from]\n"
        "collections:\n  things:\n    output: true\n    permalink: /things/:name/\n",
    )
    site.write("a.md", "---\ntitle: A\npermalink: /a/\n---\n# A\n")
    site.write("b.md", REDIRECTING.replace("title: B", "title: B\npermalink: /b/"))
    site.write("c.md", "---\ntitle: C\nredirect_from: /c/\n---\n# C\n")
    site.write("_things/x.md", "---\ntitle: X\n---\n# X\n")


def test_fm006_redirect_from_over_a_page_and_claims_that_never_take_effect(site: Site) -> None:
    _redirect_site(site)
    findings = site.findings("a.md", "b.md", "c.md")
    got = [(f.path, f.line, f.column, f.severity.value, f.message.split(":")[0]) for f in findings]
    assert got == [
        ("a.md", 3, 1, "error", "this page is not on the site"),
        ("b.md", 5, 5, "error", "redirect_from '/a/' writes a redirect over a.md, which is "
         "published at that URL"),
        ("b.md", 6, 5, "warning", "redirect_from '/c/' never takes effect"),
        ("b.md", 7, 5, "warning", "redirect_from '/things/x/' never takes effect"),
        ("b.md", 8, 5, "error", "redirect_from '/b/' is this page's own URL"),
    ]  # fmt: skip
    assert [r.path for r in findings[0].related] == ["b.md"]
    assert [r.path for r in findings[2].related] == ["c.md"]
    assert [r.path for r in findings[3].related] == ["_things/x.md"]


def test_fm006_redirects_are_pages_only_where_the_plugin_runs(site: Site) -> None:
    _redirect_site(site)
    site.write("_config.yml", "collections:\n  things:\n    output: true\n")
    assert site.codes("a.md", "b.md", "c.md") == []


def test_fm006_redirect_clash_follows_the_other_pages_through_the_cache(
    site: Site, tmp_path: Path
) -> None:
    """b.md's findings depend on a.md's URL and c.md's claims: the cache asks again."""
    _redirect_site(site)

    def fm006(cache: bool) -> list[tuple[str, int]]:
        result = run(
            RunOptions(paths=[site.root], cache=cache, cache_dir=tmp_path / "c", select=["FM006"])
        )
        return [(f.path, f.line) for f in result.findings]

    assert fm006(True) == fm006(False)
    site.write("a.md", "---\ntitle: A\npermalink: /a2/\n---\n# A\n")
    site.write("c.md", "---\ntitle: C\n---\n# C\n")
    assert fm006(True) == fm006(False) == [("b.md", 7), ("b.md", 8)]


def test_fm006_page_and_static_file_at_one_url(site: Site) -> None:
    """Static files are written after pages and before documents."""
    site.write("_config.yml", "collections:\n  things:\n    output: true\n")
    site.write("s.txt", "a file\n")
    site.write("h.txt", "another file\n")
    site.write("y.md", "---\ntitle: Y\npermalink: /s.txt\n---\n# Y\n")
    site.write("_things/h.md", "---\ntitle: H\npermalink: /h.txt\n---\n# H\n")
    findings = site.findings("y.md", "_things/h.md")
    got = [(f.path, f.line, f.severity.value, f.message[:40].strip()) for f in findings]
    assert got == [
        ("_things/h.md", 3, "warning", "the static file h.txt is also written to"),
        ("y.md", 3, "error", "this page is not on the site: the static"),
    ]
    assert [r.path for r in findings[1].related] == ["s.txt"]
