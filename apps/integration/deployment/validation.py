"""What a deployment configuration must satisfy before it is saved (and so before manifests are rendered).

The JSON fields (hosts, config, secret names, worker groups) are checked here, each error naming the field and
what to write instead: a bad row would otherwise surface only as a manifest the cluster refuses.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.integration.models.deployment import DeploymentEnvironment

K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
CPU = re.compile(r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$")
MEMORY = re.compile(r"^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$")
# names that say "secret": such a value belongs in a Secret (named in secret_names), never in the ConfigMap
SECRET_LOOKING = re.compile(r"(SECRET|PASSWORD|TOKEN|PRIVATE|MASTER_KEY|API_KEY|_URL$)")
# URLs carry credentials (postgres://user:password@…): DATABASE_URL, REDIS_URL … go in a Secret too
WORKER_POOLS = ("prefork", "threads", "solo")
WORKER_KEYS = {"name", "queues", "replicas", "concurrency", "pool", "cpu", "memory"}


def _check_hosts(hosts) -> list[str]:
    if not isinstance(hosts, list) or not hosts:
        return [_('List at least one host name, e.g. ["portal.example.com"].')]
    return [
        _("%(host)s is not a host name (lower case, e.g. portal.example.com).") % {"host": repr(host)}
        for host in hosts
        if not (isinstance(host, str) and HOST_NAME.match(host))
    ]


def _check_config(config) -> list[str]:
    if not isinstance(config, dict):
        return ['Give an object of environment values, e.g. {"DJANGO_ALLOWED_HOSTS": "portal.example.com"}.']
    errors = []
    for key, value in config.items():
        if not ENV_NAME.match(key):
            errors.append(
                _("%(key)s is not an environment variable name (upper case, digits, _).") % {"key": repr(key)}
            )
        elif SECRET_LOOKING.search(key):
            errors.append(
                _("%(key)s looks secret: put it in a Secret and list the Secret's name in secret names.") % {"key": key}
            )
        if not isinstance(value, str):
            errors.append(_("The value of %(key)s must be a string (quote numbers and booleans).") % {"key": key})
    return errors


def _check_secret_names(names) -> list[str]:
    if not isinstance(names, list):
        return [_('Give a list of Secret names, e.g. ["dbsbm-env"].')]
    return [
        _("%(name)s is not a Kubernetes name.") % {"name": repr(name)}
        for name in names
        if not (isinstance(name, str) and K8S_NAME.match(name))
    ]


def _check_group(group, declared: tuple[str, ...]) -> list[str]:
    if not isinstance(group, dict) or not isinstance(group.get("name"), str) or not K8S_NAME.match(group["name"]):
        return ['Each worker group is an object with a Kubernetes "name", e.g. {"name": "grading", "queues": [...]}.']
    name, errors = group["name"], []
    if unknown := sorted(set(group) - WORKER_KEYS):
        errors.append(
            _("Worker group %(name)s: unknown keys %(unknown)s (allowed: %(WORKER_KEYS)s).")
            % {"name": name, "unknown": unknown, "WORKER_KEYS": sorted(WORKER_KEYS)}
        )
    queues = group.get("queues")
    if not isinstance(queues, list) or not queues:
        errors.append(_("Worker group %(name)s: list its queues, in the order it takes them.") % {"name": name})
    elif undeclared := [queue for queue in queues if queue not in declared]:
        errors.append(
            _("Worker group %(name)s: unknown queues %(undeclared)s (declared: %(declared)s).")
            % {"name": name, "undeclared": undeclared, "declared": ", ".join(declared)}
        )
    for key in ("replicas", "concurrency"):
        value = group.get(key, 1)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
            errors.append(
                _("Worker group %(name)s: %(key)s must be a whole number from 1 to 100.") % {"name": name, "key": key}
            )
    if group.get("pool", "prefork") not in WORKER_POOLS:
        errors.append(
            _("Worker group %(name)s: pool must be one of %(WORKER_POOLS)s.")
            % {"name": name, "WORKER_POOLS": ", ".join(WORKER_POOLS)}
        )
    if not CPU.match(str(group.get("cpu", "500m"))):
        errors.append(_('Worker group %(name)s: cpu must be a quantity such as "500m".') % {"name": name})
    if not MEMORY.match(str(group.get("memory", "512Mi"))):
        errors.append(_('Worker group %(name)s: memory must be a quantity such as "512Mi".') % {"name": name})
    return errors


def _check_worker_groups(groups) -> list[str]:
    declared = tuple(settings.CELERY_QUEUE_NAMES)
    if not isinstance(groups, list) or not groups:
        return ["List at least one worker group; together they must take every queue."]
    errors = [error for group in groups for error in _check_group(group, declared)]
    if errors:
        return errors
    names = [group["name"] for group in groups]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        errors.append(_("Worker group names must be unique: %(duplicates)s.") % {"duplicates": duplicates})
    if uncovered := [queue for queue in declared if not any(queue in group["queues"] for group in groups)]:
        errors.append(
            _("No worker group takes %(uncovered)s: their tasks would wait forever.") % {"uncovered": uncovered}
        )
    return errors


def deployment_environment_check(environment: DeploymentEnvironment) -> None:
    """Raise ValidationError (by field) when the configuration cannot be rendered into valid manifests."""
    errors = {
        "hosts": _check_hosts(environment.hosts),
        "config": _check_config(environment.config),
        "secret_names": _check_secret_names(environment.secret_names),
        "worker_groups": _check_worker_groups(environment.worker_groups),
    }
    if environment.autoscaling_min_replicas > environment.autoscaling_max_replicas:
        errors["autoscaling_max_replicas"] = [_("The maximum must be at least the minimum.")]
    if environment.pod_disruption_min_available >= environment.autoscaling_min_replicas:
        errors["pod_disruption_min_available"] = [
            _("Keep it below the autoscaling minimum, or a node drain can never evict a web pod.")
        ]
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)
