"""The cache manager (see manager.py for the design)."""

from apps.core.cache.manager import (
    CacheMiss,
    CacheUnavailable,
    breaker,
    cache_bump,
    cache_get_or_set,
    cache_is_dirty,
    cache_only,
    cache_versions,
    lost_bumps_forget,
)
from apps.core.cache.stats import namespace_statistics

__all__ = [
    "CacheMiss",
    "CacheUnavailable",
    "breaker",
    "cache_only",
    "cache_bump",
    "cache_get_or_set",
    "cache_is_dirty",
    "cache_versions",
    "lost_bumps_forget",
    "namespace_statistics",
]
