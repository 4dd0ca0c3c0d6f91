"""Tests of the model registry."""
