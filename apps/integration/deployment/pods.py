"""The pieces every pod of a deployment shares: labels, the container's hardening, its environment and volumes.

Hardened the same way everywhere (what checkov's Kubernetes checks ask, `.checkov.yaml`): a non-root user of
the image (uid 10001), no privilege escalation, every capability dropped, the RuntimeDefault seccomp profile,
a read-only root file system (writable: /tmp and the shared media volume only), no service-account token.
"""

from apps.integration.models.deployment import DeploymentEnvironment

APP = "dbsbm"
APP_UID = 10001  # the image's user (Dockerfile): above 10000, never a host user's id
CONFIG_MAP = f"{APP}-config"
MEDIA_CLAIM = f"{APP}-media"
MEDIA_PATH = "/data"
WEB_PORT = 8000


def labels(environment: DeploymentEnvironment, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": APP,
        "app.kubernetes.io/instance": environment.name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "dbsbm-k8s-manifests",
    }


def selector(environment: DeploymentEnvironment, component: str) -> dict[str, str]:
    """The labels a controller selects its pods by (immutable: only the stable ones)."""
    stable = labels(environment, component)
    del stable["app.kubernetes.io/managed-by"]
    return stable


def metadata(environment: DeploymentEnvironment, name: str, component: str) -> dict:
    return {"name": name, "namespace": environment.namespace, "labels": labels(environment, component)}


def image(environment: DeploymentEnvironment, tag: str) -> str:
    return f"{environment.image}:{tag}"


def container_security() -> dict:
    return {
        "runAsNonRoot": True,
        "runAsUser": APP_UID,
        "runAsGroup": APP_UID,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def env_from(environment: DeploymentEnvironment) -> list[dict]:
    """The ConfigMap, then each named Secret (references only: the values stay in the cluster)."""
    return [
        {"configMapRef": {"name": CONFIG_MAP}},
        *({"secretRef": {"name": name}} for name in environment.secret_names),
    ]


def resources(*, cpu_request: str, cpu_limit: str, memory_request: str, memory_limit: str) -> dict:
    return {
        "requests": {"cpu": cpu_request, "memory": memory_request},
        "limits": {"cpu": cpu_limit, "memory": memory_limit},
    }


def container(
    environment: DeploymentEnvironment, *, name: str, tag: str, command: list[str], resource_limits: dict, **extra
) -> dict:
    return {
        "name": name,
        "image": image(environment, tag),
        "imagePullPolicy": "Always",
        "command": command,
        "envFrom": env_from(environment),
        "resources": resource_limits,
        "securityContext": container_security(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - the pod's own emptyDir (read-only root)
            {"name": "media", "mountPath": MEDIA_PATH},
        ],
        **extra,
    }


def pod_spec(containers: list[dict], **extra) -> dict:
    return {
        "serviceAccountName": APP,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": APP_UID,
            "runAsGroup": APP_UID,
            "fsGroup": APP_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": containers,
        "volumes": [
            {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
            {"name": "media", "persistentVolumeClaim": {"claimName": MEDIA_CLAIM}},
        ],
        **extra,
    }


def pod_template(environment: DeploymentEnvironment, component: str, spec: dict) -> dict:
    return {"metadata": {"labels": labels(environment, component)}, "spec": spec}


def probe_host(environment: DeploymentEnvironment) -> str:
    return environment.hosts[0]
