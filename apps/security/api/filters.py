import ipaddress

import django_filters
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.core.api.filters import DateTimeFilter
from apps.keyring.fields import blind_index_for
from apps.security.choices import AlertStatus, SecurityEventType, Severity
from apps.security.models import Alert, SecurityEvent


class AlertFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    rule = django_filters.CharFilter(field_name="rule__slug", max_length=80)

    class Meta:
        model = Alert
        fields = []


class SecurityEventFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(field_name="event_type", choices=SecurityEventType.choices)
    since = DateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    actor = django_filters.CharFilter(field_name="actor_label", max_length=150)
    ip = django_filters.CharFilter(method="filter_ip", max_length=45)

    class Meta:
        model = SecurityEvent
        fields = []

    def filter_ip(self, queryset, name, value):
        try:
            address = str(ipaddress.ip_address(value))
        except ValueError:
            raise ValidationError({"ip": [_("Enter an IPv4 or IPv6 address.")]}) from None
        # the address is encrypted at rest: exact matches go through its blind index
        return queryset.filter(ip_address_index=blind_index_for(SecurityEvent, "ip_address_index", address))
