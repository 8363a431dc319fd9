"""Output formats for findings: text, json, sarif, junit, github, statistics."""
