"""Scores over time and manual attestations for what no check can see."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.compliance.models.catalogue import Framework, Requirement


class ScoreSnapshot(models.Model):
    """A framework's score and requirement counts on one day (the trend charts read these)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="score_snapshots")
    day = models.DateField()
    score = models.FloatField(null=True, blank=True, help_text="0-100; empty when nothing is assessed.")
    passing = models.PositiveIntegerField(default=0)
    failing = models.PositiveIntegerField(default=0)
    attested = models.PositiveIntegerField(default=0)
    manual = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["framework", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "day"], name="compliance_score_one_per_day"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="compliance_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework_id} {self.day}: {self.score}"


def attestation_upload_to(instance: "ManualAttestation", filename: str) -> str:
    return f"compliance/attestations/{instance.requirement_id}/{filename}"


class ManualAttestation(models.Model):
    """A person's signed statement that a requirement is met, with an evidence file, until it expires."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="attestations")
    statement = models.TextField()
    evidence_file = models.FileField(upload_to=attestation_upload_to, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attestations")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requirement", "-expires_at"], name="compliance_attestation_valid")]

    def __str__(self) -> str:
        return f"attestation of {self.requirement} until {self.expires_at:%Y-%m-%d}"

    @property
    def evidence_filename(self) -> str:
        return self.evidence_file.name.rsplit("/", 1)[-1] if self.evidence_file else ""
