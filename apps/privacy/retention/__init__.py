"""Retention of personal and operational data: the data kinds, and running the policies over them."""
