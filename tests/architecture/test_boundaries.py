"""App boundaries (DESIGN.md, STYLE.md rule 8), checked on the source so a new file is covered.

The layer order itself is an import-linter contract (pyproject.toml, run by `make lint`); this test
adds the rules import-linter cannot say compactly: what of another app may be imported at all.
Core is the platform every app builds on; all of it is public except views of its own.
"""

import ast
from pathlib import Path

import pytest

from dbsbm.settings.base import BASE_DIR

APPS_DIR = Path(BASE_DIR) / "apps"
# What one app may import from another. viewsets: the tenant-scoped API base (tenants) is meant
# to be shared; querysets come with models.
PUBLIC_MODULES = {
    "models",
    "services",
    "selectors",
    "choices",
    "signals",
    "querysets",
    "viewsets",
    "plans",
    "quotas",  # the plan quotas (tenants) every app that enforces one calls (issue #15 apimgmt)
    "fields",  # encrypted model fields (keyring) are meant to be used by every app
    "signin",  # the staff sign-in steps (accounts), one implementation for /admin/ and /portal/
}
NEVER_ACROSS = {"api", "admin", "consumers"}
# the dev-only demo app (nothing imports it) generates bets whose results must match grading exactly,
# so it may also use betting's pure odds and grading maths (no I/O, no writes)
DEMO_ALSO = {"odds", "grading"}


def _python_files():
    return sorted(path for path in APPS_DIR.rglob("*.py") if "migrations" not in path.parts)


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (STYLE.md: no '..' imports)"
            modules.append(node.module or "")
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return modules


@pytest.mark.parametrize("path", _python_files(), ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_apps_import_only_the_public_modules_of_other_apps(path):
    own_app = path.relative_to(APPS_DIR).parts[0]
    for module in _imported_modules(path):
        parts = module.split(".")
        if parts[0] != "apps" or len(parts) < 3 or parts[1] == own_app:
            continue
        if parts[1] == "core":
            continue  # core is the platform every app builds on: all of it is public (its api/, admin/ too)
        if own_app == "demo" and parts[1] == "betting" and parts[2] in DEMO_ALSO:
            continue
        assert parts[2] not in NEVER_ACROSS, f"{path}: imports {module} (another app's {parts[2]})"
        # an app split into sub-domain packages (apps.ml.nlp) exposes each one's public modules (apps.ml.nlp.services)
        nested_public = len(parts) > 3 and parts[3] in PUBLIC_MODULES and parts[3] not in NEVER_ACROSS
        assert parts[2] in PUBLIC_MODULES or nested_public, (
            f"{path}: imports {module}; only {sorted(PUBLIC_MODULES)} are public"
        )


def test_no_models_module_grows_past_the_size_limit():
    oversized = [
        str(path.relative_to(BASE_DIR)) for path in _python_files() if len(path.read_text().splitlines()) > 400
    ]
    assert oversized == [], "split these into packages by sub-domain (STYLE.md)"
