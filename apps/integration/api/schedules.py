"""Periodic jobs of API management."""

SCHEDULES: list[dict] = []
