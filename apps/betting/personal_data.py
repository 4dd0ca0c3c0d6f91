"""What the betting app holds about people (apps/core/personal_data.py).

Decisions:
- A capper is a member's betting profile: the display name and avatar are shown on the guild's
  leaderboards (public within the guild).
- Bets, legs and ledger entries are the member's betting history (behavioural, with unit amounts
  as financial data). Erasure keeps the numbers (KEEP: the ledger is append-only and every record is
  computed from it) and removes the identity by anonymizing the capper and member instead.
- Free text (leg descriptions, prop selections, manual teams, the review note, ledger reasons) may
  hold anything a person typed: confidential, scanned for personal data by the privacy app.
"""

from apps.core.personal_data import DataCategory, DataClass, ErasureAction, declare_personal_data

KEEP = ErasureAction.KEEP
ERASE = ErasureAction.ERASE

declare_personal_data(
    "betting.Capper",
    subject="member",
    kind="capper_profile",
    fields={
        "display_name": (DataClass.PUBLIC, DataCategory.IDENTIFIER, "name on the guild's leaderboards"),
        "avatar_url": (DataClass.PUBLIC, DataCategory.IDENTIFIER, "picture on the guild's leaderboards", ERASE),
    },
    not_personal=["id", "tenant", "member", "is_active", "frozen_at", "frozen_reason", "created_at"],
)

declare_personal_data(
    "betting.Bet",
    subject="capper__member",
    kind="betting_history",
    fields={
        "external_id": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the Discord message of the bet", KEEP),
        "stake_units": (DataClass.INTERNAL, DataCategory.FINANCIAL, "the bet's stake", KEEP),
        "net_units": (DataClass.INTERNAL, DataCategory.FINANCIAL, "the bet's result", KEEP),
        "placed_at": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "when the member bet", KEEP),
        "received_at": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "when the server received the bet", KEEP),
        "settled_by": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "who settled the bet"),
        "review_note": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "why a settlement needs review"),
    },
    not_personal=[
        "id",
        "tenant",
        "capper",
        "status",
        "leg_count",
        "american_odds",
        "decimal_odds",
        "potential_profit",
        "settled_at",
        "settlement_source",
        "needs_review",
        "created_at",
        "updated_at",
    ],
)

declare_personal_data(
    "betting.BetLeg",
    subject="bet__capper__member",
    kind="betting_history",
    fields={
        "description": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the capper's words about the leg", ERASE),
        "selection": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "what was picked (a prop's text)"),
        "manual_teams": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "teams of a leg on no listed game"),
    },
    not_personal=[
        "id",
        "bet",
        "position",
        "game",
        "market",
        "line",
        "odds",
        "result",
        "graded_at",
        "graded_source",
    ],
)

declare_personal_data(
    "betting.LedgerEntry",
    subject="capper__member",
    kind="betting_ledger",
    fields={
        "units": (DataClass.INTERNAL, DataCategory.FINANCIAL, "net units of a settlement", KEEP),
        "staked_units": (DataClass.INTERNAL, DataCategory.FINANCIAL, "units staked", KEEP),
        "placed_at": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "when the member bet", KEEP),
        "reason": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "why staff settled or corrected", KEEP),
    },
    not_personal=[
        "id",
        "tenant",
        "capper",
        "bet",
        "sequence",
        "kind",
        "result",
        "record_sign",
        "created_at",
    ],
)
