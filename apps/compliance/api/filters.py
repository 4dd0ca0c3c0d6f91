import django_filters

from apps.compliance.choices import CheckStatus
from apps.compliance.models import CheckRun


class CheckRunFilter(django_filters.FilterSet):
    check = django_filters.CharFilter(
        field_name="check_id", max_length=100, help_text="A check id, e.g. access.privileged_mfa"
    )
    status = django_filters.ChoiceFilter(choices=CheckStatus.choices)

    class Meta:
        model = CheckRun
        fields = []
