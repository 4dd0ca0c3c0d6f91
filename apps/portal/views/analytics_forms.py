"""The forms of the analytics pages: a dashboard's settings and a new widget. They check the shape of the input;
the analytics services check what it means (the metric layer's 400s name what is allowed)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.analytics.models import ChartType, DashboardKind, DashboardScope
from apps.analytics.models.dashboards import TIME_RANGES

RANGE_CHOICES = [(value, value) for value in TIME_RANGES]
REFRESH_HELP = "0: live updates only; else redraw every N seconds (10 or more)."


class DashboardForm(forms.Form):
    title = forms.CharField(max_length=120)
    description = forms.CharField(max_length=400, required=False)
    time_range = forms.ChoiceField(choices=RANGE_CHOICES, initial="30d", label=gettext_lazy("Default time range"))
    refresh_seconds = forms.IntegerField(min_value=0, max_value=86400, initial=0, help_text=REFRESH_HELP)


class DashboardCreateForm(DashboardForm):
    scope = forms.ChoiceField(choices=DashboardScope.choices, initial=DashboardScope.PLATFORM)
    tenant = forms.CharField(
        max_length=20,
        required=False,
        label=gettext_lazy("Tenant guild id"),
        help_text=gettext_lazy("Tenant scope: empty to pick when viewing."),
    )
    kind = forms.ChoiceField(choices=DashboardKind.choices, initial=DashboardKind.CUSTOM)


def _split_filters(text: str) -> dict[str, str]:
    """ "league=nba,nhl; market=spread" -> {"filter_league": "nba,nhl", "filter_market": "spread"}."""
    filters = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise forms.ValidationError(
                _("%(part)r: write dimension=value,value (e.g. league=nba,nhl).") % {"part": part.strip()}
            )
        name, values = part.split("=", 1)
        filters[f"filter_{name.strip()}"] = values.strip()
    return filters


class WidgetForm(forms.Form):
    """A new widget: metrics with their grouping and grain, or a panel; a chart type; a few options."""

    title = forms.CharField(max_length=120)
    chart_type = forms.ChoiceField(choices=ChartType.choices)
    metrics = forms.MultipleChoiceField(
        required=False, help_text=gettext_lazy("One or more (a scatter takes x, then y).")
    )
    group_by = forms.MultipleChoiceField(required=False)
    grain = forms.ChoiceField(choices=[(g, g) for g in ("day", "hour", "week", "month", "none")], initial="day")
    filters = forms.CharField(
        required=False, max_length=400, help_text=gettext_lazy("e.g. league=nba,nhl; market=spread")
    )
    panel = forms.ChoiceField(required=False, label=gettext_lazy("…or a panel"))
    top = forms.IntegerField(required=False, min_value=1, max_value=50, label=gettext_lazy("Show the top N"))
    stacked = forms.BooleanField(required=False)
    horizontal = forms.BooleanField(required=False, label=gettext_lazy("Horizontal bars"))
    forecast = forms.BooleanField(required=False, label=gettext_lazy("Forecast band (line)"))

    def __init__(self, *args, catalogue: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metrics"].choices = [(m["name"], m["label"]) for m in catalogue["metrics"]]
        self.fields["group_by"].choices = [(name, name) for name in catalogue["dimensions"]]
        self.fields["panel"].choices = [("", "—"), *((p["name"], p["label"]) for p in catalogue["panels"])]

    def clean_filters(self) -> dict[str, str]:
        return _split_filters(self.cleaned_data.get("filters") or "")

    def clean(self):
        data = super().clean()
        if not data.get("panel") and not data.get("metrics"):
            raise forms.ValidationError(_("Choose at least one metric, or a panel."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        options = {name: data[name] for name in ("stacked", "horizontal", "forecast") if data.get(name)}
        if data.get("top"):
            options["top"] = data["top"]
        query = {}
        if not data.get("panel"):
            query = {"metrics": ",".join(data["metrics"]), "grain": data["grain"], **data["filters"]}
            if data.get("group_by"):
                query["group_by"] = ",".join(data["group_by"])
        return {
            "title": data["title"],
            "chart_type": data["chart_type"],
            "query": query,
            "panel": data.get("panel") or "",
            "options": options,
        }
