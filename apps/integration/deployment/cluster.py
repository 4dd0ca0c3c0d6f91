"""The namespace-level objects of a deployment: namespace, service account, ConfigMap, the shared media volume
and the NetworkPolicies (apps/integration/deployment/manifests.py renders the workloads)."""

from apps.integration.deployment import pods
from apps.integration.deployment.pods import APP, WEB_PORT
from apps.integration.models.deployment import DeploymentEnvironment


def supporting(environment: DeploymentEnvironment) -> list[dict]:
    """Namespace, service account, ConfigMap, the shared media volume (evidence files, archives: README)."""
    config = {
        "DJANGO_SETTINGS_MODULE": "dbsbm.settings.production",
        "DJANGO_ALLOWED_HOSTS": ",".join(environment.hosts),
        "DBSBM_DATA_DIR": f"{pods.MEDIA_PATH}/var",
        "DBSBM_MEDIA_ROOT": f"{pods.MEDIA_PATH}/media",
        **environment.config,
    }
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": environment.namespace}},
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": pods.metadata(environment, APP, "service-account"),
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": pods.metadata(environment, pods.CONFIG_MAP, "config"),
            "data": dict(sorted(config.items())),
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": pods.metadata(environment, pods.MEDIA_CLAIM, "media"),
            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "10Gi"}}},
        },
    ]


def network_policies(environment: DeploymentEnvironment) -> list[dict]:
    """No pod accepts connections, except web on its HTTP port (from the Ingress controller)."""
    web_selector = {"matchLabels": pods.selector(environment, "web")}
    return [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": pods.metadata(environment, f"{APP}-deny-ingress", "network"),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": pods.metadata(environment, f"{APP}-web-http", "network"),
            "spec": {
                "podSelector": web_selector,
                "policyTypes": ["Ingress"],
                "ingress": [{"ports": [{"protocol": "TCP", "port": WEB_PORT}]}],
            },
        },
    ]
