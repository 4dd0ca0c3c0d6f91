"""Celery tasks of this area (thin: one service call each); imported by apps/integration/tasks.py."""
