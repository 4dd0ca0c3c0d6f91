"""Celery tasks of deployment."""
