"""API management URLs: usage per key and route (`GET /tenants/{guild_id}/usage/`)."""

urlpatterns: list = []
