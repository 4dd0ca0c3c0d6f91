"""Write the OSCAL assessment results of the latest check runs (all frameworks, or one) to a JSON file."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.compliance.models import Framework
from apps.compliance.services.oscal_export import oscal_assessment_results


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--framework", help="Only this framework (default: every framework).")
        parser.add_argument("--output", required=True, help="Where to write the JSON ('-' for standard output).")

    def handle(self, *args, framework=None, output, **options):
        if framework and not Framework.objects.filter(pk=framework).exists():
            known = ", ".join(Framework.objects.order_by("id").values_list("id", flat=True))
            raise CommandError(f"Unknown framework {framework!r}. Known: {known}.")
        document = json.dumps(oscal_assessment_results(framework_id=framework), indent=2)
        if output == "-":
            self.stdout.write(document)
            return
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"The folder of {path} does not exist.")
        path.write_text(document + "\n")
        results = json.loads(document)["assessment-results"]["results"]
        findings = sum(len(result.get("findings", [])) for result in results)
        self.stderr.write(f"Wrote {path}: {len(results)} results, {findings} findings.")
