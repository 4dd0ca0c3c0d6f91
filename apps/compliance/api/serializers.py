from rest_framework import serializers

from apps.compliance.choices import CheckStatus, RequirementStatus, Severity
from apps.compliance.models import CheckRun
from apps.core.api.serializers import DateTimeField

# plain strings with their values documented: the enum names "status" and "severity" are taken by other apps
CHECK_STATUS_HELP = f"One of {', '.join(CheckStatus.values)}"
SEVERITY_HELP = f"One of {', '.join(Severity.values)}"


class FrameworkSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    source = serializers.CharField()
    requirement_count = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True, help_text="0-100 (see the scoring rule); null: nothing assessed")
    passing = serializers.IntegerField()
    failing = serializers.IntegerField()
    error = serializers.IntegerField()
    attested = serializers.IntegerField()
    manual = serializers.IntegerField()
    coverage = serializers.FloatField(
        allow_null=True, help_text="Share of requirements assessed (automated or attested)"
    )


class RequirementCheckSerializer(serializers.Serializer):
    check_run_id = serializers.IntegerField()
    check_id = serializers.CharField()
    status = serializers.CharField(help_text=CHECK_STATUS_HELP)
    severity = serializers.CharField(help_text=SEVERITY_HELP)
    summary = serializers.CharField()
    evidence_sha256 = serializers.CharField()
    started_at = DateTimeField()


class RequirementSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    parent_ref = serializers.CharField(allow_null=True)
    is_group = serializers.BooleanField()
    status = serializers.CharField(
        allow_blank=True, help_text=f"One of {', '.join(RequirementStatus.values)}; empty for groups (tree headings)."
    )
    attestation_id = serializers.IntegerField(allow_null=True)
    checks = RequirementCheckSerializer(many=True, help_text="The latest run of each check evidencing it.")


class CheckRunSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="check_id")
    status = serializers.CharField(help_text=CHECK_STATUS_HELP)
    severity = serializers.CharField(help_text=SEVERITY_HELP)

    class Meta:
        model = CheckRun
        fields = [
            "id",
            "check",
            "check_version",
            "status",
            "severity",
            "summary",
            "requirements",
            "evidence",
            "evidence_sha256",
            "remediation",
            "duration_ms",
            "started_at",
            "finished_at",
            "trigger",
        ]
        read_only_fields = fields
