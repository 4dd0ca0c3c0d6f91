import django_filters

from apps.privacy.choices import RequestKind, RequestStatus
from apps.privacy.models import DataSubjectRequest


class DataSubjectRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices)
    guild_id = django_filters.CharFilter(field_name="tenant__guild_id", max_length=20)

    class Meta:
        model = DataSubjectRequest
        fields = []
