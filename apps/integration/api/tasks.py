"""Celery tasks of API management (usage roll-up)."""
