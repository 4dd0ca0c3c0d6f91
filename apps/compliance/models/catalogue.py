"""Framework catalogues: frameworks, their requirement trees and the mappings between frameworks.

Catalogues are data (apps/compliance/catalogues/*.yaml, or an imported OSCAL catalog); these rows are
synced from that data by services and are never edited by hand. A requirement is addressed across
the app as ``"<framework id>:<ref>"`` (for example ``"soc2:CC6.1"``).
"""

from django.db import models
from django.db.models import Q

from apps.compliance.choices import FrameworkSource, MappingRelation


class Framework(models.Model):
    """One framework or control set at one version (the id is stable across versions)."""

    id = models.SlugField(primary_key=True, max_length=64)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=FrameworkSource.choices, default=FrameworkSource.CATALOGUE)
    description = models.TextField(blank=True)
    source_checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the file last loaded.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=FrameworkSource.values), name="compliance_framework_source")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class Requirement(models.Model):
    """One requirement (or group, or control enhancement) of a framework; `parent` builds the tree."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="requirements")
    ref = models.CharField(max_length=64, help_text="The framework's own id, e.g. CC6.1, A.5.15, ac-2.1.")
    title = models.CharField(max_length=300)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order within the catalogue.")
    is_group = models.BooleanField(default=False, help_text="A heading of the tree rather than a requirement.")

    class Meta:
        ordering = ["framework", "position", "ref"]
        constraints = [models.UniqueConstraint(fields=["framework", "ref"], name="compliance_requirement_unique_ref")]

    def __str__(self) -> str:
        return f"{self.framework_id}:{self.ref}"

    @property
    def key(self) -> str:
        return f"{self.framework_id}:{self.ref}"


class RequirementMapping(models.Model):
    """A requirement of one framework that covers (part of) a requirement of another."""

    source = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="mappings_out")
    target = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="mappings_in")
    relation = models.CharField(max_length=16, choices=MappingRelation.choices, default=MappingRelation.RELATED)

    class Meta:
        ordering = ["source", "target"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="compliance_mapping_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="compliance_mapping_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"
