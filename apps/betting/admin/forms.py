"""The intermediate forms of the bet repair actions: a required reason and, where needed, leg results."""

from django import forms
from django.utils.translation import gettext as _

from apps.betting.choices import SETTLE_RESULT_CHOICES, LegResult
from apps.betting.models import BetLeg, Capper
from apps.core.discord import validate_discord_id

REASON_MAX_LENGTH = 500  # what a ledger entry keeps


def leg_field_name(leg: BetLeg) -> str:
    return f"leg_{leg.pk}"


class ReasonForm(forms.Form):
    """Every staff repair says why: the reason goes to the ledger entries and the audit trail."""

    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Kept with the ledger entries and the audit event.",
    )


class ScoreCorrectionForm(ReasonForm):
    """The corrected final score of one game, and why (services/corrections.py)."""

    home_score = forms.IntegerField(min_value=0, max_value=10_000)
    away_score = forms.IntegerField(min_value=0, max_value=10_000)


class LegResultsForm(ReasonForm):
    """A result per leg: optional when settling (a leg may stay pending), required when correcting."""

    def __init__(self, *args, legs: list[BetLeg], is_required: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.legs = legs
        self.is_required = is_required
        empty = "---------" if is_required else "— leave pending —"
        for leg in legs:
            self.fields[leg_field_name(leg)] = forms.ChoiceField(
                choices=[("", empty), *SETTLE_RESULT_CHOICES],
                required=is_required,
                initial="" if leg.result == LegResult.PENDING else leg.result,
                label=f"leg {leg.position}",
            )

    def clean(self):
        cleaned = super().clean()
        if not self.is_required and self.legs and not any(cleaned.get(leg_field_name(leg)) for leg in self.legs):
            raise forms.ValidationError(_("Choose a result for at least one leg."))
        return cleaned

    def leg_results(self, legs: list[BetLeg]) -> dict[int, str]:
        """The chosen results of these legs (those left empty are not graded)."""
        return {
            leg.pk: self.cleaned_data[leg_field_name(leg)] for leg in legs if self.cleaned_data.get(leg_field_name(leg))
        }


class CapperAddForm(forms.ModelForm):
    """A new capper: the Discord user is registered as a member of the tenant first if needed."""

    discord_user_id = forms.CharField(
        max_length=20, validators=[validate_discord_id], help_text="The capper's Discord user id."
    )
    username = forms.CharField(max_length=100, help_text="Their Discord username (used for a new member).")
    avatar_url = forms.URLField(max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Capper
        fields = ["tenant", "discord_user_id", "username", "display_name", "avatar_url"]
