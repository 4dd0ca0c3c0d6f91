"""Bets in the admin: read-only pages (the bot places bets), the repair actions, and the list of
open bets whose games are already final, with bulk auto-grading."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter, RelatedDropdownFilter

from apps.betting import selectors
from apps.betting.admin.cappers import TENANT_PARAMETER
from apps.betting.admin.repairs import BetRepairActions
from apps.betting.admin.sports import grade_games
from apps.betting.choices import OPEN_BET_STATUSES, GameStatus, LegResult
from apps.betting.models import Bet, BetLeg, Capper, Game, League
from apps.betting.odds import format_american
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, ReadOnlyInline, admin_page
from apps.core.exports import Column

PENDING_PAGE_LIMIT = 200
TENANT_COLUMN_CHARS = 18  # the bet list's tenant column: a laptop still shows capper, status and odds
PENDING_TEMPLATE = "admin/betting/bet/pending_past_game_end.html"


class BetLegInline(ReadOnlyInline):
    """A bet's legs, read-only: their results change only through the settle and correct actions."""

    model = BetLeg
    ordering = ["position"]
    fields = [
        "position",
        "game",
        "manual_teams",
        "market",
        "selection",
        "line",
        "american_odds",
        "description",
        "result",
        "graded_at",
        "graded_source",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("game__home_team", "game__away_team")

    @admin.display(description="odds")
    def american_odds(self, leg: BetLeg) -> str:
        return format_american(leg.odds)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _leg_on(**leg_filter) -> Exists:
    # EXISTS instead of a join: a parlay with two legs in the league must still be listed once
    return Exists(BetLeg.objects.filter(bet=OuterRef("pk"), **leg_filter))


class LeagueFilter(admin.SimpleListFilter):
    """Bets with at least one leg on a game of the league."""

    title = "league"
    parameter_name = "league"

    def lookups(self, request, model_admin):
        return [(str(league.pk), league.name) for league in League.objects.order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(_leg_on(game__league_id=self.value()))
        return queryset


class CapperFilter(admin.SimpleListFilter):
    """A capper of the tenant chosen in the tenant filter (listing every tenant's cappers would not scale)."""

    title = "capper"
    parameter_name = "capper"

    def lookups(self, request, model_admin):
        tenant_id = request.GET.get(TENANT_PARAMETER, "")
        if tenant_id.isdigit():
            cappers = Capper.objects.filter(tenant_id=tenant_id)
        elif (self.value() or "").isdigit():
            cappers = Capper.objects.filter(pk=self.value())
        else:
            return []
        return [(str(capper.pk), capper.display_name) for capper in cappers.order_by("display_name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(capper_id=self.value())
        return queryset


class GameFilter(admin.SimpleListFilter):
    """Bets with a leg on one game: reached from the game's page, not listed (there are thousands)."""

    title = "game"
    parameter_name = "game"

    def lookups(self, request, model_admin):
        value = self.value() or ""
        game = (
            Game.objects.select_related("home_team", "away_team").filter(pk=value).first() if value.isdigit() else None
        )
        return [(str(game.pk), str(game))] if game is not None else []

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(_leg_on(game_id=self.value()))
        return queryset


def _stale_games() -> QuerySet[Game]:
    """Final games that still have pending legs on open bets, with how many."""
    return (
        Game.objects.filter(
            status=GameStatus.FINAL, legs__result=LegResult.PENDING, legs__bet__status__in=OPEN_BET_STATUSES
        )
        .annotate(pending_legs=Count("legs"))
        .select_related("league", "home_team", "away_team")
        .order_by("finalized_at", "pk")
    )


@admin.register(Bet)
class BetAdmin(ExportAdminMixin, BetRepairActions, ModelAdmin):
    """Bets are read-only here: the bot places them; staff settle, void and correct through actions."""

    list_display = [
        "external_id",
        "placed_at",
        "tenant_short",
        "capper",
        "status",
        "leg_count",
        "stake_units",
        "odds",
        "net_units",
        "needs_review",
    ]
    # unfold's filters: dropdowns for the long lists, a date range for when the bet was placed
    list_filter = [
        ("tenant", RelatedDropdownFilter),
        ("status", ChoicesDropdownFilter),
        ("placed_at", RangeDateFilter),
        LeagueFilter,
        CapperFilter,
        GameFilter,
        "needs_review",
        ("settlement_source", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    search_fields = ["=external_id", "capper__display_name", "=capper__member__discord_user_id"]
    search_help_text = "An exact Discord message id or capper Discord user id, or part of a capper's name."
    list_select_related = ["tenant", "capper"]
    export_columns = [
        Column("message id", "external_id"),
        Column("placed at (UTC)", "placed_at"),
        Column("guild id", "tenant__guild_id"),
        Column("capper", "capper__display_name"),
        Column("status", "status"),
        Column("legs", "leg_count"),
        Column("stake units", "stake_units"),
        Column("american odds", "american_odds"),
        Column("decimal odds", "decimal_odds"),
        Column("net units", "net_units"),
        Column("settled at (UTC)", "settled_at"),
        Column("settlement source", "settlement_source"),
        Column("needs review", "needs_review"),
    ]
    date_hierarchy = "placed_at"
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    inlines = [BetLegInline]
    fieldsets = [
        (
            "Bet",
            {"fields": ["external_id", "tenant", "capper", "placed_at", "received_at", "stake_units", "leg_count"]},
        ),
        ("Odds", {"fields": ["odds", "decimal_odds", "potential_profit"]}),
        ("Settlement", {"fields": ["status", "net_units", "settled_at", "settlement_source", "settled_by"]}),
        ("Review", {"fields": ["needs_review", "review_note"]}),
        ("History", {"fields": ["created_at", "updated_at", "ledger_link", "audit_link"]}),
    ]
    readonly_fields = ["odds", "ledger_link", "audit_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "capper")

    def get_list_display(self, request):
        # filtered to one tenant, every row would repeat its name: give the width to capper, status and odds
        columns = super().get_list_display(request)
        if request.GET.get(TENANT_PARAMETER, "").isdigit():
            return [column for column in columns if column != "tenant_short"]
        return columns

    @admin.display(description="tenant", ordering="tenant__name")
    def tenant_short(self, bet: Bet) -> str:
        """The tenant's name, cut to TENANT_COLUMN_CHARS (the full name and guild in the tooltip)."""
        name = bet.tenant.name
        short = name if len(name) <= TENANT_COLUMN_CHARS else name[: TENANT_COLUMN_CHARS - 1] + "…"
        return format_html('<span title="{} (guild {})">{}</span>', name, bet.tenant.guild_id, short)

    @admin.display(description="American odds", ordering="american_odds")
    def odds(self, bet: Bet) -> str:
        return format_american(bet.american_odds)

    @admin.display(description="ledger")
    def ledger_link(self, bet: Bet) -> str:
        url = reverse("admin:betting_ledgerentry_changelist") + "?" + urlencode({"bet__id__exact": bet.pk})
        return format_html('<a href="{}">Ledger entries of this bet</a>', url)

    @admin.display(description="audit trail")
    def audit_link(self, bet: Bet) -> str:
        query = urlencode({"target_type": "betting.bet", "target_id": bet.pk})
        return format_html(
            '<a href="{}?{}">Events of this bet</a>', reverse("admin:audit_auditevent_changelist"), query
        )

    def has_add_permission(self, request) -> bool:
        return False  # bets come from the bot (POST .../bets/)

    def has_change_permission(self, request, obj=None) -> bool:
        # "change" is the right to run the repair actions; a bet's own page is read-only
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the ledger points at bets: void instead

    def get_urls(self):
        pending = path(
            "pending-past-game-end/",
            self.admin_site.admin_view(self.pending_past_game_end_view),
            name="betting_bet_pending_past_game_end",
        )
        return [pending, *super().get_urls()]

    # -- pending past game end ------------------------------------------------------------------

    def pending_past_game_end_view(self, request):
        """Open bets with a pending leg on a game that is already final; POST auto-grades chosen games."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        can_grade = self.has_change_permission(request)
        if request.method == "POST":
            if not can_grade:
                raise PermissionDenied
            chosen = [value for value in request.POST.getlist("game") if value.isdigit()]
            game_ids = list(
                Game.objects.filter(
                    pk__in=chosen,
                    status=GameStatus.FINAL,
                    legs__result=LegResult.PENDING,
                    legs__bet__status__in=OPEN_BET_STATUSES,
                )
                .values_list("pk", flat=True)
                .distinct()
            )
            if game_ids:
                grade_games(self, request, game_ids)
            else:
                self.message_user(request, "Select at least one game that still has pending legs.", messages.WARNING)
            return HttpResponseRedirect(request.get_full_path())
        stale_legs = BetLeg.objects.filter(result=LegResult.PENDING, game__status=GameStatus.FINAL).select_related(
            "game__home_team", "game__away_team"
        )
        bets = selectors.pending_past_game_end()
        context = {
            "title": "Open bets past game end",
            "games": list(_stale_games()),
            "bets": list(
                bets.prefetch_related(Prefetch("legs", queryset=stale_legs, to_attr="stale_legs")).order_by(
                    "placed_at", "pk"
                )[:PENDING_PAGE_LIMIT]
            ),
            "bet_total": bets.count(),
            "limit": PENDING_PAGE_LIMIT,
            "can_grade": can_grade,
        }
        return admin_page(self, request, PENDING_TEMPLATE, context)
