"""Routes of the ml API under /api/v1/ (one include line per area)."""

urlpatterns = []
