"""The bet repair actions: settle, void and correct, each through an intermediate page.

Like Django's "delete selected": the action's first POST renders a page asking for a reason (and,
for settle and correct, the legs' results); that page posts back to the changelist with `apply`,
and the action then calls the service once per bet with the staff user as actor. A bet the service
refuses becomes an error message; the others go through.
"""

from django.contrib import admin, messages
from django.db.models import Prefetch, QuerySet

from apps.betting import services
from apps.betting.admin.forms import LegResultsForm, ReasonForm, leg_field_name
from apps.betting.choices import FINAL_BET_STATUSES, OPEN_BET_STATUSES, BetStatus, LegResult
from apps.betting.choices import SettlementSource as Source
from apps.betting.models import Bet, BetLeg
from apps.core.actors import actor_for_request
from apps.core.admin.tools import action_page
from apps.core.errors import ApplicationError

# an intermediate page lists every selected bet with a select per leg: keep it a page, not a dump
MAX_BETS_PER_ACTION = 100
ACTION_TEMPLATE = "admin/betting/bet/action_form.html"


def with_legs(queryset: QuerySet[Bet]) -> QuerySet[Bet]:
    """Bets with their tenant, capper and legs (and the legs' games) loaded in three queries."""
    legs = BetLeg.objects.select_related("game__home_team", "game__away_team").order_by("position")
    return queryset.select_related("tenant", "capper").prefetch_related(Prefetch("legs", queryset=legs))


class BetRepairActions:
    """The actions of the bet admin; "change" permission on bets is the right to run them."""

    actions = ["settle_selected", "void_selected", "correct_result"]

    def _action_page(self, request, *, action: str, title: str, intro: str, bets, form, warnings=()):
        rows = [
            {
                "bet": bet,
                "legs": [
                    (leg, form[leg_field_name(leg)] if leg_field_name(leg) in form.fields else None)
                    for leg in bet.legs.all()
                ],
            }
            for bet in bets
        ]
        context = {"title": title, "intro": intro, "warnings": warnings, "action": action, "rows": rows, "form": form}
        return action_page(self, request, ACTION_TEMPLATE, context)

    def _too_many(self, request, bets: list[Bet]) -> bool:
        if len(bets) > MAX_BETS_PER_ACTION:
            self.message_user(
                request,
                f"Select at most {MAX_BETS_PER_ACTION} bets at a time (you selected {len(bets)}).",
                messages.ERROR,
            )
            return True
        return False

    @admin.action(description="Settle selected bets (staff settlement, with a reason)", permissions=["change"])
    def settle_selected(self, request, queryset):
        bets = list(with_legs(queryset.filter(status__in=OPEN_BET_STATUSES)))
        if not bets:
            self.message_user(
                request, "None of the selected bets is open: correct a settled bet instead.", messages.ERROR
            )
            return None
        if self._too_many(request, bets):
            return None
        pending_legs = [leg for bet in bets for leg in bet.legs.all() if leg.result == LegResult.PENDING]
        form = LegResultsForm(request.POST if "apply" in request.POST else None, legs=pending_legs, is_required=False)
        if form.is_bound and form.is_valid():
            self._settle(request, bets, form)
            return None
        not_open = queryset.exclude(status__in=OPEN_BET_STATUSES).count()
        warnings = [f"{not_open} selected bet(s) are already settled and left out."] if not_open else []
        return self._action_page(
            request,
            action="settle_selected",
            title="Settle bets",
            intro="Grade the pending legs; a bet is settled once none of its legs is pending.",
            bets=bets,
            form=form,
            warnings=warnings,
        )

    def _settle(self, request, bets: list[Bet], form: LegResultsForm) -> None:
        actor, reason = actor_for_request(request), form.cleaned_data["reason"]
        settled = graded = 0
        for bet in bets:
            results = form.leg_results([leg for leg in bet.legs.all() if leg.result == LegResult.PENDING])
            if not results:
                continue
            try:
                saved = services.bet_settle(
                    bet=bet,
                    actor=actor,
                    leg_results=results,
                    reason=reason,
                    settled_by=request.user.get_username(),
                    source=Source.STAFF,
                )
            except ApplicationError as error:
                self.message_user(request, f"Bet {bet.external_id}: {error.message}", messages.ERROR)
                continue
            if saved.status in FINAL_BET_STATUSES:
                settled += 1
            else:
                graded += 1
        if settled or graded:
            still_open = f"; {graded} bet(s) had legs graded and stay open" if graded else ""
            self.message_user(request, f"{settled} bet(s) settled{still_open}.", messages.SUCCESS)

    @admin.action(description="Void selected bets (with a reason)", permissions=["change"])
    def void_selected(self, request, queryset):
        bets = list(with_legs(queryset.exclude(status=BetStatus.VOID)))
        if not bets:
            self.message_user(request, "The selected bets are already void.", messages.WARNING)
            return None
        if self._too_many(request, bets):
            return None
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            actor, voided = actor_for_request(request), 0
            for bet in bets:
                try:
                    services.bet_void(bet=bet, actor=actor, reason=form.cleaned_data["reason"], source=Source.STAFF)
                except ApplicationError as error:
                    self.message_user(request, f"Bet {bet.external_id}: {error.message}", messages.ERROR)
                    continue
                voided += 1
            if voided:
                self.message_user(request, f"{voided} bet(s) voided.", messages.SUCCESS)
            return None
        return self._action_page(
            request,
            action="void_selected",
            title="Void bets",
            intro="A voided bet counts as no bet; a settled bet's ledger entry is reversed first.",
            bets=bets,
            form=form,
        )

    @admin.action(description="Correct the result of one settled bet (with a reason)", permissions=["change"])
    def correct_result(self, request, queryset):
        bets = list(with_legs(queryset)[:2])
        if len(bets) != 1:
            self.message_user(request, "Select exactly one bet to correct.", messages.ERROR)
            return None
        bet = bets[0]
        if bet.status not in FINAL_BET_STATUSES or bet.status == BetStatus.CANCELLED:
            self.message_user(
                request, f"Bet {bet.external_id} is {bet.status}: only a settled bet can be corrected.", messages.ERROR
            )
            return None
        legs = list(bet.legs.all())
        form = LegResultsForm(request.POST if "apply" in request.POST else None, legs=legs, is_required=True)
        if form.is_bound and form.is_valid():
            try:
                saved = services.bet_correct(
                    bet=bet,
                    actor=actor_for_request(request),
                    leg_results=form.leg_results(legs),
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                self.message_user(request, f"Bet {bet.external_id}: {error.message}", messages.ERROR)
                return None
            self.message_user(
                request,
                f"Bet {saved.external_id} corrected: now {saved.status}, {saved.net_units:+} units.",
                messages.SUCCESS,
            )
            return None
        return self._action_page(
            request,
            action="correct_result",
            title="Correct a settled bet",
            intro="Set every leg's result: the current settlement is reversed in the ledger and the new one appended.",
            bets=bets,
            form=form,
        )
