"""finops-lint: lint and validate Markdown content repositories built with Jekyll."""

__version__ = "0.2.0"
