"""Writes src/finops_lint/parsing/ruby_unicode.py from the Ruby that runs kramdown.

    python tests/oracle/gen_ruby_unicode.py        # rewrite the module
    python tests/oracle/gen_ruby_unicode.py --check  # exit 1 if it is stale

Heading ids depend on what Ruby's regexp engine calls a word character, on
Ruby's String#downcase (no Greek final sigma, Ruby's Unicode version) and on
kramdown's entity table. Python's own tables differ in places, so the module
carries Ruby's, generated here and checked by tests/oracle/test_heading_ids.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE.parents[1] / "src" / "finops_lint" / "parsing" / "ruby_unicode.py"


def ruby_tables() -> dict:
    out = subprocess.run(
        ["ruby", str(HERE / "ruby_unicode.rb")], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def _cls(cp: int) -> str:
    return f"\\U{cp:08x}" if cp > 0xFFFF else f"\\u{cp:04x}"


def _class_lines(ranges: list[list[int]]) -> list[str]:
    lines = []
    line = ""
    for a, b in ranges:
        part = _cls(a) if a == b else f"{_cls(a)}-{_cls(b)}"
        if len(line) + len(part) > 80:
            lines.append(line)
            line = ""
        line += part
    lines.append(line)
    return lines


def render(data: dict) -> str:
    word_lines = _class_lines(data["word"])
    alpha_lines = _class_lines(data["alpha"])
    down = " ".join(
        f"{k:x}:{','.join(f'{c:x}' for c in v)}" for k, v in data["downcase"] if k > 0x7F
    )
    down_lines = [down[i : i + 88] for i in range(0, len(down), 88)]
    ents = " ".join(f"{name}:{cp:x}" for name, cp in data["entities"].items())
    ent_lines = [ents[i : i + 88] for i in range(0, len(ents), 88)]
    numeric = "".join(f"    {k}: {v},\n" for k, v in data["numeric_entities"])
    q = '"'
    return (
        '"""Ruby\'s character tables for heading ids. GENERATED: do not edit.\n\n'
        "Written by tests/oracle/gen_ruby_unicode.py from Ruby "
        f"{data['ruby']} (Unicode {data['unicode']}) and kramdown {data['kramdown']}.\n"
        "Long because it is data, not code: regenerate it with that script, never split it.\n"
        '"""\n\n'
        f"RUBY = {q}{data['ruby']}{q}\n"
        f"UNICODE = {q}{data['unicode']}{q}\n"
        f"KRAMDOWN = {q}{data['kramdown']}{q}\n\n"
        "#: the code points Ruby's /\\p{Word}/ matches, as a regex class body\n"
        "WORD_CLASS = (\n" + "".join(f"    r{q}{w}{q}\n" for w in word_lines) + ")\n\n"
        "#: the code points Ruby's /[[:alpha:]]/ matches (Unicode Alphabetic)\n"
        "ALPHA_CLASS = (\n" + "".join(f"    r{q}{w}{q}\n" for w in alpha_lines) + ")\n\n"
        "#: Ruby's String#downcase for non-ASCII code points it changes (hex: hex,hex...)\n"
        "DOWNCASE = (\n" + "".join(f"    {q}{d}{q}\n" for d in down_lines) + ")\n\n"
        "#: kramdown's named entities (name:hex code point)\n"
        "ENTITIES = (\n" + "".join(f"    {q}{e}{q}\n" for e in ent_lines) + ")\n\n"
        "#: numeric character references kramdown maps to another code point\n"
        f"NUMERIC_ENTITIES = {{\n{numeric}}}\n"
    )


def main() -> int:
    text = render(ruby_tables())
    if "--check" in sys.argv:
        return 0 if TARGET.read_text(encoding="utf-8") == text else 1
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
