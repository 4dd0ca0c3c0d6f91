"""Signals of the analytics app."""

from django.dispatch import Signal

# tenant_ids: the tenants whose rollups a refresh or a rebuild just changed, sent after its commit (a live
# dashboard re-reads its widgets then: before it, a query would still see the previous figures)
rollups_refreshed = Signal()
