import django_filters

from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.models import FraudCase


class FraudCaseFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=FraudKind.choices)
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)

    class Meta:
        model = FraudCase
        fields = []
