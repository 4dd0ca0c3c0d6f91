"""Enumerations of experiments and bandits."""

from django.db import models


class UnitKind(models.TextChoices):
    CAPPER = "capper", "Capper"
    TENANT = "tenant", "Tenant"


class ExperimentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"


class MetricKind(models.TextChoices):
    CONVERSION = "conversion", "Conversion (0 or 1 per unit)"
    MEAN = "mean", "Mean of a number per unit"
