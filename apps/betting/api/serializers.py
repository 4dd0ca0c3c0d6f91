from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.betting.choices import SETTLE_RESULT_CHOICES, GameStatus, Market
from apps.betting.models import Bet, BetLeg, Capper, Game
from apps.betting.models.bets import MAX_PARLAY_LEGS
from apps.core.api.serializers import (
    DateTimeField,
    DiscordIdField,
    StrictCharField,
    StrictInputSerializer,
    StrictIntegerField,
)

# the one Discord id rule (apps.core.discord); the old name stays for the bet inputs that use it
SnowflakeField = DiscordIdField


class MessageIdField(serializers.RegexField):
    """The Discord message id, as a string only (a JSON number would be coerced to text otherwise)."""

    def __init__(self, **kwargs):
        super().__init__(
            r"^[A-Za-z0-9_-]{1,32}$",
            max_length=32,
            error_messages={"invalid": "Must be the Discord message id."},
            **kwargs,
        )

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# ---- cappers and records -------------------------------------------------------------------------


class CapperSerializer(serializers.ModelSerializer):
    discord_user_id = serializers.CharField(source="member.discord_user_id")
    username = serializers.CharField(source="member.username")

    class Meta:
        model = Capper
        fields = ["discord_user_id", "username", "display_name", "avatar_url", "is_active", "created_at"]
        read_only_fields = fields


class CapperCreateInput(StrictInputSerializer):
    discord_user_id = DiscordIdField()
    username = StrictCharField(max_length=100)
    display_name = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    avatar_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class RecordSerializer(serializers.Serializer):
    period = serializers.CharField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    push = serializers.IntegerField()
    void = serializers.IntegerField()
    staked_units = serializers.DecimalField(max_digits=18, decimal_places=4)
    net_units = serializers.DecimalField(max_digits=18, decimal_places=4)
    roi = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True, help_text="net / staked")


class LeaderboardRowSerializer(RecordSerializer):
    period = None
    rank = serializers.IntegerField()
    discord_user_id = serializers.CharField()
    display_name = serializers.CharField()


class PeriodQuery(serializers.Serializer):
    period = serializers.CharField(required=False, max_length=16, help_text="YYYY-MM, YYYY or lifetime")


# ---- games ---------------------------------------------------------------------------------------


class GameSerializer(serializers.ModelSerializer):
    sport = serializers.CharField(source="league.sport.key", read_only=True)
    league = serializers.CharField(source="league.key")
    home_team = serializers.CharField(source="home_team.name")
    away_team = serializers.CharField(source="away_team.name")

    class Meta:
        model = Game
        fields = [
            "external_id",
            "sport",
            "league",
            "home_team",
            "away_team",
            "starts_at",
            "status",
            "home_score",
            "away_score",
            "finalized_at",
        ]
        read_only_fields = fields


class GameRowSerializer(serializers.Serializer):
    """A game as the cached selectors return it (plain rows, same shape as GameSerializer)."""

    external_id = serializers.CharField()
    sport = serializers.CharField()
    league = serializers.CharField()
    home_team = serializers.CharField()
    away_team = serializers.CharField()
    starts_at = DateTimeField()
    status = serializers.CharField()
    home_score = serializers.IntegerField(allow_null=True)
    away_score = serializers.IntegerField(allow_null=True)
    finalized_at = DateTimeField(allow_null=True)


class GameUpsertInput(StrictInputSerializer):
    external_id = StrictCharField(max_length=64)
    sport = StrictCharField(max_length=40)
    league = StrictCharField(max_length=40)
    home_team = StrictCharField(max_length=120)
    away_team = StrictCharField(max_length=120)
    starts_at = DateTimeField()
    status = serializers.ChoiceField(
        choices=[GameStatus.SCHEDULED, GameStatus.LIVE, GameStatus.POSTPONED], default=GameStatus.SCHEDULED
    )


class GameResultInput(StrictInputSerializer):
    home_score = StrictIntegerField(min_value=0, max_value=10_000)
    away_score = StrictIntegerField(min_value=0, max_value=10_000)
    status = serializers.ChoiceField(choices=[GameStatus.FINAL, GameStatus.CANCELLED], default=GameStatus.FINAL)


class OddsQuoteSerializer(serializers.Serializer):
    """One quote: a side of a market priced by a bookmaker at a moment."""

    market = serializers.CharField()
    selection = serializers.CharField()
    line = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    american_odds = serializers.IntegerField()
    bookmaker = serializers.CharField()
    quoted_at = DateTimeField()
    received_at = DateTimeField()


