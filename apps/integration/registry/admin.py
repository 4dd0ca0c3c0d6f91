"""The service registry in the admin, read-only: what registered (services, instances with what they
announced), each instance's checks and each check's state changes. The registry writes these rows itself
(registration, beat's checks, deregistration after a critical period: services.py); staff look here, or at
the portal's map (/portal/integration/registry/), when a part of the platform is unhealthy."""

from django.contrib import admin

from apps.core.admin.tools import ReadOnlyAdmin, ReadOnlyInline
from apps.integration.models import CheckTransition, HealthCheck, Service, ServiceInstance

INSTANCE_FIELDS = [
    "instance_id", "address", "status", "version", "git_commit", "last_heartbeat_at", "registered_at",
    "deregistered_at",
]  # fmt: skip
CHECK_FIELDS = ["name", "kind", "status", "output", "duration_ms", "interval_seconds", "last_run_at"]


class InstanceInline(ReadOnlyInline):
    model = ServiceInstance
    fields = readonly_fields = INSTANCE_FIELDS
    show_change_link = True


class CheckInline(ReadOnlyInline):
    model = HealthCheck
    fields = readonly_fields = CHECK_FIELDS
    show_change_link = True


class TransitionInline(ReadOnlyInline):
    model = CheckTransition
    fields = readonly_fields = ["created_at", "from_status", "to_status", "output"]
    max_num = 50  # the latest changes; the portal's history page has them all


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "is_critical", "created_at"]
    list_filter = ["kind", "is_critical"]
    search_fields = ["name"]
    inlines = [InstanceInline]


@admin.register(ServiceInstance)
class ServiceInstanceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "source", "host", "version", "last_heartbeat_at", "deregistered_at"]
    list_filter = ["status", "source", "service__kind", ("deregistered_at", admin.EmptyFieldListFilter)]
    search_fields = ["service__name", "instance_id", "host", "address"]
    list_select_related = ["service"]
    inlines = [CheckInline]


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "status", "output", "duration_ms", "last_run_at", "next_run_at"]
    list_filter = ["kind", "status", "is_guarded"]
    search_fields = ["instance__service__name", "instance__instance_id", "name"]
    list_select_related = ["instance__service"]
    inlines = [TransitionInline]
