"""DBSBM portal: project wiring (settings, urls, ASGI/WSGI, Celery)."""

from dbsbm.celery import app as celery_app

__all__ = ["celery_app"]
