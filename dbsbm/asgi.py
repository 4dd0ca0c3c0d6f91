"""ASGI entry point: HTTP through Django, websockets through the Channels routing of all apps."""

import os

from django.core.asgi import get_asgi_application

from apps.core.observability.tracing import asgi_traced, tracing_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dbsbm.settings.local")

# Tracing (when configured): psycopg, redis-py and Celery instrumented; server spans from the ASGI middleware.
tracing_setup(process_kind="web", asgi=True)
# Django must be set up before anything imports models (consumers do).
django_asgi_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from apps.core.middleware import ConditionalGetASGI  # noqa: E402
from apps.core.scheduler import lifespan_application  # noqa: E402
from dbsbm.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # 304s of versioned API reads answered before Django's handler (apps/core/middleware.py)
        "http": asgi_traced(ConditionalGetASGI(django_asgi_application)),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        # the embedded configuration runs beat's schedule in this process (apps/core/scheduler.py)
        "lifespan": lifespan_application(),
    }
)
