"""Read shapes of the registry API (GET /api/v1/registry/): services with instances and their checks."""

from rest_framework import serializers

from apps.integration.models import HealthCheck, Service, ServiceInstance

# a plain string in the schema: "status" is an enum of many other components already (a name collision)
STATUS_HELP = "passing, warning or critical"


class HealthCheckSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    class Meta:
        model = HealthCheck
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "output",
            "duration_ms",
            "interval_seconds",
            "timeout_seconds",
            "is_guarded",
            "last_run_at",
            "status_changed_at",
        ]


class ServiceInstanceSerializer(serializers.ModelSerializer):
    checks = HealthCheckSerializer(many=True, read_only=True)
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    class Meta:
        model = ServiceInstance
        fields = [
            "instance_id",
            "address",
            "status",
            "status_changed_at",
            "critical_since",
            "version",
            "git_commit",
            "host",
            "pid",
            "queues",
            "tags",
            "source",
            "started_at",
            "registered_at",
            "last_heartbeat_at",
            "checks",
        ]


class ServiceSerializer(serializers.ModelSerializer):
    instances = ServiceInstanceSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = ["name", "kind", "is_critical", "tags", "instances"]


class RegistrySerializer(serializers.Serializer):
    services = ServiceSerializer(many=True, read_only=True)
