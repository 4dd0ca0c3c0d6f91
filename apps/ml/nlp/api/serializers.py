"""The parse-bet API's shapes (documented in the schema; the body is the parser's dict as it is)."""

from rest_framework import serializers

from apps.betting.choices import Market, Selection
from apps.ml.nlp.services import MAX_TEXT_LENGTH


class ParseBetInput(serializers.Serializer):
    text = serializers.CharField(
        max_length=MAX_TEXT_LENGTH,
        trim_whitespace=False,
        help_text=f"The message as the capper wrote it (at most {MAX_TEXT_LENGTH:,} characters).",
    )


class ParsedLegSerializer(serializers.Serializer):
    team = serializers.CharField(help_text="The catalogue's team name.")
    game_external_id = serializers.CharField(
        allow_null=True, help_text="The team's next scheduled game within the window, or null."
    )
    market = serializers.CharField(help_text=f"One of {', '.join([Market.MONEYLINE, Market.SPREAD, Market.TOTAL])}.")
    selection = serializers.ChoiceField(
        choices=Selection.choices,
        allow_null=True,
        help_text="over/under for totals; home/away when the game is known, else null.",
    )
    line = serializers.CharField(allow_null=True, help_text="A decimal as a string (spread or total), or null.")
    american_odds = serializers.IntegerField(allow_null=True)


class ParsedBetSerializer(serializers.Serializer):
    legs = ParsedLegSerializer(many=True)
    stake_units = serializers.CharField(allow_null=True, help_text="A decimal as a string, or null.")
    confidence = serializers.FloatField(min_value=0, max_value=1)


class UnparsedSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The part of the message that was not understood.")
    reason = serializers.CharField(help_text="Why: what would make it clear.")


class SentimentSerializer(serializers.Serializer):
    compound = serializers.FloatField(help_text="VADER's compound score, -1..1.")
    label = serializers.ChoiceField(choices=["positive", "neutral", "negative"])
    method = serializers.CharField()


class EntitySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["team", "league", "player", "odds", "units", "money"])
    text = serializers.CharField()
    value = serializers.JSONField()


class ParseBetSerializer(serializers.Serializer):
    bets = ParsedBetSerializer(many=True)
    unparsed = UnparsedSerializer(many=True)
    language = serializers.CharField(
        allow_null=True, help_text="ISO 639-1 code (en, es, pt, fr, de, it), or null when too few words."
    )
    sentiment = SentimentSerializer(allow_null=True, help_text="English only (VADER); null for other languages.")
    keywords = serializers.ListField(child=serializers.CharField(), help_text="Up to five key phrases (YAKE).")
    entities = EntitySerializer(many=True)
