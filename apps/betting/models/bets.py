"""Cappers and their bets; a bet has one or more legs (rows, not JSON)."""

from django.db import models
from django.db.models import Q

from apps.accounts.models import Member
from apps.betting.choices import BetStatus, LegResult, Market, SettlementSource
from apps.betting.models.sports import Game
from apps.betting.odds import format_american
from apps.tenants.models import Tenant

MAX_PARLAY_LEGS = 12


class Capper(models.Model):
    """A member of a tenant allowed to post bets."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="cappers")
    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="capper")
    display_name = models.CharField(max_length=100)
    avatar_url = models.URLField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    # incident response (a fraud ring): a frozen capper's new bets are refused until it is unfrozen
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        indexes = [models.Index(fields=["tenant", "display_name"], name="capper_tenant_name")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def audit_label(self) -> str:
        """The audit trail's name for a capper: a pseudonym, never the display name (apps/audit/services.py)."""
        return f"capper {self.pk}"


class Bet(models.Model):
    """A capper's bet in units. Combined odds and potential profit are computed at placement."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="bets")
    capper = models.ForeignKey(Capper, on_delete=models.PROTECT, related_name="bets")
    external_id = models.CharField(max_length=32, help_text="The Discord message id.")
    stake_units = models.DecimalField(max_digits=8, decimal_places=2)
    status = models.CharField(max_length=16, choices=BetStatus.choices, default=BetStatus.PENDING)
    leg_count = models.PositiveSmallIntegerField()
    american_odds = models.IntegerField()
    decimal_odds = models.DecimalField(max_digits=18, decimal_places=6)
    potential_profit = models.DecimalField(max_digits=18, decimal_places=4)
    net_units = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    placed_at = models.DateTimeField(
        help_text="The Discord message time as the client states it, bounded by received_at and, for a "
        "Discord message id, by the time inside the id: what every time-based check uses."
    )
    received_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the server received the bet (the late-posting detector reads it). Empty for bets "
        "recorded before receive times were kept.",
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settlement_source = models.CharField(max_length=8, choices=SettlementSource.choices, blank=True)
    settled_by = models.CharField(max_length=150, blank=True, help_text="Who settled: a Discord user or staff.")
    needs_review = models.BooleanField(default=False)
    review_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="bet_external_id_unique_per_tenant"),
            models.CheckConstraint(condition=Q(stake_units__gt=0), name="bet_stake_positive"),
            # a bet cannot have been placed after the server received it (bets.py clamps clock skew)
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(placed_at__lte=models.F("received_at")),
                name="bet_placed_before_received",
            ),
            models.CheckConstraint(condition=Q(status__in=BetStatus.values), name="bet_status_valid"),
            models.CheckConstraint(
                condition=Q(leg_count__gte=1, leg_count__lte=MAX_PARLAY_LEGS), name="bet_leg_count_range"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-placed_at"], name="bet_tenant_placed"),
            # the API's bet list: a tenant's bets newest first by id (cursor pagination); without it the
            # planner walks the primary key backwards past every other tenant's newer bets (make bench)
            models.Index(fields=["tenant", "-id"], name="bet_tenant_id"),
            models.Index(fields=["tenant", "status", "-placed_at"], name="bet_tenant_status_placed"),
            models.Index(fields=["capper", "-placed_at"], name="bet_capper_placed"),
            models.Index(fields=["needs_review"], condition=Q(needs_review=True), name="bet_needs_review"),
        ]

    def __str__(self) -> str:
        return f"bet {self.external_id} ({self.status})"

    @property
    def is_parlay(self) -> bool:
        return self.leg_count > 1


class BetLeg(models.Model):
    """One selection of a bet: on a game, or a manual entry with free-text teams."""

    bet = models.ForeignKey(Bet, on_delete=models.CASCADE, related_name="legs")
    position = models.PositiveSmallIntegerField()
    game = models.ForeignKey(Game, null=True, blank=True, on_delete=models.PROTECT, related_name="legs")
    manual_teams = models.CharField(max_length=200, blank=True, help_text="For a leg on no listed game.")
    market = models.CharField(max_length=16, choices=Market.choices)
    selection = models.CharField(max_length=200, help_text="home, away, over, under, or the prop's text")
    line = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    odds = models.IntegerField(help_text="American odds, |odds| >= 100")
    description = models.CharField(max_length=500, blank=True)
    result = models.CharField(max_length=8, choices=LegResult.choices, default=LegResult.PENDING)
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_source = models.CharField(max_length=8, choices=SettlementSource.choices, blank=True)

    class Meta:
        ordering = ["bet", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bet", "position"], name="leg_position_unique"),
            models.UniqueConstraint(
                fields=["bet", "game"], condition=Q(game__isnull=False), name="leg_distinct_games_per_bet"
            ),
            models.CheckConstraint(condition=Q(odds__gte=100) | Q(odds__lte=-100), name="leg_odds_valid"),
            models.CheckConstraint(
                condition=~Q(market__in=[Market.SPREAD, Market.TOTAL]) | Q(line__isnull=False),
                name="leg_line_required_for_spread_total",
            ),
            models.CheckConstraint(condition=Q(result__in=LegResult.values), name="leg_result_valid"),
            models.CheckConstraint(
                condition=Q(game__isnull=False) | ~Q(manual_teams=""), name="leg_game_or_manual_teams"
            ),
        ]
        indexes = [
            # auto-grading finds a game's pending legs without touching graded history
            models.Index(fields=["game"], condition=Q(result=LegResult.PENDING), name="leg_pending_by_game"),
        ]

    def __str__(self) -> str:
        # the bet's page lists its legs under this caption: the position, not the bet's id ("leg 1 of 250")
        return f"Leg {self.position}: {self.market} {self.selection} {format_american(self.odds)}"
