"""Kubernetes manifests rendered from a `DeploymentEnvironment` row (`manage.py k8s_manifests --env <name>`).

One object per dict, in the order they are applied: the namespace, the service account, the ConfigMap and the
shared media volume, the migration Job (it records the release, then migrates: `release_start --migrate`), the
web Deployment with its Service, Ingress, HorizontalPodAutoscaler and PodDisruptionBudget, a Deployment per
worker group (its queues in priority order), beat (one replica, Recreate: two beats would send every periodic
task twice), and the NetworkPolicies. Secrets are referenced by name (envFrom), never rendered.
"""

import re

from apps.integration.deployment import pods
from apps.integration.deployment.cluster import network_policies, supporting
from apps.integration.deployment.pods import APP
from apps.integration.models.deployment import DeploymentEnvironment

WEB_PORT = pods.WEB_PORT
MIGRATE_DEADLINE_SECONDS = 1800


# checkov's findings that do not apply to a process, suppressed on that object only, each with its reason
# (the checks skipped everywhere, and why: .checkov.yaml)
NO_TRAFFIC = "CKV_K8S_9=serves no traffic: readiness gates Service endpoints only"
NO_PING = "CKV_K8S_8=beat answers no ping; one replica, restarted by its Deployment if it exits"


def _deployment(
    environment, name: str, component: str, replicas: int, spec: dict, strategy: dict, skips: tuple[str, ...] = ()
) -> dict:
    metadata = pods.metadata(environment, name, component)
    if skips:
        metadata["annotations"] = {f"checkov.io/skip{number}": skip for number, skip in enumerate(skips, start=1)}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 5,
            "strategy": strategy,
            "selector": {"matchLabels": pods.selector(environment, component)},
            "template": pods.pod_template(environment, component, spec),
        },
    }


def _http_probe(environment, path: str, *, period: int, failures: int) -> dict:
    return {
        "httpGet": {
            "path": path,
            "port": WEB_PORT,
            # ALLOWED_HOSTS refuses the pod's IP, which the kubelet would send as Host
            "httpHeaders": [{"name": "Host", "value": pods.probe_host(environment)}],
        },
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def web(environment: DeploymentEnvironment, tag: str) -> list[dict]:
    component, name = "web", f"{APP}-web"
    command = ["uvicorn", "dbsbm.asgi:application", "--host", "0.0.0.0", "--port", str(WEB_PORT)]  # noqa: S104
    container = pods.container(
        environment,
        name="web",
        tag=tag,
        command=[*command, "--proxy-headers", "--forwarded-allow-ips", "*"],
        resource_limits=pods.resources(
            cpu_request=environment.web_cpu_request,
            cpu_limit=environment.web_cpu_limit,
            memory_request=environment.web_memory_request,
            memory_limit=environment.web_memory_limit,
        ),
        ports=[{"name": "http", "containerPort": WEB_PORT}],
        livenessProbe=_http_probe(environment, "/healthz", period=10, failures=3),
        readinessProbe=_http_probe(environment, "/readyz", period=5, failures=2),
        startupProbe=_http_probe(environment, "/healthz", period=2, failures=30),
    )
    rolling = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    spec = pods.pod_spec([container], terminationGracePeriodSeconds=30)
    selector = {"matchLabels": pods.selector(environment, component)}
    backend = {"service": {"name": name, "port": {"name": "http"}}}
    path = {"path": "/", "pathType": "Prefix", "backend": backend}
    rules = [{"host": host, "http": {"paths": [path]}} for host in environment.hosts]
    ingress_spec = {"rules": rules}
    if environment.tls_secret_name:
        ingress_spec["tls"] = [{"hosts": list(environment.hosts), "secretName": environment.tls_secret_name}]
    return [
        _deployment(environment, name, component, environment.web_replicas, spec, rolling),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": pods.metadata(environment, name, component),
            "spec": {
                "type": "ClusterIP",
                "selector": pods.selector(environment, component),
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": pods.metadata(environment, name, component),
            "spec": ingress_spec,
        },
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": pods.metadata(environment, name, component),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                "minReplicas": environment.autoscaling_min_replicas,
                "maxReplicas": environment.autoscaling_max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {
                                "type": "Utilization",
                                "averageUtilization": environment.autoscaling_target_cpu_percent,
                            },
                        },
                    }
                ],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": pods.metadata(environment, name, component),
            "spec": {"minAvailable": environment.pod_disruption_min_available, "selector": selector},
        },
    ]


