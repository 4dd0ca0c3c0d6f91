"""The classification registry: every personal field declared, every person-bearing model declared,
restricted classes encrypted, and each declaration's subject filter finding the right rows."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from apps.accounts.models import Member
from apps.betting.choices import LegResult, Market, Selection
from apps.betting.models import Bet, BetLeg, Capper, LedgerEntry
from apps.betting.services import bet_place, bet_settle, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.personal_data import (
    ENCRYPTED_CLASSES,
    DataCategory,
    DataClass,
    ErasureAction,
    PersonalModel,
    declare_personal_data,
    personal_fields,
    personal_model,
    personal_models,
    undeclared_fields,
)
from apps.keyring.fields import is_encrypted_field
from tests.factories import TenantFactory

DECLARED = personal_models()
DECLARED_LABELS = {entry.model_label for entry in DECLARED}
# fields that make a model hold data about a person, wherever they appear
PERSON_FIELD_TYPES = (models.EmailField, models.GenericIPAddressField)


def _points_at_a_person(field: models.Field) -> bool:
    if isinstance(field, PERSON_FIELD_TYPES) or type(field).__name__ == "EncryptedIPAddressField":
        return True
    return bool(field.is_relation and field.concrete and field.related_model is Member)


@pytest.mark.parametrize("entry", DECLARED, ids=lambda entry: entry.model_label)
def test_every_concrete_field_of_a_declared_model_is_classified(entry):
    assert undeclared_fields(entry) == [], (
        f"declare these fields of {entry.model_label} in its app's personal_data.py "
        "(as personal with a class and category, or in not_personal)"
    )


@pytest.mark.parametrize("entry", DECLARED, ids=lambda entry: entry.model_label)
def test_declarations_name_only_real_fields_once(entry):
    concrete = {field.name for field in entry.model._meta.concrete_fields}
    assert set(entry.fields) - concrete == set(), "declared fields that the model does not have"
    assert entry.not_personal - concrete == set(), "not_personal names that the model does not have"
    assert set(entry.fields) & entry.not_personal == set(), "declared both personal and not personal"


@pytest.mark.parametrize("entry", DECLARED, ids=lambda entry: entry.model_label)
def test_classes_categories_and_erasure_actions_are_known(entry):
    for item in entry.fields.values():
        assert item.data_class in DataClass.values
        assert item.category in DataCategory.values
        assert item.erase in ("", *ErasureAction.values)
        assert item.purpose, f"{entry.model_label}.{item.name}: say what the field is for"


def test_every_model_holding_person_fields_is_declared():
    missing = sorted(
        f"{model._meta.label} ({field.name})"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if _points_at_a_person(field) and model._meta.label not in DECLARED_LABELS
    )
    assert missing == [], "declare these models in their app's personal_data.py"


@pytest.mark.parametrize(
    "item",
    [item for item in personal_fields() if item.data_class in ENCRYPTED_CLASSES],
    ids=lambda item: f"{item.model_label}.{item.name}",
)
def test_restricted_fields_are_encrypted_at_rest(item):
    field = apps.get_model(item.model_label)._meta.get_field(item.name)
    assert is_encrypted_field(field), f"{item.data_class} data must use an encrypted field (apps.keyring.fields)"


def test_the_registry_covers_every_app_that_holds_personal_data():
    assert {label.split(".")[0] for label in DECLARED_LABELS} >= {
        "accounts",
        "audit",
        "betting",
        "security",
        "fraud",
        "privacy",
        "axes",
    }
    assert {"accounts.Member", "accounts.User", "betting.Capper", "betting.Bet", "betting.BetLeg"} <= DECLARED_LABELS


def test_the_checks_above_catch_an_undeclared_field():
    # the same function the parametrized test uses, on a declaration that forgot a field
    entry = PersonalModel(
        "betting.Capper",
        "capper_profile",
        "member",
        {},
        frozenset({"id", "tenant", "member", "frozen_at", "frozen_reason", "created_at"}),
    )
    assert undeclared_fields(entry) == ["avatar_url", "display_name", "is_active"]


def test_redeclaring_with_an_erasure_action_keeps_old_style_tuples_working():
    original = personal_model("betting.Capper")
    try:
        entry = declare_personal_data(
            "betting.Capper",
            subject="member",
            kind="capper_profile",
            fields={
                "display_name": (DataClass.PUBLIC, DataCategory.IDENTIFIER),
                "avatar_url": (DataClass.PUBLIC, DataCategory.IDENTIFIER, "picture", ErasureAction.ERASE),
            },
            not_personal=["id", "tenant", "member", "is_active", "frozen_at", "frozen_reason", "created_at"],
        )
        assert (entry.fields["display_name"].purpose, entry.fields["display_name"].erase) == ("", "")
        assert entry.fields["avatar_url"].erase == "erase"
    finally:
        declare_personal_data(
            original.model_label,
            subject=original.subject,
            kind=original.kind,
            fields={
                name: (item.data_class, item.category, item.purpose, item.erase)
                for name, item in original.fields.items()
            },
            not_personal=original.not_personal,
        )
    assert personal_model("betting.Capper").fields["avatar_url"].purpose == original.fields["avatar_url"].purpose


def _member_with_history(actor, guild_id: str, discord_user_id: str, number: int):
    tenant = TenantFactory(guild_id=guild_id)
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id=discord_user_id, username=f"user{number}")
    game, _ = game_upsert(
        actor=actor,
        external_id=f"classification-game-{number}",
        sport="basketball",
        league="NBA",
        home_team=f"Home {number}",
        away_team=f"Away {number}",
        starts_at=capper.created_at,
    )
    bet, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id=f"9000{number}",
        capper=capper,
        stake_units=Decimal("1.00"),
        legs=[LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=-110, game=game.external_id)],
    )
    bet_settle(bet=bet, actor=actor, leg_results={leg.pk: LegResult.WON for leg in bet.legs.all()})
    return capper.member


@pytest.mark.django_db
def test_subject_filters_find_the_members_rows_and_only_theirs(actor):
    member = _member_with_history(actor, "700000000000000001", "710000000000000001", 1)
    other = _member_with_history(actor, "700000000000000002", "710000000000000002", 2)
    expected = {
        "accounts.Member": {member.pk},
        "betting.Capper": {member.capper.pk},
        "betting.Bet": set(Bet.objects.filter(capper__member=member).values_list("pk", flat=True)),
        "betting.BetLeg": set(BetLeg.objects.filter(bet__capper__member=member).values_list("pk", flat=True)),
        "betting.LedgerEntry": set(LedgerEntry.objects.filter(capper__member=member).values_list("pk", flat=True)),
        "accounts.User": set(),
        "security.SecurityEvent": set(),
    }
    for label, pks in expected.items():
        entry = personal_model(label)
        assert set(entry.rows_about(member).values_list("pk", flat=True)) == pks, label
    assert all(len(pks) == 1 for label, pks in expected.items() if label.startswith("betting.")), expected
    # the audit trail finds the events about the member's capper profile and not the other's
    audit = personal_model("audit.AuditEvent").rows_about(member)
    assert audit.filter(target_type="betting.capper", target_id=str(member.capper.pk)).exists()
    assert not audit.filter(target_id=str(other.capper.pk), target_type="betting.capper").exists()
    assert Capper.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("entry", DECLARED, ids=lambda entry: entry.model_label)
def test_every_subject_filter_runs_and_lists_each_row_once(entry, actor):
    member = _member_with_history(actor, "700000000000000003", "710000000000000003", 3)
    rows = entry.rows_about(member)
    primary_keys = list(rows.values_list("pk", flat=True))  # compiles and runs against PostgreSQL
    assert len(primary_keys) == len(set(primary_keys)), "a join in the subject filter repeats rows"
