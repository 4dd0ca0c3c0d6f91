"""The cache manager (see manager.py for the design)."""

from apps.core.cache.manager import (
    CacheUnavailable,
    breaker,
    cache_bump,
    cache_get_or_set,
    cache_is_dirty,
    cache_versions,
)
from apps.core.cache.stats import namespace_statistics

__all__ = [
    "CacheUnavailable",
    "breaker",
    "cache_bump",
    "cache_get_or_set",
    "cache_is_dirty",
    "cache_versions",
    "namespace_statistics",
]