def _celery_ping_probe(node: str) -> dict:
    """A worker is alive while it answers a ping addressed to it (its node name: group@pod name)."""
    ping = f'celery -A dbsbm inspect ping --timeout 10 -d "{node}@$HOSTNAME"'
    return {"exec": {"command": ["sh", "-c", ping]}, "periodSeconds": 60, "timeoutSeconds": 30, "failureThreshold": 3}


def worker(environment: DeploymentEnvironment, tag: str, group: dict) -> dict:
    component, node = f"worker-{group['name']}", group["name"]
    command = ["celery", "-A", "dbsbm", "worker", "-Q", ",".join(group["queues"]), "-n", f"{node}@%h"]
    command += [f"--pool={group.get('pool', 'prefork')}", f"--concurrency={group.get('concurrency', 1)}"]
    cpu, memory = group.get("cpu", "500m"), group.get("memory", "512Mi")
    container = pods.container(
        environment,
        name="worker",
        tag=tag,
        command=[*command, "--loglevel=INFO"],
        resource_limits=pods.resources(cpu_request=cpu, cpu_limit=cpu, memory_request=memory, memory_limit=memory),
        livenessProbe=_celery_ping_probe(node),
    )
    # a warm shutdown finishes the tasks in hand (acks_late: an unfinished one is redelivered anyway)
    spec = pods.pod_spec([container], terminationGracePeriodSeconds=120)
    rolling = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    replicas = group.get("replicas", 1)
    return _deployment(environment, f"{APP}-{component}", component, replicas, spec, rolling, skips=(NO_TRAFFIC,))


def beat(environment: DeploymentEnvironment, tag: str) -> dict:
    command = ["celery", "-A", "dbsbm", "beat", "--loglevel=INFO"]
    command += ["--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
    container = pods.container(
        environment,
        name="beat",
        tag=tag,
        command=command,
        resource_limits=pods.resources(
            cpu_request="100m", cpu_limit="250m", memory_request="256Mi", memory_limit="256Mi"
        ),
    )
    # Recreate: the old beat stops before the new one starts, so periodic tasks are never sent twice
    spec = pods.pod_spec([container])
    return _deployment(environment, f"{APP}-beat", "beat", 1, spec, {"type": "Recreate"}, skips=(NO_TRAFFIC, NO_PING))


def migrate_job(environment: DeploymentEnvironment, tag: str) -> dict:
    command = ["python", "manage.py", "release_start", "--version", tag, "--env", environment.name, "--migrate"]
    container = pods.container(
        environment,
        name="migrate",
        tag=tag,
        command=command,
        resource_limits=pods.resources(cpu_request="250m", cpu_limit="1", memory_request="512Mi", memory_limit="1Gi"),
    )
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": pods.metadata(environment, f"{APP}-migrate-{_name_part(tag)}", "migrate"),
        "spec": {
            "backoffLimit": 0,  # a failed migration is looked at by a person, not retried blindly
            "activeDeadlineSeconds": MIGRATE_DEADLINE_SECONDS,
            "ttlSecondsAfterFinished": 7 * 24 * 3600,
            "template": pods.pod_template(environment, "migrate", pods.pod_spec([container], restartPolicy="Never")),
        },
    }


def _name_part(tag: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", tag.lower()).strip("-")[:40] or "release"


def render_manifests(environment: DeploymentEnvironment, *, tag: str | None = None) -> list[dict]:
    """Every object of the environment, in apply order; `tag` overrides the row's image tag (a CI release)."""
    tag = tag or environment.image_tag
    workers = [worker(environment, tag, group) for group in environment.worker_groups]
    return [
        *supporting(environment),
        migrate_job(environment, tag),
        *web(environment, tag),
        *workers,
        beat(environment, tag),
        *network_policies(environment),
    ]
