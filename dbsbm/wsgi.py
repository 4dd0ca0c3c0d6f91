"""WSGI entry point (the ASGI one in asgi.py is what the Procfile serves)."""

import os

from django.core.wsgi import get_wsgi_application

from apps.core.observability.tracing import tracing_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dbsbm.settings.local")

tracing_setup(process_kind="web")  # when configured; before the handler loads MIDDLEWARE
application = get_wsgi_application()
