"""The `ml` Celery queue (issue #16: model training jobs, drift checks) joins the seeded deployment
configurations: production's analytics worker group and staging's all-queues group take it, so every
declared queue keeps a consumer. Environments edited since are left alone unless they lack the queue and have
a group of that name."""

from django.db import migrations

TAKERS = {"production": "analytics", "staging": "all"}


def add_queue(apps, schema_editor):
    environment_model = apps.get_model("integration", "DeploymentEnvironment")
    for environment in environment_model.objects.filter(name__in=TAKERS):
        groups = environment.worker_groups
        if any("ml" in group.get("queues", []) for group in groups):
            continue
        for group in groups:
            if group.get("name") == TAKERS[environment.name]:
                group["queues"] = [*group["queues"], "ml"]
                environment.worker_groups = groups
                environment.save(update_fields=["worker_groups"])
                break


def remove_queue(apps, schema_editor):
    environment_model = apps.get_model("integration", "DeploymentEnvironment")
    for environment in environment_model.objects.filter(name__in=TAKERS):
        for group in environment.worker_groups:
            group["queues"] = [queue for queue in group.get("queues", []) if queue != "ml"]
        environment.save(update_fields=["worker_groups"])


class Migration(migrations.Migration):
    dependencies = [("integration", "0004_merge_areas")]
    operations = [migrations.RunPython(add_queue, remove_queue)]
