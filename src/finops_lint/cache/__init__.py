"""The result cache: findings of unchanged files reused from the last run (see results.py)."""
