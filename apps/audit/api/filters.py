import django_filters

from apps.audit.models import ActorKind, AuditEvent
from apps.core.api.filters import DateTimeFilter


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


class TenantAuditEventFilter(AuditEventFilter):
    """A tenant key finds actors by identifier or request id among its tenant's own keys only: matching
    a staff user's id or a platform request would tell the hidden platform actors apart again."""

    actor_identifier = django_filters.CharFilter(max_length=64, method="filter_own_actor")
    request_id = django_filters.CharFilter(max_length=64, method="filter_own_actor")

    def filter_own_actor(self, queryset, name, value):
        queryset = queryset.filter(**{name: value})
        own_key_ids = getattr(self.request, "audit_own_key_ids", None)
        if own_key_ids is None:  # a platform key: every actor is visible to it
            return queryset
        return queryset.filter(actor_kind=ActorKind.API_KEY, actor_identifier__in=own_key_ids())
