"""`manage.py k8s_manifests --env production [--output DIR] [--image-tag TAG]`: the environment's Kubernetes
manifests, rendered from its deployment configuration in the database (apps/integration/deployment)."""

import re
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from apps.integration.deployment.manifests import render_manifests
from apps.integration.deployment.selectors import deployment_environment_get

IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


class Command(BaseCommand):
    help = "Render the Kubernetes manifests of a deployment environment (to stdout, or one file per object)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--env", required=True, help="The DeploymentEnvironment's name, e.g. production.")
        parser.add_argument("--output", type=Path, help="A directory: one YAML file per object (created if missing).")
        parser.add_argument("--image-tag", help="The image tag to deploy (default: the environment's own).")

    def handle(self, *args, env: str, output: Path | None, image_tag: str | None, **options) -> None:
        environment = deployment_environment_get(name=env)
        if environment is None:
            raise CommandError(f"No deployment environment {env!r}: create it in the admin (Integration).")
        if image_tag is not None and not IMAGE_TAG.match(image_tag):
            raise CommandError(f"--image-tag {image_tag!r} is not an image tag (letters, digits, _ . -; 128 at most).")
        manifests = render_manifests(environment, tag=image_tag)
        if output is None:
            self.stdout.write(yaml.safe_dump_all(manifests, sort_keys=False), ending="")
            return
        output.mkdir(parents=True, exist_ok=True)
        for number, manifest in enumerate(manifests, start=1):
            name = f"{number:02d}-{manifest['kind'].lower()}-{manifest['metadata']['name']}.yaml"
            (output / name).write_text(yaml.safe_dump(manifest, sort_keys=False))
        self.stderr.write(f"{len(manifests)} manifests written to {output}")
