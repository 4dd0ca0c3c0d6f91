"""Domain signals of the betting app, sent inside the transaction of the change (apps/core/outbox.py).

Receivers enqueue tasks (an outbox row in that transaction) and defer anything else with on_commit;
they never write the betting app's tables.
"""

from django.dispatch import Signal

bet_placed = Signal()  # bet_id, tenant_id
# bet_ids, tenant_id: the bets one bulk import created, once per import (receivers enqueue one task for
# them all, not one per bet)
bets_imported = Signal()
bet_settled = Signal()  # bet_id, tenant_id, source (SettlementSource: auto, api or staff)
bet_voided = Signal()  # bet_id, tenant_id
game_finalized = Signal()  # game_id
