"""Seed the `production` and `staging` deployment configurations (edited in the admin afterwards; an existing
row of that name is left as it is). Values a site must change: the image repository, the hosts, the Secret."""

from django.db import migrations

QUEUE_GROUPS = [
    # the urgent lane alone, threads (short tasks waiting on the database or a webhook)
    {"name": "urgent", "queues": ["urgent"], "replicas": 2, "concurrency": 8, "pool": "threads", "memory": "384Mi"},
    {"name": "grading", "queues": ["grading", "urgent"], "replicas": 2, "concurrency": 2},
    {
        "name": "notifications",
        "queues": ["notifications", "urgent"],
        "replicas": 2,
        "concurrency": 8,
        "pool": "threads",
    },
    {"name": "fraud", "queues": ["fraud"], "replicas": 2, "concurrency": 2, "memory": "1Gi"},
    {"name": "general", "queues": ["celery"], "replicas": 2, "concurrency": 2},
    {"name": "integration", "queues": ["integration"], "replicas": 2, "concurrency": 8, "pool": "threads"},
    {"name": "analytics", "queues": ["analytics", "reports"], "replicas": 1, "concurrency": 2, "memory": "1Gi"},
]
STAGING_GROUPS = [
    {"name": "urgent", "queues": ["urgent"], "replicas": 1, "concurrency": 4, "pool": "threads", "memory": "384Mi"},
    {
        "name": "all",
        "queues": ["urgent", "grading", "notifications", "fraud", "celery", "integration", "analytics", "reports"],
        "replicas": 1,
        "concurrency": 2,
        "memory": "1Gi",
    },
]
DEFAULTS = {
    "production": {
        "namespace": "dbsbm",
        "image": "registry.example.com/dbsbm/portal",
        "image_tag": "2026.12.0",
        "web_replicas": 3,
        "web_cpu_request": "500m",
        "web_cpu_limit": "2",
        "web_memory_request": "768Mi",
        "web_memory_limit": "1536Mi",
        "autoscaling_min_replicas": 3,
        "autoscaling_max_replicas": 12,
        "autoscaling_target_cpu_percent": 65,
        "pod_disruption_min_available": 2,
        "hosts": ["portal.example.com"],
        "tls_secret_name": "dbsbm-tls",
        "config": {"WEB_CONCURRENCY": "2", "DJANGO_SECURE_SSL_REDIRECT": "true"},
        "secret_names": ["dbsbm-env"],
        "worker_groups": QUEUE_GROUPS,
    },
    "staging": {
        "namespace": "dbsbm-staging",
        "image": "registry.example.com/dbsbm/portal",
        "image_tag": "2026.12.0",
        "web_replicas": 2,
        "autoscaling_min_replicas": 2,
        "autoscaling_max_replicas": 4,
        "pod_disruption_min_available": 1,
        "hosts": ["staging.portal.example.com"],
        "tls_secret_name": "dbsbm-staging-tls",
        "config": {"WEB_CONCURRENCY": "1"},
        "secret_names": ["dbsbm-env"],
        "worker_groups": STAGING_GROUPS,
    },
}


def seed(apps, schema_editor):
    environment_model = apps.get_model("integration", "DeploymentEnvironment")
    for name, values in DEFAULTS.items():
        environment_model.objects.get_or_create(name=name, defaults=values)


def unseed(apps, schema_editor):
    apps.get_model("integration", "DeploymentEnvironment").objects.filter(name__in=DEFAULTS, releases=None).delete()


class Migration(migrations.Migration):
    dependencies = [("integration", "0002_scaling")]
    operations = [migrations.RunPython(seed, unseed)]
