"""WSGI entry point (the ASGI one in asgi.py is what the Procfile serves)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dbsbm.settings.local")

application = get_wsgi_application()
