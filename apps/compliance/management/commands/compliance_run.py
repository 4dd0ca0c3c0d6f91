"""Run the automated compliance checks now; exit 1 when a check of severity high or critical fails."""

import json
import sys
from xml.etree import ElementTree

from django.core.management.base import BaseCommand, CommandError

from apps.compliance.checks.registry import checks_for
from apps.compliance.models import Framework
from apps.compliance.selectors import framework_scores
from apps.compliance.services.runs import checks_run


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--framework", help="Only the checks evidencing this framework (e.g. soc2).")
        parser.add_argument("--check", dest="check_id", help="Only this check (runs even when disabled).")
        parser.add_argument("--format", choices=["text", "json", "junit"], default="text")

    def handle(self, *args, framework=None, check_id=None, format="text", **options):
        if framework and not Framework.objects.filter(pk=framework).exists():
            known = ", ".join(Framework.objects.order_by("id").values_list("id", flat=True))
            raise CommandError(f"Unknown framework {framework!r}. Known: {known}.")
        if check_id and not checks_for(check_id=check_id):
            known = ", ".join(check.id for check in checks_for())
            raise CommandError(f"Unknown check {check_id!r}. Known: {known}.")
        batch = checks_run(framework=framework, check_id=check_id, trigger="command")
        scores = framework_scores(framework_id=framework)
        output = {"text": self._text, "json": self._json, "junit": self._junit}[format](batch.runs, scores)
        self.stdout.write(output)
        if batch.blocking_failures:
            # the report is on stdout; the exit code tells CI and cron that a high or critical check failed
            self.stderr.write(f"{len(batch.blocking_failures)} high or critical check(s) failed.")
            sys.exit(1)

    @staticmethod
    def _json(runs, scores) -> str:
        return json.dumps(
            {
                "checks": [
                    {
                        "id": run.check_id,
                        "status": run.status,
                        "severity": run.severity,
                        "requirements": run.requirements,
                        "evidence_sha256": run.evidence_sha256,
                        "summary": run.summary,
                    }
                    for run in runs
                ],
                "frameworks": [{"id": row["id"], "score": row["score"]} for row in scores],
            },
            indent=2,
        )

    @staticmethod
    def _text(runs, scores) -> str:
        lines = [f"{run.status.upper():<15} {run.severity:<9} {run.check_id:<45} {run.summary}" for run in runs]
        lines.append("")
        for row in scores:
            score = "n/a" if row["score"] is None else f"{row['score']:.1f}%"
            lines.append(
                f"{row['id']:<20} score {score:>7}  passing {row['passing']}, failing {row['failing']}, "
                f"error {row['error']}, attested {row['attested']}, manual {row['manual']}"
            )
        return "\n".join(lines)

    @staticmethod
    def _junit(runs, scores) -> str:
        suite = ElementTree.Element(
            "testsuite",
            name="compliance",
            tests=str(len(runs)),
            failures=str(sum(run.status == "fail" for run in runs)),
            errors=str(sum(run.status == "error" for run in runs)),
            skipped=str(sum(run.status == "not_applicable" for run in runs)),
        )
        for run in runs:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"compliance.{run.severity}",
                name=run.check_id,
                time=f"{run.duration_ms / 1000:.3f}",
            )
            if run.status == "fail":
                ElementTree.SubElement(case, "failure", message=run.summary).text = json.dumps(run.evidence, indent=2)
            elif run.status == "error":
                ElementTree.SubElement(case, "error", message=run.summary).text = json.dumps(run.evidence, indent=2)
            elif run.status == "not_applicable":
                ElementTree.SubElement(case, "skipped", message=run.summary)
            ElementTree.SubElement(
                case, "system-out"
            ).text = f"requirements: {', '.join(run.requirements)}\nevidence_sha256: {run.evidence_sha256}"
        ElementTree.indent(suite)
        return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
