"""The registry's enumerations: what a service is, how a check probes it, what a check found."""

from django.db import models


class ServiceKind(models.TextChoices):
    WEB = "web", "Web"
    WORKER = "worker", "Celery worker"
    BEAT = "beat", "Celery beat"
    DATABASE = "database", "Database"
    CACHE = "cache", "Redis"
    BROKER = "broker", "Broker"
    FEED = "feed", "Feed upstream"
    WEBHOOK = "webhook", "Webhook upstream"
    OTHER = "other", "Other"


class CheckKind(models.TextChoices):
    HTTP = "http", "HTTP"
    TCP = "tcp", "TCP connect"
    SQL = "sql", "SQL"
    REDIS = "redis", "Redis PING"
    CELERY_PING = "celery_ping", "Celery worker ping"
    TTL = "ttl", "Heartbeat TTL"


class CheckStatus(models.TextChoices):
    PASSING = "passing", "Passing"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


# the worse of two statuses wins when an instance's checks are summed up
STATUS_SEVERITY = {CheckStatus.PASSING: 0, CheckStatus.WARNING: 1, CheckStatus.CRITICAL: 2}


class InstanceSource(models.TextChoices):
    ANNOUNCED = "announced", "Announced by the process"
    DISCOVERED = "discovered", "Discovered from configuration"
    REGISTERED = "registered", "Registered by code"
