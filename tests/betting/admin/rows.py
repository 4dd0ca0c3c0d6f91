"""Sizes shared by the betting admin fixtures (conftest.py) and their tests."""

ROWS = 32  # more rows than any query budget: one query per row cannot hide
