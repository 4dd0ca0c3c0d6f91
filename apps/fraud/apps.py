from django.apps import AppConfig


class FraudConfig(AppConfig):
    """Betting integrity: detectors over the bet ledger, and the fraud cases analysts triage.

    A deliberate split from DESIGN.md's single security app. Security (apps/security) watches attacks
    on the portal itself: logins, keys, privileges, event streams with sliding windows, alerts that
    live for minutes to days. Integrity detection reads the bet ledger (cappers' bets, games, results)
    in batch over weeks of history, its cases name cappers rather than staff or IP addresses, its
    audience is the guilds' trust in records rather than the portal's operators, and a case stays open
    for as long as an investigation takes. Different data, audiences and lifecycles: two apps, and
    neither imports the other.
    """

    name = "apps.fraud"
    label = "fraud"
    verbose_name = "Betting integrity (fraud)"

    def ready(self) -> None:
        from apps.fraud import receivers  # noqa: F401 - cheap checks after bets are placed or settled
