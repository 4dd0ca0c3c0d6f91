"""Periodic jobs of this area (joined in apps/integration/schedules.py)."""

SCHEDULES: list[dict] = []
