"""Rule docs (Markdown) made readable on a terminal, for `finops-lint explain`.

Only what the rule docs use: ATX headings, **bold**, _italic_ / *italic*,
`code`, [links](url) and fenced code blocks. With colour, bold is bold, code is
cyan and code blocks are dim; without, the markup characters are dropped (code
keeps its backticks) and headings are underlined.
"""

from __future__ import annotations

import re

_BOLD, _ITALIC, _DIM, _CYAN, _RESET = "\x1b[1m", "\x1b[3m", "\x1b[2m", "\x1b[36m", "\x1b[0m"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")


def render_markdown(text: str, *, color: bool) -> str:
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            if fence is None:
                fence = marker
                continue
            if marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
                continue
        if fence is not None:
            out.append("    " + (f"{_DIM}{line}{_RESET}" if color and line else line))
            continue
        h = _HEADING.match(line)
        if h:
            title = _inline(h.group(2), color=False)
            if color:
                out.append(f"{_BOLD}{title}{_RESET}")
            else:
                out += [title, ("=" if len(h.group(1)) == 1 else "-") * len(title)]
            continue
        out.append(_inline(line, color=color))
    return "\n".join(out).rstrip() + "\n"


def _inline(line: str, *, color: bool) -> str:
    # Code spans first, kept away from the emphasis rules.
    spans: list[str] = []

    def keep(m: re.Match[str]) -> str:
        code = m.group(2).strip() if m.group(2).strip() else m.group(2)
        spans.append(f"{_CYAN}{code}{_RESET}" if color else f"`{code}`")
        return f"\0{len(spans) - 1}\0"

    line = _CODE.sub(keep, line)
    line = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", line)
    line = _STRONG.sub(lambda m: f"{_BOLD}{m.group(1)}{_RESET}" if color else m.group(1), line)
    line = _EMPHASIS.sub(lambda m: f"{_ITALIC}{m.group(2)}{_RESET}" if color else m.group(2), line)
    return re.sub(r"\0(\d+)\0", lambda m: spans[int(m.group(1))], line)
