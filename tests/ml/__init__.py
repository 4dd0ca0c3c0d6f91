"""Tests of the ml app (issue #16)."""
