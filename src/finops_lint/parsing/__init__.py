"""Parsing of one page: text decoding, front matter with positions, the Markdown body."""
