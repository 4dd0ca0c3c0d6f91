import django_filters

from apps.betting.choices import BetStatus
from apps.betting.models import Bet, Game
from apps.core.api.filters import DateTimeFilter


class BetFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=BetStatus.choices)
    capper = django_filters.CharFilter(field_name="capper__member__discord_user_id", max_length=20)
    league = django_filters.CharFilter(method="filter_league", max_length=40)
    placed_after = DateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_before = DateTimeFilter(field_name="placed_at", lookup_expr="lt")
    needs_review = django_filters.BooleanFilter()

    class Meta:
        model = Bet
        fields = []

    def filter_league(self, queryset, name, value):
        return queryset.filter(legs__game__league__key=value.lower()).distinct()


class GameFilter(django_filters.FilterSet):
    league = django_filters.CharFilter(field_name="league__key", max_length=40)
    status = django_filters.CharFilter(max_length=16)
    starts_after = DateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = DateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Game
        fields = []
