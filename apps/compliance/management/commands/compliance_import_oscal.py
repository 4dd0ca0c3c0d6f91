"""Import (or update in place) a framework from a NIST OSCAL catalog JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.compliance.services.catalogues import CatalogueError, catalogue_sync
from apps.compliance.services.oscal_import import count_controls, oscal_catalogue_read
from apps.core.actors import Actor


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("path", help="An OSCAL catalog in JSON.")
        parser.add_argument(
            "--framework-id",
            help="The framework's id (default: from the catalog's title). Give the same id to a newer version "
            "whose title changed so that it updates the framework in place.",
        )
        parser.add_argument(
            "--keep-param-placeholders",
            action="store_true",
            help="Leave {{ insert: param, ... }} in statements instead of the parameters' labels or values.",
        )

    def handle(self, *args, path, framework_id=None, keep_param_placeholders=False, **options):
        try:
            catalogue = oscal_catalogue_read(
                Path(path), framework_id=framework_id, substitute_params=not keep_param_placeholders
            )
            result = catalogue_sync(catalogue=catalogue, actor=Actor.system("compliance_import_oscal"))
        except CatalogueError as error:
            raise CommandError(error.message) from error
        framework = result.framework
        if result.unchanged:
            state = "unchanged"
        else:
            state = f"{result.created} created, {result.updated} updated, {result.removed} removed"
        controls = count_controls(catalogue.nodes)
        self.stdout.write(f"{framework.pk} ({framework.name} {framework.version}): {controls} controls; {state}")
