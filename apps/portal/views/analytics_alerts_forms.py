"""The alert pages' forms: they turn what staff typed into a rule's fields (the query as URL-style
parameters, targets one per line); the analytics services check everything against the metric layer and
their messages land on the field they are about."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.analytics.models import AlertCondition, AlertReducer, AlertRule
from apps.core.discord import DISCORD_ID_PATTERN
from apps.notifications.choices import Severity

TARGET_HELP = (
    "One per line: email: ops@example.org · webhook: https://hooks.example.org/alerts · "
    "role: security_analyst · user: 12 · discord: https://discord.com/api/webhooks/…"
)
# a service's field name -> the form field showing its message
SERVICE_FIELDS = {
    "query.metrics": "metric",
    "query.grain": "grain",
    "query.group_by": "group_by",
    "query.filter": "filters",
}


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    guild_id = forms.RegexField(
        regex=DISCORD_ID_PATTERN,
        required=False,
        label=gettext_lazy("Guild id"),
        help_text=gettext_lazy("Empty: the whole platform."),
        error_messages={"invalid": "A guild id is the Discord server's number (digits only), or empty."},
    )
    metric = forms.CharField(max_length=64, widget=forms.TextInput(attrs={"list": "alert-metrics"}))
    grain = forms.CharField(
        max_length=8,
        initial="day",
        widget=forms.Select(choices=[(g, g) for g in ("hour", "day", "week", "month", "none")]),
    )
    group_by = forms.CharField(
        max_length=200, required=False, help_text=gettext_lazy("Comma-separated dimensions, e.g. league.")
    )
    filters = forms.CharField(
        max_length=1000,
        required=False,
        help_text=gettext_lazy("dimension=value,value; … e.g. league=nba,nhl; bet_type=single"),
    )
    window = forms.IntegerField(
        min_value=1, max_value=10_000, initial=1, help_text=gettext_lazy("Buckets of the grain evaluated.")
    )
    reducer = forms.ChoiceField(choices=AlertReducer.choices)
    condition = forms.ChoiceField(choices=AlertCondition.choices)
    threshold = forms.FloatField()
    threshold_high = forms.FloatField(required=False, help_text=gettext_lazy("The range's high end ('outside' only)."))
    pending_seconds = forms.IntegerField(min_value=0, initial=0, label=gettext_lazy("Pending period (seconds)"))
    interval_seconds = forms.IntegerField(min_value=10, initial=60, label=gettext_lazy("Evaluate every (seconds)"))
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.WARNING)
    targets = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=TARGET_HELP)

    def clean_filters(self) -> dict[str, str]:
        parsed = {}
        for part in self.cleaned_data["filters"].replace("\n", ";").split(";"):
            if not part.strip():
                continue
            dimension, equals, values = part.partition("=")
            if not equals or not dimension.strip() or not values.strip():
                raise forms.ValidationError(
                    _("%(part)r: write dimension=value,value (e.g. league=nba).") % {"part": part.strip()}
                )
            parsed[f"filter_{dimension.strip()}"] = values.strip()
        return parsed

    def clean_targets(self) -> list[dict]:
        targets = []
        for number, line in enumerate(self.cleaned_data["targets"].splitlines(), start=1):
            if not line.strip():
                continue
            kind, colon, value = line.partition(":")
            kind, value = kind.strip().lower(), value.strip()
            if not colon or not value:
                raise forms.ValidationError(
                    _("Line %(number)s: write kind: value (%(help)s).") % {"number": number, "help": TARGET_HELP}
                )
            key = {"email": "address", "role": "role", "user": "user_id"}.get(kind, "url")
            targets.append({"kind": kind, key: int(value) if key == "user_id" and value.isdigit() else value})
        return targets

    def rule_fields(self, tenant) -> dict:
        data = self.cleaned_data
        query = {"metrics": data["metric"], "grain": data["grain"], **data["filters"]}
        if data["group_by"]:
            query["group_by"] = data["group_by"]
        return {
            "name": data["name"],
            "description": data["description"],
            "tenant": tenant,
            "query": query,
            "window": data["window"],
            "reducer": data["reducer"],
            "condition": data["condition"],
            "threshold": data["threshold"],
            "threshold_high": data["threshold_high"],
            "pending_seconds": data["pending_seconds"],
            "interval_seconds": data["interval_seconds"],
            "severity": data["severity"],
            "targets": data["targets"],
        }

    def add_service_errors(self, fields: dict[str, list[str]], message: str) -> None:
        """Each message of the service on the field it is about (targets[1].url -> targets, line 2)."""
        for name, messages in fields.items():
            field = SERVICE_FIELDS.get(name, name)
            if name.startswith("targets["):
                line = int(name[len("targets[") : name.index("]")]) + 1
                messages, field = [f"Line {line}: {text}" for text in messages], "targets"
            if field not in self.fields:
                field = None
            for text in messages:
                self.add_error(field, text)
        if not fields:
            self.add_error(None, message)

    @classmethod
    def initial_for(cls, rule: AlertRule) -> dict:
        query = dict(rule.query)
        return {
            "name": rule.name,
            "description": rule.description,
            "guild_id": rule.tenant.guild_id if rule.tenant_id else "",
            "metric": query.pop("metrics", ""),
            "grain": query.pop("grain", "day"),
            "group_by": query.pop("group_by", ""),
            "filters": "; ".join(f"{key.removeprefix('filter_')}={value}" for key, value in sorted(query.items())),
            "window": rule.window,
            "reducer": rule.reducer,
            "condition": rule.condition,
            "threshold": rule.threshold,
            "threshold_high": rule.threshold_high,
            "pending_seconds": rule.pending_seconds,
            "interval_seconds": rule.interval_seconds,
            "severity": rule.severity,
            "targets": "\n".join(rule.target_labels),
        }


class SilenceForm(forms.Form):
    rule = forms.ModelChoiceField(
        queryset=AlertRule.objects.select_related("tenant").order_by("name", "pk"),
        required=False,
        empty_label=gettext_lazy("(by matchers)"),
        error_messages={"invalid_choice": "That alert rule does not exist: pick one from the list."},
    )
    matchers = forms.CharField(
        max_length=1000,
        required=False,
        help_text=gettext_lazy(
            "label=value; … over alertname, severity, tenant (guild id or platform), metric and the "
            "group-by dimensions, e.g. severity=warning; league=nba"
        ),
    )
    starts_at = forms.DateTimeField(
        required=False, label=gettext_lazy("Starts at (UTC)"), help_text=gettext_lazy("Empty: now.")
    )
    duration_minutes = forms.IntegerField(
        min_value=1, max_value=90 * 24 * 60, initial=60, label=gettext_lazy("Duration (minutes)")
    )
    comment = forms.CharField(max_length=500, help_text=gettext_lazy("Why: kept with the silence."))

    def clean_matchers(self) -> dict[str, str]:
        parsed = {}
        for part in self.cleaned_data["matchers"].replace("\n", ";").split(";"):
            if not part.strip():
                continue
            label, equals, value = part.partition("=")
            if not equals or not label.strip():
                raise forms.ValidationError(
                    _("%(part)r: write label=value (e.g. severity=warning).") % {"part": part.strip()}
                )
            parsed[label.strip()] = value.strip()
        return parsed


class EnableForm(forms.Form):
    is_enabled = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda value: value == "1")
