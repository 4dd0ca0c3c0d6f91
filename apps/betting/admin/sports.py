"""Sports data in the admin: sports, leagues and teams to look at, games to repair and grade.

Sports, leagues and teams arrive with the provider's games (`game_upsert` creates them by name) and
have no services of their own, so their pages are read-only. A game's schedule and status change
through `game_upsert`, its final score through `game_record_result`; a final game's page is
read-only, and a wrong final score is corrected by the "Correct the final score" action (a reason,
an audit event, re-grading with ledger reversal: services/corrections.py).
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from apps.betting import services
from apps.betting.admin.forms import ScoreCorrectionForm
from apps.betting.admin.odds import current_odds_table, odds_history_link
from apps.betting.choices import GameStatus
from apps.betting.models import Game, League, Sport, Team
from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ServiceAdminMixin, action_page
from apps.core.errors import ApplicationError
from apps.core.exports import Column

# statuses that end a game: recorded through game_record_result, which enqueues grading
RESULT_STATUSES = (GameStatus.FINAL, GameStatus.CANCELLED)
GRADABLE_STATUSES = RESULT_STATUSES


@admin.register(Sport)
class SportAdmin(ReadOnlyAdmin):
    list_display = ["name", "key"]
    search_fields = ["name", "key"]


@admin.register(League)
class LeagueAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "sport"]
    list_filter = ["sport"]
    search_fields = ["name", "key"]
    list_select_related = ["sport"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "abbreviation", "league"]
    list_filter = ["league__sport", "league"]
    search_fields = ["name", "abbreviation"]
    list_select_related = ["league"]


def grade_games(model_admin: admin.ModelAdmin, request, game_ids) -> None:
    """Run auto-grading on each game (one transaction each) and tell the user what it did."""
    actor = actor_for_request(request)
    games = legs = settled = flagged = 0
    for game_id in sorted(set(game_ids)):
        try:
            outcome = services.game_grade(game_id=game_id, actor=actor)
        except ApplicationError as error:
            model_admin.message_user(request, f"Game {game_id}: {error.message}", messages.ERROR)
            continue
        games += 1
        legs += outcome.legs_graded
        settled += outcome.bets_settled
        flagged += outcome.bets_flagged
    model_admin.message_user(
        request,
        f"Auto-graded {games} game(s): {legs} leg(s) graded, {settled} bet(s) settled, "
        f"{flagged} bet(s) flagged for review.",
        messages.SUCCESS,
    )


class GameAdminForm(forms.ModelForm):
    """A game's schedule, status and score; scores belong to a final (or cancelled) game only."""

    class Meta:
        model = Game
        fields = ["starts_at", "status", "home_score", "away_score"]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        scores = (cleaned.get("home_score"), cleaned.get("away_score"))
        if status == GameStatus.FINAL and None in scores:
            self.add_error("home_score" if scores[0] is None else "away_score", "A final game needs both scores.")
        if status not in RESULT_STATUSES and scores != (None, None):
            self.add_error("status", "Scores are recorded with the final status.")
        return cleaned


