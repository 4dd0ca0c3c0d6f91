import django_filters

from apps.incidents.choices import IncidentKind, IncidentSeverity, IncidentStatus
from apps.incidents.models import Incident


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    severity = django_filters.ChoiceFilter(choices=IncidentSeverity.choices)
    kind = django_filters.ChoiceFilter(choices=IncidentKind.choices)
    guild_id = django_filters.CharFilter(max_length=20)

    class Meta:
        model = Incident
        fields = []
