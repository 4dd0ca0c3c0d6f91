"""Websocket URL patterns of all apps; each app with live pages adds its routing here."""

from apps.portal.routing import websocket_urlpatterns as portal_websocket_urlpatterns
from apps.security.routing import websocket_urlpatterns as security_websocket_urlpatterns

websocket_urlpatterns: list = [*security_websocket_urlpatterns, *portal_websocket_urlpatterns]