@admin.register(Game)
class GameAdmin(ExportAdminMixin, ServiceAdminMixin, ModelAdmin):
    """Games come from the provider's feed; staff fix a schedule or record a result the feed missed."""

    form = GameAdminForm
    list_display = ["external_id", "matchup", "league", "starts_at", "status", "score", "finalized_at"]
    list_filter = ["status", "league__sport", "league"]
    search_fields = ["=external_id", "home_team__name", "away_team__name"]
    search_help_text = "An exact provider id, or part of a team's name."
    list_select_related = ["league", "home_team", "away_team"]
    date_hierarchy = "starts_at"
    show_facets = admin.ShowFacets.NEVER
    export_columns = [
        Column("provider id", "external_id"),
        Column("sport", "league__sport__name"),
        Column("league", "league__name"),
        Column("home team", "home_team__name"),
        Column("away team", "away_team__name"),
        Column("starts at (UTC)", "starts_at"),
        Column("status", "status"),
        Column("home score", "home_score"),
        Column("away score", "away_score"),
        Column("finalized at (UTC)", "finalized_at"),
    ]
    fields = [
        "external_id",
        "league",
        "home_team",
        "away_team",
        "starts_at",
        "status",
        "home_score",
        "away_score",
        "finalized_at",
        "updated_at",
        "legs_link",
        "current_odds",
        "odds_link",
    ]
    readonly_fields = [
        "external_id", "league", "home_team", "away_team", "finalized_at", "updated_at", "legs_link", "current_odds",
        "odds_link",
    ]  # fmt: skip
    actions = ["grade_selected", "correct_score"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("league__sport", "home_team", "away_team")

    @admin.action(description="Correct the final score of one game (with a reason; re-grades its bets)",
                  permissions=["change"])  # fmt: skip
    def correct_score(self, request, queryset):
        games = list(queryset[:2])
        if len(games) != 1:
            self.message_user(request, "Select exactly one final game to correct.", messages.ERROR)
            return None
        game = games[0]
        if game.status != GameStatus.FINAL:
            self.message_user(
                request,
                f"Game {game.external_id} is {game.status}: only a final score can be corrected.",
                messages.ERROR,
            )
            return None
        form = ScoreCorrectionForm(
            request.POST if "apply" in request.POST else None,
            initial={"home_score": game.home_score, "away_score": game.away_score},
        )
        if form.is_bound and form.is_valid():
            try:
                outcome = services.game_correct_score(game=game, actor=actor_for_request(request), **form.cleaned_data)
            except ApplicationError as error:
                self.message_user(request, f"Game {game.external_id}: {error.message}", messages.ERROR)
                return None
            self.message_user(
                request,
                f"Game {game.external_id} corrected to {outcome.game.away_score}–{outcome.game.home_score} "
                f"(away–home): {outcome.legs_regraded} leg(s) re-graded, {outcome.bets_corrected} settled bet(s) "
                f"corrected in the ledger, {outcome.bets_flagged} bet(s) flagged for review.",
                messages.SUCCESS,
            )
            return None
        context = {"title": "Correct the final score", "game": game, "form": form}
        return action_page(self, request, "admin/betting/game/correct_score.html", context)

    @admin.display(description="game", ordering="starts_at")
    def matchup(self, game: Game) -> str:
        return f"{game.away_team} @ {game.home_team}"

    @admin.display(description="score")
    def score(self, game: Game) -> str:
        if game.home_score is None or game.away_score is None:
            return "—"
        return f"{game.away_score}–{game.home_score}"

    @admin.display(description="bets")
    def legs_link(self, game: Game) -> str:
        url = reverse("admin:betting_bet_changelist") + "?" + urlencode({"game": game.pk})
        return format_html('<a href="{}">Bets with a leg on this game</a>', url)

    @admin.display(description="current odds")
    def current_odds(self, game: Game) -> str:
        return current_odds_table(game)

    @admin.display(description="odds history")
    def odds_link(self, game: Game) -> str:
        return odds_history_link(game)

    def has_add_permission(self, request) -> bool:
        return False  # games come from the provider (POST /api/v1/games/)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status == GameStatus.FINAL:
            return False  # a final game is history: its status and score are read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # bets' legs point at games

    def save_model(self, request, obj, form, change):
        actor = actor_for_request(request)
        status = form.cleaned_data["status"]
        previous_status = form.initial["status"]
        schedule_changed = "starts_at" in form.changed_data
        if schedule_changed or (status not in RESULT_STATUSES and status != previous_status):
            services.game_upsert(
                actor=actor,
                external_id=obj.external_id,
                sport=obj.league.sport.key,
                league=obj.league.key,
                home_team=obj.home_team.name,
                away_team=obj.away_team.name,
                starts_at=form.cleaned_data["starts_at"],
                status=previous_status if status in RESULT_STATUSES else status,
            )
        if status in RESULT_STATUSES and {"status", "home_score", "away_score"} & set(form.changed_data):
            services.game_record_result(
                actor=actor,
                external_id=obj.external_id,
                home_score=form.cleaned_data["home_score"],
                away_score=form.cleaned_data["away_score"],
                status=status,
            )

    @admin.action(description="Auto-grade selected final games", permissions=["change"])
    def grade_selected(self, request, queryset):
        gradable = list(queryset.filter(status__in=GRADABLE_STATUSES).values_list("pk", flat=True))
        skipped = queryset.filter(~Q(status__in=GRADABLE_STATUSES)).count()
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected game(s) are not final (or cancelled) and were left alone.",
                messages.WARNING,
            )
        if gradable:
            grade_games(self, request, gradable)
