"""Websocket URL patterns of all apps; each app with live pages adds its routing here."""

websocket_urlpatterns: list = []
