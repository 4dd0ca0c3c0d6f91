"""Names for the dimension values a result holds (keys and ids are stable; names are for people)."""

from apps.analytics.query import MetricQuery
from apps.betting.models import Capper, League, Sport
from apps.tenants.models import Tenant

_NAMES = {
    "tenant": lambda values: dict(Tenant.objects.filter(guild_id__in=values).values_list("guild_id", "name")),
    "capper": lambda values: {
        str(pk): name for pk, name in Capper.objects.filter(pk__in=values).values_list("pk", "display_name")
    },
    "league": lambda values: dict(League.objects.filter(key__in=values).values_list("key", "name")),
    "sport": lambda values: dict(Sport.objects.filter(key__in=values).values_list("key", "name")),
}


def dimension_labels(query: MetricQuery, values: dict[tuple, dict]) -> dict[str, dict[str, str]]:
    labels = {}
    for position, dimension in enumerate(query.group_by):
        present = {key[position] for key in values if key[position] not in (None, "")}
        if dimension in _NAMES and present:
            labels[dimension] = _NAMES[dimension]([str(value) for value in present])
    return labels
