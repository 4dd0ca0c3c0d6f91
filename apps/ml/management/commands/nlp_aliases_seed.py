"""`manage.py nlp_aliases_seed`: store the curated team aliases and players (apps/ml/nlp/aliases.py) for the
teams that exist; idempotent (seed_demo runs it after loading the demo's teams)."""

from django.core.management.base import BaseCommand

from apps.ml.nlp.services import team_aliases_seed


class Command(BaseCommand):
    help = "Store the bet-text parser's curated team aliases and players for the teams in the catalogue."

    def handle(self, *args, **options):
        created = team_aliases_seed()
        self.stdout.write(f"Parser catalogue: {created} aliases and players added.")
