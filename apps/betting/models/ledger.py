"""The units ledger: append-only entries, from which every record and leaderboard is computed."""

from django.db import models
from django.db.models import Q

from apps.betting.choices import LedgerKind, LegResult
from apps.betting.models.bets import Bet, Capper
from apps.tenants.models import Tenant


class LedgerEntry(models.Model):
    """One settlement (+) or the reversal of one (−). Never updated, never deleted (a trigger says so).

    `placed_at` is the bet's: a bet counts in the period it was placed, so a correction months later
    reverses and re-settles inside that same period instead of moving units between months.
    `record_sign` is +1 for a settle and −1 for a reverse: W/L/P/void counts are sums of it.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="ledger_entries")
    capper = models.ForeignKey(Capper, on_delete=models.PROTECT, related_name="ledger_entries")
    bet = models.ForeignKey(Bet, on_delete=models.PROTECT, related_name="ledger_entries")
    sequence = models.PositiveSmallIntegerField(help_text="1, 2, 3… per bet")
    kind = models.CharField(max_length=8, choices=LedgerKind.choices)
    result = models.CharField(max_length=8, choices=LegResult.choices)
    record_sign = models.SmallIntegerField()
    units = models.DecimalField(max_digits=18, decimal_places=4, help_text="Net units: profit, −stake or 0")
    staked_units = models.DecimalField(max_digits=10, decimal_places=2)
    placed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["bet", "sequence"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["bet", "sequence"], name="ledger_sequence_unique_per_bet"),
            models.CheckConstraint(
                condition=(Q(kind=LedgerKind.SETTLE, record_sign=1) | Q(kind=LedgerKind.REVERSE, record_sign=-1)),
                name="ledger_sign_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(result=LegResult.PENDING), name="ledger_result_final"),
        ]
        indexes = [
            # covering indexes: a period's record and leaderboard are index-only scans
            models.Index(
                fields=["tenant", "capper", "placed_at"],
                include=["result", "record_sign", "units", "staked_units"],
                name="ledger_capper_period",
            ),
            models.Index(
                fields=["tenant", "placed_at"],
                include=["capper", "result", "record_sign", "units", "staked_units"],
                name="ledger_tenant_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.units:+} units on bet {self.bet_id}"
