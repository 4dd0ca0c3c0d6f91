"""Other apps' way into the check registry: an app above compliance (incidents) declares its own checks
with `register_check` from its own module, imported in its AppConfig.ready()."""

from apps.compliance.checks.platform import deploy_check_start  # noqa: F401 (the demo's seeding starts it early)
from apps.compliance.checks.registry import CheckResult, register_check  # noqa: F401 (other apps' way in)
