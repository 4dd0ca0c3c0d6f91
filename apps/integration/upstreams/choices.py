from django.db import models

from apps.core.outbound import strategies


class BalancingStrategy(models.TextChoices):
    """How an upstream with several endpoints spreads its calls (apps/core/outbound/strategies.py)."""

    ROUND_ROBIN = strategies.ROUND_ROBIN, "Round robin"
    WEIGHTED_ROUND_ROBIN = strategies.WEIGHTED_ROUND_ROBIN, "Weighted round robin (smooth)"
    LEAST_CONNECTIONS = strategies.LEAST_CONNECTIONS, "Least connections"
    LEAST_RESPONSE_TIME = strategies.LEAST_RESPONSE_TIME, "Least response time (EWMA)"
    CONSISTENT_HASH = strategies.CONSISTENT_HASH, "Consistent hashing"
