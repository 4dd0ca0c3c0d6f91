"""`manage.py k8s_manifests`: the manifests rendered from the seeded deployment configurations are valid
Kubernetes 1.37 objects (kubernetes-validate, strict: no unknown field) and carry what the issue asks: probes,
resources, hardening, HPA and PDB for web, a Deployment per worker group, beat alone and Recreate, the migration
Job, Service, Ingress, ConfigMap, Secret references only, NetworkPolicies. The checkov scan of the same output
is `make check-manifests`, outside `make test` (about 20 s, and a virtualenv of its own: .checkov.yaml)."""

import functools
import io

import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.integration.deployment.manifests import render_manifests
from apps.integration.models.deployment import DeploymentEnvironment

pytestmark = pytest.mark.django_db
KUBERNETES = "1.37.0"


@pytest.fixture(scope="module", autouse=True)
def _schemas_read_once():
    """kubernetes-validate re-reads its schema files (a 4 MB definitions file) on every call: the same files,
    read once for this module (speed only; the validation itself is the library's)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            kubernetes_validate.utils, "schema_contents", functools.cache(kubernetes_validate.utils.schema_contents)
        )
        yield


def _render(name: str, *extra: str) -> list[dict]:
    out = io.StringIO()
    call_command("k8s_manifests", "--env", name, *extra, stdout=out)
    return list(yaml.safe_load_all(out.getvalue()))


def _by_kind(manifests: list[dict]) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for manifest in manifests:
        kinds.setdefault(manifest["kind"], []).append(manifest)
    return kinds


@pytest.mark.parametrize("name", ["production", "staging"])
def test_every_generated_manifest_is_a_valid_kubernetes_object(name):
    manifests = _render(name)

    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES, strict=True)  # raises on the first error
    kinds = {kind: len(objects) for kind, objects in _by_kind(manifests).items()}
    groups = len(DeploymentEnvironment.objects.get(name=name).worker_groups)
    assert kinds == {
        "Namespace": 1,
        "ServiceAccount": 1,
        "ConfigMap": 1,
        "PersistentVolumeClaim": 1,
        "Job": 1,
        "Deployment": 1 + groups + 1,  # web, the worker groups, beat
        "Service": 1,
        "Ingress": 1,
        "HorizontalPodAutoscaler": 1,
        "PodDisruptionBudget": 1,
        "NetworkPolicy": 2,
    }
    assert "Secret" not in kinds  # referenced by name, never rendered


def test_a_broken_manifest_is_refused_by_the_validator():
    """The validation above has teeth: a field the schema does not know, a wrong type."""
    deployment = next(m for m in _render("production") if m["kind"] == "Deployment")
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)


def test_the_web_deployment_has_probes_resources_hardening_an_autoscaler_and_a_disruption_budget():
    environment = DeploymentEnvironment.objects.get(name="production")
    kinds = _by_kind(_render("production", "--image-tag", "2026.12.7"))
    web = next(d for d in kinds["Deployment"] if d["metadata"]["name"] == "dbsbm-web")
    pod = web["spec"]["template"]["spec"]
    (container,) = pod["containers"]

    assert container["image"] == "registry.example.com/dbsbm/portal:2026.12.7"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["readinessProbe"]["httpGet"]["httpHeaders"] == [{"name": "Host", "value": "portal.example.com"}]
    assert container["resources"] == {
        "requests": {"cpu": environment.web_cpu_request, "memory": environment.web_memory_request},
        "limits": {"cpu": environment.web_cpu_limit, "memory": environment.web_memory_limit},
    }
    security = container["securityContext"]
    assert (security["runAsNonRoot"], security["readOnlyRootFilesystem"], security["allowPrivilegeEscalation"]) == (
        True,
        True,
        False,
    )
    assert security["capabilities"] == {"drop": ["ALL"]} and pod["automountServiceAccountToken"] is False
    assert container["envFrom"] == [{"configMapRef": {"name": "dbsbm-config"}}, {"secretRef": {"name": "dbsbm-env"}}]
    (autoscaler,) = kinds["HorizontalPodAutoscaler"]
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    assert (autoscaler["spec"]["minReplicas"], autoscaler["spec"]["maxReplicas"]) == (3, 12)
    assert autoscaler["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 65
    (budget,) = kinds["PodDisruptionBudget"]
    assert budget["spec"] == {"minAvailable": 2, "selector": web["spec"]["selector"]}
    (ingress,) = kinds["Ingress"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["portal.example.com"]
    assert ingress["spec"]["tls"] == [{"hosts": ["portal.example.com"], "secretName": "dbsbm-tls"}]


def test_a_deployment_per_worker_group_takes_its_queues_and_beat_runs_alone():
    environment = DeploymentEnvironment.objects.get(name="production")
    deployments = {d["metadata"]["name"]: d for d in _by_kind(_render("production"))["Deployment"]}

    for group in environment.worker_groups:
        worker = deployments[f"dbsbm-worker-{group['name']}"]
        command = worker["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command[command.index("-Q") + 1] == ",".join(group["queues"])
        assert worker["spec"]["replicas"] == group["replicas"]
    taken = {queue for group in environment.worker_groups for queue in group["queues"]}
    assert taken == set(settings.CELERY_QUEUE_NAMES)
    beat = deployments["dbsbm-beat"]
    assert (beat["spec"]["replicas"], beat["spec"]["strategy"]) == (1, {"type": "Recreate"})


def test_the_migration_job_records_the_release_then_migrates_and_nothing_secret_is_rendered():
    kinds = _by_kind(_render("production", "--image-tag", "2026.12.7"))
    (job,) = kinds["Job"]
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]

    assert command == [
        "python",
        *("manage.py", "release_start", "--version", "2026.12.7", "--env", "production", "--migrate"),
    ]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    (config,) = kinds["ConfigMap"]
    assert config["data"]["DJANGO_SETTINGS_MODULE"] == "dbsbm.settings.production"
    assert not [key for key in config["data"] if "SECRET" in key or "PASSWORD" in key or key.endswith("_URL")]
    deny, web_http = kinds["NetworkPolicy"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert web_http["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8000}]}]


def test_output_writes_one_file_per_object(tmp_path):
    environment = DeploymentEnvironment.objects.get(name="staging")
    call_command("k8s_manifests", "--env", "staging", "--output", str(tmp_path / "out"), stderr=io.StringIO())

    files = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert len(files) == len(render_manifests(environment))
    assert files[0] == "01-namespace-dbsbm-staging.yaml"
    assert yaml.safe_load((tmp_path / "out" / files[0]).read_text())["metadata"]["name"] == "dbsbm-staging"


def test_an_unknown_environment_or_a_bad_tag_is_an_error_naming_it():
    with pytest.raises(CommandError, match="No deployment environment 'nowhere'"):
        call_command("k8s_manifests", "--env", "nowhere")
    with pytest.raises(CommandError, match="--image-tag 'v1 beta' is not an image tag"):
        call_command("k8s_manifests", "--env", "production", "--image-tag", "v1 beta")
