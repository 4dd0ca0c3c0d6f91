"""Forms of the experiments and bandit pages: shapes only; the ml services judge the rest."""

from django import forms
from django.utils.translation import gettext, gettext_lazy

from apps.ml.experiments.choices import MetricKind, UnitKind


class ExperimentForm(forms.Form):
    key = forms.SlugField(
        max_length=64, help_text=gettext_lazy("Letters, digits, - and _; stable: units hash with it.")
    )
    hypothesis = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    unit_kind = forms.ChoiceField(choices=UnitKind.choices)
    metric = forms.CharField(max_length=64)
    metric_kind = forms.ChoiceField(choices=MetricKind.choices)
    variants = forms.CharField(
        max_length=500,
        initial="control:1, treatment:1",
        help_text=gettext_lazy("name:weight, comma-separated; the first is control."),
    )
    baseline_rate = forms.FloatField(
        required=False, min_value=0, max_value=1, help_text=gettext_lazy("Conversion: control's rate.")
    )
    baseline_sd = forms.FloatField(
        required=False, min_value=0, help_text=gettext_lazy("Mean: the metric's standard deviation.")
    )
    minimum_detectable_effect = forms.FloatField(
        min_value=0.000001, help_text=gettext_lazy("Absolute difference to detect.")
    )
    alpha = forms.FloatField(initial=0.05, min_value=0.0001, max_value=0.5)
    power = forms.FloatField(initial=0.8, min_value=0.5, max_value=0.999)

    def clean_variants(self) -> list[dict]:
        variants = []
        for part in self.cleaned_data["variants"].split(","):
            name, _, weight = part.strip().partition(":")
            try:
                variants.append({"name": name.strip(), "weight": float(weight)})
            except ValueError:
                raise forms.ValidationError(gettext("%(part)r is not name:weight.") % {"part": part.strip()}) from None
        return variants


class StopForm(forms.Form):
    reason = forms.CharField(max_length=300)


class BanditForm(forms.Form):
    model_name = forms.SlugField(max_length=64, help_text=gettext_lazy("The registered model whose traffic it routes."))
    arms = forms.CharField(
        max_length=300, initial="champion, challenger", help_text=gettext_lazy("Aliases, comma-separated.")
    )
    prior_alpha = forms.FloatField(initial=1.0, min_value=0.001, max_value=10000)
    prior_beta = forms.FloatField(initial=1.0, min_value=0.001, max_value=10000)
    minimum_share = forms.FloatField(
        initial=0.05, min_value=0, max_value=0.5, help_text=gettext_lazy("Per arm, drawn at random.")
    )

    def clean_arms(self) -> list[str]:
        return [alias.strip() for alias in self.cleaned_data["arms"].split(",") if alias.strip()]


class SimulationForm(forms.Form):
    rate_a = forms.FloatField(initial=0.05, min_value=0, max_value=1, label=gettext_lazy("True rate of arm A"))
    rate_b = forms.FloatField(initial=0.07, min_value=0, max_value=1, label=gettext_lazy("True rate of arm B"))
    steps = forms.IntegerField(initial=2000, min_value=10, max_value=5000)
    seeds = forms.IntegerField(initial=5, min_value=1, max_value=10)
