"""Periodic jobs of deployment."""

SCHEDULES: list[dict] = []
