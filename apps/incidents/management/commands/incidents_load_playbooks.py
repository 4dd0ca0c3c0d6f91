"""Load the incident playbooks (YAML, one file per kind): a changed file becomes the kind's next version."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import Actor
from apps.incidents.services.playbooks import PlaybookInvalid, playbooks_load


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Where the YAML files are (default: the repo's playbooks/).")

    def handle(self, *args, directory=None, **options):
        try:
            results = playbooks_load(actor=Actor.system("manage.py incidents_load_playbooks"), directory=directory)
        except PlaybookInvalid as error:
            raise CommandError(f"Nothing loaded. {error.message}") from None
        for result in results:
            state = "loaded as" if result.created else "unchanged,"
            self.stdout.write(f"{result.path}: {result.kind} {state} version {result.version}")
        created = sum(result.created for result in results)
        self.stdout.write(f"{len(results)} playbooks, {created} new version(s).")
