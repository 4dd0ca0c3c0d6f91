import django_filters

from apps.audit.models import ActorKind, AuditEvent
from apps.core.filters import DateTimeFilter


class AuditEventFilter(django_filters.FilterSet):
    occurred_after = DateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = DateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    action = django_filters.CharFilter(max_length=100)
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith", max_length=100)
    actor_kind = django_filters.ChoiceFilter(choices=ActorKind.choices)
    actor_identifier = django_filters.CharFilter(max_length=64)
    target_type = django_filters.CharFilter(max_length=100)
    target_id = django_filters.CharFilter(max_length=64)
    request_id = django_filters.CharFilter(max_length=64)

    class Meta:
        model = AuditEvent
        fields = []


class PlatformAuditEventFilter(AuditEventFilter):
    guild_id = django_filters.CharFilter(max_length=20)
