from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Dev-only demo data (`manage.py seed_demo`): the top layer, above everything it uses; nothing imports it.

    No models: it writes the other apps' rows (through their services where rows matter, COPY for the bulk
    bets and legs) and grades the finished games through `betting.services.games_grade`.
    """

    name = "apps.demo"
    label = "demo"
