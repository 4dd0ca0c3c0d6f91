"""The units ledger after any sequence of settle / correct / void equals the ledger of the final states.

Each hypothesis example places fresh bets inside a savepoint, runs a generated list of operations
through the services (some are refused: a refusal must change nothing), keeps its own model of what
each bet should be, and checks after every operation that no ledger row changed or vanished. At the
end the per-bet sums of the ledger and the capper's record equal settling each final state once.
"""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.betting.choices import FINAL_BET_STATUSES, BetStatus, LedgerKind, LegResult, SettlementSource
from apps.betting.models import Bet, LedgerEntry
from apps.betting.odds import combined_result, net_units
from apps.betting.selectors import capper_record
from apps.betting.services import bet_correct, bet_settle, bet_void
from apps.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

GRADED = st.sampled_from([LegResult.WON, LegResult.LOST, LegResult.PUSH, LegResult.VOID])
ODDS = st.sampled_from([-250, -110, -105, 100, 120, 150, 333])
STAKES = st.sampled_from(["0.10", "1.00", "2.50", "3.33", "10.00"])
LEG_COUNTS = (1, 2, 3)  # a straight bet and two parlays per example
RECORD_KEYS = ("won", "lost", "push", "void")


def _leg_results(leg_count: int, *, min_size: int = 1):
    return st.dictionaries(st.integers(0, leg_count - 1), GRADED, min_size=min_size, max_size=leg_count)


def _operation(bet_index: int):
    leg_count = LEG_COUNTS[bet_index]
    return st.one_of(
        st.tuples(st.just("settle"), st.just(bet_index), _leg_results(leg_count), st.booleans()),
        st.tuples(st.just("correct"), st.just(bet_index), _leg_results(leg_count), st.just(False)),
        st.tuples(st.just("void"), st.just(bet_index), st.just({}), st.just(False)),
    )


OPERATIONS = st.lists(st.one_of(*(_operation(index) for index in range(len(LEG_COUNTS)))), max_size=10)


class ModelBet:
    """What the bet should be after each operation, by the rules of DESIGN.md."""

    def __init__(self, bet: Bet, odds: list[int]) -> None:
        self.bet = bet
        self.odds = odds
        self.legs = [LegResult.PENDING] * len(odds)
        self.status = BetStatus.PENDING

    def settle(self, results: dict[int, str]) -> str | None:
        """The refusal code the service must answer with, or None after applying the settlement."""
        if self.status in FINAL_BET_STATUSES:
            return "bet_already_settled"
        if any(self.legs[index] not in (LegResult.PENDING, result) for index, result in results.items()):
            return "leg_graded"
        for index, result in results.items():
            self.legs[index] = result
        if LegResult.PENDING not in self.legs:
            self.status = combined_result(self.legs)
        return None

    def correct(self, results: dict[int, str]) -> str | None:
        if self.status not in FINAL_BET_STATUSES:
            return "bet_not_settled"
        legs = [results.get(index, result) for index, result in enumerate(self.legs)]
        if LegResult.PENDING in legs:
            return "legs_pending"
        self.legs, self.status = legs, combined_result(legs)
        return None

    def void(self) -> None:
        self.status = BetStatus.VOID

    def expected_ledger(self) -> dict:
        """The sums of the ledger entries of this bet had its final state been settled once."""
        record = dict.fromkeys(RECORD_KEYS, 0)
        if self.status not in FINAL_BET_STATUSES:
            return {**record, "units": Decimal(0), "staked": Decimal(0), "entries_net": 0}
        record[self.status] = 1
        if self.status == BetStatus.VOID:
            return {**record, "units": Decimal(0), "staked": Decimal(0), "entries_net": 1}
        units = net_units(self.bet.stake_units, list(zip(self.odds, self.legs, strict=True)))
        return {**record, "units": units, "staked": self.bet.stake_units, "entries_net": 1}


def _ledger_sums(bet: Bet) -> dict:
    sums = dict.fromkeys(RECORD_KEYS, 0)
    sums.update(units=Decimal(0), staked=Decimal(0), entries_net=0)
    for entry in LedgerEntry.objects.filter(bet=bet):
        sums[entry.result] += entry.record_sign
        sums["units"] += entry.units
        sums["staked"] += entry.staked_units
        sums["entries_net"] += entry.record_sign
    return sums


def _snapshot() -> list[dict]:
    return list(LedgerEntry.objects.order_by("pk").values())


