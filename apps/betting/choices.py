from django.db import models


class GameStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    FINAL = "final", "Final"
    POSTPONED = "postponed", "Postponed"
    CANCELLED = "cancelled", "Cancelled"


class BetStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    LIVE = "live", "Live"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    PUSH = "push", "Push"
    VOID = "void", "Void"
    CANCELLED = "cancelled", "Cancelled"


FINAL_BET_STATUSES = frozenset({BetStatus.WON, BetStatus.LOST, BetStatus.PUSH, BetStatus.VOID, BetStatus.CANCELLED})
OPEN_BET_STATUSES = frozenset({BetStatus.PENDING, BetStatus.LIVE})


class Market(models.TextChoices):
    MONEYLINE = "moneyline", "Moneyline"
    SPREAD = "spread", "Spread"
    TOTAL = "total", "Total"
    PROP = "prop", "Prop"


class Selection(models.TextChoices):
    HOME = "home", "Home"
    AWAY = "away", "Away"
    OVER = "over", "Over"
    UNDER = "under", "Under"


class LegResult(models.TextChoices):
    PENDING = "pending", "Pending"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    PUSH = "push", "Push"
    VOID = "void", "Void"


GRADED_LEG_RESULTS = frozenset({LegResult.WON, LegResult.LOST, LegResult.PUSH, LegResult.VOID})


class LedgerKind(models.TextChoices):
    SETTLE = "settle", "Settle"
    REVERSE = "reverse", "Reverse"


class SettlementSource(models.TextChoices):
    AUTO = "auto", "Auto-graded from the final score"
    API = "api", "Settled through the API"
    STAFF = "staff", "Settled or corrected by staff"


# What a settlement may set a leg to (everything but pending), as choices for serializers.
SETTLE_RESULT_CHOICES = [(result.value, result.label) for result in LegResult if result != LegResult.PENDING]
