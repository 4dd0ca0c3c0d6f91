"""Betting rows another app rewrote for privacy: what the betting app must refresh, named for what happened.

Privacy anonymizes members and cappers (erasure) and redacts personal data found in bet text
(findings) through the personal-data registry, not through betting's own services; it then tells
betting what happened here, so privacy does not need to know which caches betting keeps. Call these
inside the change's transaction: the invalidation waits for the commit (a rollback refreshes nothing).
"""

from django.db import transaction

from apps.betting.services.invalidation import bets_changed, bets_settled


def cappers_renamed(*, tenant_id: int) -> None:
    """A tenant's cappers were renamed (an erasure's pseudonym): every cached read showing a capper's name
    (bets, counts, ledgers, leaderboards) is refreshed after commit."""
    transaction.on_commit(lambda: bets_settled(tenant_ids=[tenant_id]))


def bet_text_redacted(*, tenant_id: int) -> None:
    """A bet's or leg's free text was redacted: the cached bets of the tenant are refreshed after commit."""
    transaction.on_commit(lambda: bets_changed(tenant_id=tenant_id))