def _run(model: ModelBet, operation: str, results: dict[int, str], by_staff: bool, actor) -> str | None:
    legs = list(model.bet.legs.order_by("position").values_list("pk", flat=True))
    by_id = {legs[index]: result for index, result in results.items()}
    try:
        if operation == "settle":
            source = SettlementSource.STAFF if by_staff else SettlementSource.API
            bet_settle(bet=model.bet, actor=actor, leg_results=by_id, reason="graded by hand", source=source)
        elif operation == "correct":
            bet_correct(bet=model.bet, actor=actor, leg_results=by_id, reason="wrong grade")
        else:
            bet_void(bet=model.bet, actor=actor, reason="line was off the board")
    except ApplicationError as error:
        return error.code
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    odds=st.lists(ODDS, min_size=sum(LEG_COUNTS), max_size=sum(LEG_COUNTS)),
    stakes=st.lists(STAKES, min_size=len(LEG_COUNTS), max_size=len(LEG_COUNTS)),
    operations=OPERATIONS,
)
def test_the_ledger_after_any_operations_equals_the_ledger_of_the_final_states(
    tenant, capper, place_bet, actor, odds, stakes, operations
):
    with transaction.atomic():  # one savepoint per example: the next example starts from no bets
        models = []
        start = 0
        for index, leg_count in enumerate(LEG_COUNTS):
            bet_odds = odds[start : start + leg_count]
            start += leg_count
            legs = [
                {"market": "moneyline", "selection": "home", "odds": price, "description": f"manual game {leg}"}
                for leg, price in enumerate(bet_odds)
            ]
            models.append(ModelBet(place_bet(f"prop-{index}", legs, stake=stakes[index]), bet_odds))

        for operation, bet_index, results, by_staff in operations:
            model = models[bet_index]
            before = _snapshot()
            if operation == "settle":
                expected_refusal = model.settle(results)
            elif operation == "correct":
                expected_refusal = model.correct(results)
            else:
                expected_refusal = None
                model.void()

            refusal = _run(model, operation, results, by_staff, actor)

            assert refusal == expected_refusal, (operation, results)
            event(f"{operation}: {refusal or 'applied'}")
            after = _snapshot()
            assert after[: len(before)] == before  # append-only: no entry changed or vanished
            if refusal is not None:
                assert after == before

        for model in models:
            bet = Bet.objects.get(pk=model.bet.pk)
            expected = model.expected_ledger()
            assert bet.status == model.status
            assert list(bet.legs.order_by("position").values_list("result", flat=True)) == model.legs
            assert _ledger_sums(bet) == expected
            if model.status in FINAL_BET_STATUSES:
                assert bet.net_units == expected["units"]
            kinds = list(LedgerEntry.objects.filter(bet=bet).order_by("sequence").values_list("sequence", "kind"))
            assert [sequence for sequence, _ in kinds] == list(range(1, len(kinds) + 1))
            assert [kind for _, kind in kinds] == [
                LedgerKind.SETTLE if position % 2 == 0 else LedgerKind.REVERSE for position in range(len(kinds))
            ]

        lifetime = capper_record(tenant=tenant, capper=capper, period_label="lifetime")
        expected_ledgers = [model.expected_ledger() for model in models]
        staked = sum((ledger["staked"] for ledger in expected_ledgers), Decimal(0))
        net = sum((ledger["units"] for ledger in expected_ledgers), Decimal(0))
        assert lifetime == {
            "period": "lifetime",
            **{key: sum(ledger[key] for ledger in expected_ledgers) for key in RECORD_KEYS},
            "staked_units": staked,
            "net_units": net,
            "roi": (net / staked).quantize(Decimal("0.0001")) if staked else None,
        }
        transaction.set_rollback(True)


@pytest.mark.parametrize("statement", ["UPDATE betting_ledgerentry SET units = 0", "DELETE FROM betting_ledgerentry"])
def test_the_database_refuses_to_change_or_remove_ledger_entries(place_bet, actor, statement):
    bet = place_bet("refuse-1", [{"market": "moneyline", "selection": "home", "odds": 150, "description": "manual"}])
    bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: LegResult.WON})
    before = _snapshot()

    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert error.value.__cause__.sqlstate == "42501"  # insufficient_privilege
    assert "the units ledger is append-only" in str(error.value)
    assert _snapshot() == before
    assert before[0]["units"] == Decimal("1.5000")


@pytest.mark.parametrize(
    "change",
    [
        lambda entry: LedgerEntry.objects.filter(pk=entry.pk).update(units=Decimal(0)),
        lambda entry: LedgerEntry.objects.filter(pk=entry.pk).delete(),
        lambda entry: entry.save(),
    ],
    ids=["queryset-update", "queryset-delete", "model-save"],
)
def test_the_orm_cannot_change_or_remove_ledger_entries_either(place_bet, actor, change):
    bet = place_bet("refuse-2", [{"market": "moneyline", "selection": "away", "odds": -120, "description": "manual"}])
    bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: LegResult.LOST})
    entry = LedgerEntry.objects.get(bet=bet)
    before = _snapshot()

    with pytest.raises(DatabaseError), transaction.atomic():
        change(entry)

    assert _snapshot() == before
