"""Checks, runs, evidence, scores and attestations in the admin: results read-only, settings editable."""

import json

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.compliance.checks.registry import checks_for
from apps.compliance.models import CheckRun, CheckSetting, EvidenceItem, ManualAttestation, ScoreSnapshot
from apps.compliance.services.attestations import attestation_save
from apps.compliance.services.settings import check_setting_save
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin


class CheckSettingForm(forms.ModelForm):
    class Meta:
        model = CheckSetting
        fields = ["check_id", "is_enabled", "auto_remediation_enabled", "frequency_minutes"]

    def clean(self):
        data = super().clean()
        found = checks_for(check_id=data.get("check_id") or "")
        if data.get("auto_remediation_enabled") and not (found and found[0].remediation):
            raise forms.ValidationError({"auto_remediation_enabled": _("This check offers no auto-remediation.")})
        return data


@admin.register(CheckSetting)
class CheckSettingAdmin(ModelAdmin):
    form = CheckSettingForm
    list_display = ["check_id", "is_enabled", "auto_remediation_enabled", "frequency_minutes", "updated_at"]
    list_filter = ["is_enabled", "auto_remediation_enabled"]
    search_fields = ["check_id"]

    def save_model(self, request, obj, form, change):
        check_setting_save(setting=obj, actor=actor_for_request(request))  # audited


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "check_id", "status", "severity", "summary", "duration_ms", "started_at"]
    list_filter = ["status", "severity", "check_id"]
    search_fields = ["check_id", "summary"]
    readonly_fields = ["evidence_pretty"]
    exclude = ["evidence"]

    @admin.display(description="evidence")
    def evidence_pretty(self, run: CheckRun):
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(run.evidence, indent=2))


@admin.register(EvidenceItem)
class EvidenceItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "source", "summary", "collected_at"]
    list_filter = ["kind", "source"]
    search_fields = ["summary"]


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["framework", "day", "score", "passing", "failing", "attested", "manual", "total"]
    list_filter = ["framework"]
    list_select_related = ["framework"]


@admin.register(ManualAttestation)
class ManualAttestationAdmin(ModelAdmin):
    list_display = ["id", "requirement", "owner", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["requirement", "owner"]
    raw_id_fields = ["requirement"]
    search_fields = ["requirement__ref", "statement"]
    readonly_fields = ["evidence_sha256", "owner", "created_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        # the service hashes the upload and records the audit event
        if not change:
            obj.owner = request.user
        attestation_save(attestation=obj, actor=actor_for_request(request))