class GameOddsSerializer(serializers.Serializer):
    """A game's odds: the current price of each side (latest) or its movement (history)."""

    game = serializers.CharField(help_text="The game's external id.")
    history = serializers.BooleanField(help_text="false: the latest quote per market/selection/bookmaker.")
    truncated = serializers.BooleanField(help_text="History only: older quotes than these were left out.")
    quotes = OddsQuoteSerializer(many=True)


class GameOddsQuery(serializers.Serializer):
    """The odds read's query parameters."""

    history = serializers.BooleanField(default=False)
    market = serializers.ChoiceField(choices=[Market.MONEYLINE, Market.SPREAD, Market.TOTAL], required=False)
    bookmaker = serializers.CharField(max_length=64, required=False)
    since = DateTimeField(required=False)

    def validate(self, attrs):
        if "since" in attrs and not attrs["history"]:
            raise serializers.ValidationError({"since": [_("Only with history=1.")]})
        return attrs


# ---- bets ----------------------------------------------------------------------------------------


class BetLegSerializer(serializers.ModelSerializer):
    game = serializers.CharField(source="game.external_id", allow_null=True, default=None)

    class Meta:
        model = BetLeg
        fields = [
            "id",
            "position",
            "game",
            "manual_teams",
            "market",
            "selection",
            "line",
            "odds",
            "description",
            "result",
            "graded_at",
            "graded_source",
        ]
        read_only_fields = fields


class BetSerializer(serializers.ModelSerializer):
    capper = serializers.CharField(source="capper.member.discord_user_id")
    legs = BetLegSerializer(many=True)

    class Meta:
        model = Bet
        fields = [
            "id",
            "external_id",
            "capper",
            "stake_units",
            "status",
            "leg_count",
            "american_odds",
            "decimal_odds",
            "potential_profit",
            "net_units",
            "placed_at",
            "received_at",
            "settled_at",
            "settlement_source",
            "settled_by",
            "needs_review",
            "review_note",
            "legs",
        ]
        read_only_fields = fields


class BetCountsSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    live = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    push = serializers.IntegerField()
    void = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class LegInputSerializer(StrictInputSerializer):
    game = StrictCharField(max_length=64, allow_null=True, required=False, default=None)
    market = serializers.ChoiceField(choices=Market.choices)
    selection = StrictCharField(max_length=200)
    line = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("-10000"),
        max_value=Decimal("10000"),
        required=False,
        allow_null=True,
        default=None,
    )
    odds = StrictIntegerField(min_value=-1_000_000, max_value=1_000_000, help_text="American odds, |odds| >= 100")
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class BetPlaceInput(StrictInputSerializer):
    external_id = MessageIdField(help_text="The Discord message id (a string)")
    capper = SnowflakeField(help_text="The capper's Discord user id")
    stake_units = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"))
    placed_at = DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The Discord message time. No later than the server's receive time (2 minutes of clock skew "
        "allowed, then taken as the receive time) nor, for a Discord message id, than the time inside the id; "
        "default: that message time, else the receive time.",
    )
    legs = LegInputSerializer(many=True, min_length=1, max_length=MAX_PARLAY_LEGS)


class BetBulkInput(StrictInputSerializer):
    bets = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=500, help_text="Each item is a bet as for POST bets/"
    )


class BetOutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position in the request's bets")
    external_id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=["created", "existing", "rejected"])
    id = serializers.IntegerField(source="bet_id", allow_null=True)
    code = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)
    fields = serializers.DictField()


class BetBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BetOutcomeSerializer(many=True)


class LegResultInput(StrictInputSerializer):
    id = StrictIntegerField(min_value=1, max_value=2**62)
    result = serializers.ChoiceField(choices=SETTLE_RESULT_CHOICES)


class BetSettleInput(StrictInputSerializer):
    legs = LegResultInput(many=True, required=False, min_length=1, max_length=MAX_PARLAY_LEGS)
    result = serializers.ChoiceField(choices=SETTLE_RESULT_CHOICES, required=False)
    reason = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    settled_by = StrictCharField(max_length=150, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if ("legs" in attrs) == ("result" in attrs):
            raise serializers.ValidationError(
                _("Send either legs: [{id, result}] or, for a straight bet, result — exactly one of them.")
            )
        return attrs
