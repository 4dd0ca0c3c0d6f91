from django.apps import AppConfig


class MlConfig(AppConfig):
    """Machine learning with governance (issue #16): a model registry (skops artifacts with SHA-256, aliases,
    a second person's approval to promote), training jobs on Celery with evaluation reports against each
    model's baseline, predictive models (leg win probability, capper skill, fraud case ranking), a bet-text
    parser, bet-slip OCR, A/B experiments and a Thompson-sampling bandit.

    It sits above betting, fraud and analytics (it reads them through their selectors) and below the portal
    and the integration app (the Discord `/bet` command uses the parser)."""

    name = "apps.ml"
    label = "ml"
    verbose_name = "Machine learning"

    def ready(self) -> None:
        from apps.ml import registrations  # noqa: F401 - trainers, predictors, receivers of each area
