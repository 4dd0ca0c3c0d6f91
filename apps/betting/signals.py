"""Domain signals of the betting app, sent inside the transaction of the change (apps/core/outbox.py).

Receivers enqueue tasks (an outbox row in that transaction) and defer anything else with on_commit;
they never write the betting app's tables.
"""

from django.dispatch import Signal

bet_placed = Signal()  # bet_id, tenant_id
# bet_ids, tenant_id: the bets one bulk import created, once per import (receivers enqueue one task for
# them all, not one per bet)
bets_imported = Signal()
# bet_id, tenant_id, source (SettlementSource: auto, api or staff); from an auto-grading pass also
# graded_in_pass=True (the pass's `bets_graded` lists the same bets at once)
bet_settled = Signal()
# bet_tenants ({bet id: tenant id}): the bets one auto-grading pass settled, sent once per pass beside the
# per-bet bet_settled, so a receiver that reacts to all of them pays one statement, not one per bet
bets_graded = Signal()
bet_voided = Signal()  # bet_id, tenant_id
game_finalized = Signal()  # game_id
game_updated = Signal()  # game_id, changed (the names of the fields a fixture update changed: league_id, …)
