"""URLs of this area (included by apps/integration/api/urls.py or dbsbm/urls.py)."""

urlpatterns: list = []
