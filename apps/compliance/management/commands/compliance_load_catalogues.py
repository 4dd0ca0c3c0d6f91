"""Sync the shipped framework catalogues (apps/compliance/catalogues/*.yaml) into the database (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from apps.compliance.services.catalogues import CatalogueError, catalogues_load
from apps.core.actors import Actor


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        try:
            results = catalogues_load(actor=Actor.system("compliance_load_catalogues"))
        except CatalogueError as error:
            raise CommandError(error.message) from error
        for result in results:
            state = (
                "unchanged"
                if result.unchanged
                else f"{result.created} created, {result.updated} updated, {result.removed} removed"
            )
            self.stdout.write(f"{result.framework.pk} {result.framework.version}: {state}")
