"""Who may call what: every endpoint × method of the API against every kind of credential.

The path is always the home tenant's. A denied call must answer the right status and code in the
error shape and leave the database exactly as it was; an allowed call must do exactly its job.
"""

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.choices import ApiScope, StaffRole
from apps.accounts.key_policy import TENANT_SCOPES
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from apps.analytics.metrics import metrics_for
from apps.analytics.models import Forecast
from apps.audit.models import AuditEvent
from apps.betting.models import Bet, Capper, Game, OddsQuote
from apps.betting.services import OddsQuoteInput, bet_place, capper_create, game_upsert, odds_quotes_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.integration.webhooks.services import webhook_subscription_create
from apps.ml.experiments.routing import bandit_route
from apps.ml.experiments.services import (
    bandit_create,
    bandit_start,
    experiment_assign,
    experiment_create,
    experiment_start,
)
from apps.ml.models import (
    BanditArm,
    BanditStep,
    Experiment,
    ExperimentExposure,
    ExperimentOutcome,
    ModelAlias,
    PredictionLog,
)
from apps.ml.registry import demo
from apps.ml.registry.services import model_version_create
from apps.notifications.choices import DeliveryStatus
from apps.notifications.models import Delivery, Notification, WebhookEndpoint
from apps.notifications.services import webhook_event_publish
from apps.privacy.api.views import DataSubjectRequestViewSet
from apps.privacy.models import DataExport, DataSubjectRequest, DataSubjectRequestEvent, DeletionCertificate
from apps.privacy.services.requests import request_complete, request_receive, request_verify_identity
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_offboard, tenant_suspend, tenant_update
from tests.analytics.history import place_daily_history
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.factories import MemberFactory, TenantFactory
from tests.ml.vision.drawing import png, text_image

pytestmark = pytest.mark.django_db

ALL_SCOPES = tuple(ApiScope.values)  # a platform key's; a tenant key holds at most TENANT_SCOPES
NEW_GUILD_ID = "333333333333333333"
SUSPENDED_GUILD_ID = "444444444444444444"
UNKNOWN_SECRET = "dbsbm_0123abcd_" + "x" * 43
CAPPER_ID = "500000000000000001"
ANALYTICS_QUERY = "metrics=bets_placed,stake_units&group_by=capper&grain=none"
LIVE_BET = {
    "external_id": "matrix-bet",
    "capper": CAPPER_ID,
    "stake_units": "1.00",
    "legs": [{"game": "matrix-game", "market": "moneyline", "selection": "home", "odds": -110}],
}


FORECAST_QUERY = "metric=bets_placed&grain=day&horizon=7"
GRAPHQL_QUERY = "{ bets { externalId stakeUnits legs { market selection } } cappers { discordUserId } }"
# issue #16 mlreg: a predict call writes its (sampled, 1.0 in tests) log row; nothing else
ML_PREDICT_BODY = {"inputs": [{"x1": 0.5, "x2": -0.2, "x3": 1.0}]}
ML_SNAPSHOT = {"ml_prediction_log": (PredictionLog, ()), "ml_alias": (ModelAlias, ())}
# issue #15 webhooks: the subscriptions and their delivery log join this file's snapshots
WEBHOOK_SNAPSHOT = {
    "webhook_endpoint": (WebhookEndpoint, ()),
    "notification": (Notification, ()),
    "delivery": (Delivery, ()),
    "odds_quote": (OddsQuote, ()),  # issue #15 odds
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with guild_id, prefix (a key of the home tenant), event_id and game_id (a started game)
    scope: str | None
    success: int
    body: dict[str, Any] | None = None
    home_suspended: bool = False  # the home tenant is suspended before the call
    history_days: int = 0  # days of bets placed for the home tenant before an allowed call (a forecast's history)
    with_bets: bool = False  # the home and the other tenant have a bet each before the call
    ml_model: bool = False  # issue #16 mlreg: demo_logistic has a trained version (champion) before the call
    upload: bool = False  # issue #16 ocr: multipart, a generated bet slip image in the field `image`


ENDPOINTS = {
    "plans_list": Endpoint("GET", "/api/v1/plans/", None, 200),
    "tenants_list": Endpoint("GET", "/api/v1/tenants/", "tenants:read", 200),
    "tenants_create": Endpoint(
        "POST", "/api/v1/tenants/", "tenants:admin", 201, {"guild_id": NEW_GUILD_ID, "name": "New Guild"}
    ),
    "tenant_retrieve": Endpoint("GET", "/api/v1/tenants/{guild_id}/", "tenants:read", 200),
    "tenant_update": Endpoint("PATCH", "/api/v1/tenants/{guild_id}/", "tenants:admin", 200, {"name": "Renamed"}),
    "tenant_offboard": Endpoint(
        "DELETE", "/api/v1/tenants/{guild_id}/", "tenants:admin", 204, {"reason": "contract ended"}
    ),
    "tenant_suspend": Endpoint(
        "POST", "/api/v1/tenants/{guild_id}/suspend/", "tenants:admin", 200, {"reason": "unpaid invoice"}
    ),
    "tenant_reactivate": Endpoint(
        "POST", "/api/v1/tenants/{guild_id}/reactivate/", "tenants:admin", 200, {"reason": "paid"}, home_suspended=True
    ),
    "api_keys_list": Endpoint("GET", "/api/v1/tenants/{guild_id}/api-keys/", "tenants:admin", 200),
    "api_keys_create": Endpoint(
        "POST",
        "/api/v1/tenants/{guild_id}/api-keys/",
        "tenants:admin",
        201,
        {"name": "minted", "scopes": ["tenants:read"]},
    ),
    "api_key_revoke": Endpoint(
        "DELETE", "/api/v1/tenants/{guild_id}/api-keys/{prefix}/", "tenants:admin", 204, {"reason": "rotated"}
    ),
    "audit_list": Endpoint("GET", "/api/v1/audit-events/", "audit:read", 200),
    "audit_retrieve": Endpoint("GET", "/api/v1/audit-events/{event_id}/", "audit:read", 200),
    "tenant_audit_list": Endpoint("GET", "/api/v1/tenants/{guild_id}/audit-events/", "audit:read", 200),
    "tenant_audit_retrieve": Endpoint("GET", "/api/v1/tenants/{guild_id}/audit-events/{event_id}/", "audit:read", 200),
    # games are platform data: a result grades every tenant's bets, so only a platform key posts them
    "games_create": Endpoint(
        "POST",
        "/api/v1/games/",
        "games:write",
        201,
        {
            "external_id": "matrix-new",
            "sport": "basketball",
            "league": "NBA",
            "home_team": "Celtics",
            "away_team": "Knicks",
            "starts_at": "2026-12-24T01:00:00Z",
        },
    ),  # fmt: skip
    "game_result": Endpoint(
        "POST", "/api/v1/games/{game_id}/result/", "games:write", 200, {"home_score": 101, "away_score": 99}
    ),
    # issue #15 odds: platform data like the games, read by any key
    "game_odds": Endpoint("GET", "/api/v1/games/{game_id}/odds/?history=1", None, 200),
    # a live bet on the started game: placed_at is bounded by the receive time, stored beside it
    "bets_create": Endpoint("POST", "/api/v1/tenants/{guild_id}/bets/", "bets:write", 201, LIVE_BET),
    "bets_bulk": Endpoint("POST", "/api/v1/tenants/{guild_id}/bets/bulk/", "bets:write", 200, {"bets": [LIVE_BET]}),
    # a forecast needs 28 + 7 days of history: placed only before the calls that are allowed (it takes a while)
    "tenant_forecast": Endpoint(
        "GET", "/api/v1/tenants/{guild_id}/analytics/forecast/?" + FORECAST_QUERY, "bets:read", 200, history_days=35
    ),
    "platform_forecast": Endpoint(
        "GET", "/api/v1/analytics/forecast/?" + FORECAST_QUERY, "analytics:read", 200, history_days=35
    ),
    # a tenant's own metrics with bets:read; every tenant's with the platform-only analytics:read
    "tenant_metric_query": Endpoint(
        "GET", "/api/v1/tenants/{guild_id}/analytics/query/?" + ANALYTICS_QUERY, "bets:read", 200, with_bets=True
    ),
    "tenant_metric_catalog": Endpoint("GET", "/api/v1/tenants/{guild_id}/analytics/metrics/", "bets:read", 200),
    "metric_query": Endpoint(
        "GET", "/api/v1/analytics/query/?" + ANALYTICS_QUERY, "analytics:read", 200, with_bets=True
    ),
    "metric_catalog": Endpoint("GET", "/api/v1/analytics/metrics/", "analytics:read", 200),
    # issue #15 registry
    "registry_map": Endpoint("GET", "/api/v1/registry/", "metrics:read", 200),
    # issue #15 apimgmt
    "tenant_usage": Endpoint("GET", "/api/v1/tenants/{guild_id}/usage/", "tenants:admin", 200),
    # the tenant is named in the query: a platform key must name it, a tenant key may (its own only)
    "graphql_query": Endpoint(
        "POST", "/api/v1/graphql/?guild_id={guild_id}", "bets:read", 200, {"query": GRAPHQL_QUERY}, with_bets=True
    ),
    # issue #15 webhooks: the home tenant (premium: 3 webhooks) has one endpoint and one dead-lettered delivery
    "webhooks_list": Endpoint("GET", "/api/v1/tenants/{guild_id}/webhooks/", "webhooks:admin", 200),
    "webhooks_create": Endpoint(
        "POST",
        "/api/v1/tenants/{guild_id}/webhooks/",
        "webhooks:admin",
        201,
        {"name": "matrix", "url": "http://127.0.0.1:9/matrix", "event_types": ["bet.placed"]},
    ),  # fmt: skip
    "webhook_update": Endpoint(
        "PATCH", "/api/v1/tenants/{guild_id}/webhooks/{webhook_id}/", "webhooks:admin", 200, {"name": "renamed"}
    ),
    "webhook_delete": Endpoint("DELETE", "/api/v1/tenants/{guild_id}/webhooks/{webhook_id}/", "webhooks:admin", 204),
    "webhook_test": Endpoint("POST", "/api/v1/tenants/{guild_id}/webhooks/{webhook_id}/test/", "webhooks:admin", 202),
    "webhook_deliveries": Endpoint(
        "GET", "/api/v1/tenants/{guild_id}/webhooks/{webhook_id}/deliveries/", "webhooks:admin", 200
    ),
    "webhook_delivery_replay": Endpoint(
        "POST",
        "/api/v1/tenants/{guild_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/replay/",
        "webhooks:admin",
        202,
    ),  # fmt: skip
    # issue #16 mlreg: predict with any key holding ml:predict; the registry's reads with a platform key only
    "ml_models_list": Endpoint("GET", "/api/v1/ml/models/", "ml:predict", 200, ml_model=True),
    "ml_model_retrieve": Endpoint("GET", "/api/v1/ml/models/demo_logistic/", "ml:predict", 200, ml_model=True),
    "ml_predict": Endpoint(
        "POST", "/api/v1/ml/models/demo_logistic/predict/", "ml:predict", 200, ML_PREDICT_BODY, ml_model=True
    ),
    # issue #16 mlmodels: skill or luck of the home tenant's capper (no legs yet: "not enough data")
    "capper_skill": Endpoint("GET", "/api/v1/tenants/{guild_id}/cappers/" + CAPPER_ID + "/skill/", "bets:read", 200),
    # issue #16 nlp: parsing stores nothing; a tenant key with bets:write (the scope that posts the bet)
    "nlp_parse_bet": Endpoint(
        "POST", "/api/v1/tenants/{guild_id}/nlp/parse-bet/", "bets:write", 200, {"text": "Lakers -3.5 (-110) 2u"}
    ),
    # issue #16 ocr: a bet slip image read into bets (nothing stored)
    "vision_bet_slip": Endpoint("POST", "/api/v1/tenants/{guild_id}/vision/bet-slip/", "bets:write", 200, upload=True),
}

CREDENTIALS = (
    "none",
    "malformed",
    "unknown",
    "revoked",
    "expired",
    "platform",
    "platform_without_scope",
    "own",
    "own_without_scope",
    "other_tenant",
    "suspended_tenant",
)

# OK: the endpoint's success status; U: 401; F: 403 permission_denied; S: 403 tenant_suspended;
# N: 404 tenant_not_found (another tenant's path looks like a guild that does not exist).
OK, U, F, S, N = "ok", "401", "403", "403-suspended", "404"

# fmt: off
MATRIX = {
    #                        none malformed unknown revoked expired platform p-no-scope own  own-no-scope other susp.
    "plans_list":            (U,  U,        U,      U,      U,      OK,      OK,        OK,  OK,          OK,   S),
    "tenants_list":          (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "tenants_create":        (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "tenant_retrieve":       (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "tenant_update":         (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "tenant_offboard":       (U,  U,        U,      U,      U,      OK,      F,         F,   F,           N,    S),
    "tenant_suspend":        (U,  U,        U,      U,      U,      OK,      F,         F,   F,           N,    S),
    # the home tenant is suspended here, so its own keys are blocked before any other check
    "tenant_reactivate":     (U,  U,        U,      U,      U,      OK,      F,         S,   S,           N,    S),
    "api_keys_list":         (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "api_keys_create":       (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "api_key_revoke":        (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "audit_list":            (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "audit_retrieve":        (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "tenant_audit_list":     (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "tenant_audit_retrieve": (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "games_create":          (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "game_result":           (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    # issue #15 odds
    "game_odds":             (U,  U,        U,      U,      U,      OK,      OK,        OK,  OK,          OK,   S),
    "bets_create":           (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "bets_bulk":             (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "tenant_forecast":       (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "platform_forecast":     (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "tenant_metric_query":   (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "tenant_metric_catalog": (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    # a tenant key never holds analytics:read (platform-only), and the endpoint wants a platform key besides
    "metric_query":          (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "metric_catalog":        (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    # issue #15 registry: platform monitoring, a platform key with metrics:read only
    "registry_map":          (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    # issue #15 apimgmt
    "tenant_usage":          (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "graphql_query":         (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    # issue #15 webhooks
    "webhooks_list":         (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "webhooks_create":       (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "webhook_update":        (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "webhook_delete":        (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "webhook_test":          (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "webhook_deliveries":    (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    "webhook_delivery_replay": (U, U,       U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    # issue #16 mlreg: any tenant's key may predict (models are the platform's); only platform keys read the registry
    "ml_models_list":        (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "ml_model_retrieve":     (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "ml_predict":            (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           OK,   S),
    # issue #16 mlmodels
    "capper_skill":          (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    # issue #16 nlp
    "nlp_parse_bet":         (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
    # issue #16 ocr
    "vision_bet_slip":       (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           N,    S),
}
# fmt: on

CASES = [
    pytest.param(endpoint, credential, outcome, id=f"{endpoint}-{credential}")
    for endpoint, row in MATRIX.items()
    for credential, outcome in zip(CREDENTIALS, row, strict=True)
]


def test_the_matrix_covers_every_endpoint_and_credential():
    assert set(MATRIX) == set(ENDPOINTS)
    assert all(len(row) == len(CREDENTIALS) for row in MATRIX.values())


@pytest.fixture
def world(actor, tenant, other_tenant, make_key):
    """The home tenant with a member, a key to revoke and an audit event; another and a suspended tenant;
    a game that has started (the platform's, no tenant's) and a capper of the home tenant."""
    suspended = TenantFactory(guild_id=SUSPENDED_GUILD_ID, name="Suspended Guild")
    tenant_suspend(tenant=suspended, actor=actor, reason="test setup")
    MemberFactory(tenant=tenant)
    MemberFactory(tenant=other_tenant)
    victim, _ = make_key(["bets:read"], tenant=tenant, name="victim")
    home_event = AuditEvent.objects.get(action="accounts.api_key_created", target_id=str(victim.pk))
    game, _ = game_upsert(
        actor=actor, external_id="matrix-game", sport="basketball", league="NBA", home_team="Lakers",
        away_team="Suns", starts_at=timezone.now() - timedelta(hours=3),
    )  # fmt: skip
    capper_create(tenant=tenant, actor=actor, discord_user_id=CAPPER_ID, username="joe")
    webhook, delivery = _webhook_world(tenant, actor)
    _odds_world(game, actor)
    return SimpleNamespace(
        tenant=tenant, other_tenant=other_tenant, suspended=suspended, victim=victim, home_event=home_event, game=game,
        webhook=webhook, delivery=delivery,
    )  # fmt: skip


def _webhook_world(tenant, actor):
    """issue #15 webhooks: a premium home tenant with an endpoint and a dead-lettered delivery to replay."""
    tenant = tenant_update(tenant=tenant, actor=actor, plan_code="premium")
    webhook = webhook_subscription_create(
        tenant=tenant, actor=actor, name="home", url="http://127.0.0.1:9/home", event_kinds=["bet.placed"]
    )
    event = webhook_event_publish(
        tenant_id=tenant.pk, guild_id=tenant.guild_id, event_type="bet.placed", key="matrix-event", data={"bet_id": 1}
    )
    delivery = event.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD_LETTER, attempts=8)
    return webhook, delivery


def _odds_world(game, actor) -> None:
    """issue #15 odds: the started game's moneyline moved once."""
    quoted = timezone.now() - timedelta(hours=4)
    quotes = [
        OddsQuoteInput(market="moneyline", selection="home", american_odds=odds, bookmaker="Book", quoted_at=at)
        for odds, at in ((-120, quoted), (-140, quoted + timedelta(minutes=30)))
    ]
    odds_quotes_upsert(actor=actor, game=game, quotes=quotes, source="matrix")


def _place_a_bet_each(world, actor) -> None:
    """A bet on a manual leg for the home tenant's capper and for a capper of the other tenant."""
    other_capper = capper_create(
        tenant=world.other_tenant, actor=actor, discord_user_id="500000000000000002", username="ann"
    )
    for name, tenant, capper, stake in (
        ("home_bet", world.tenant, Capper.objects.get(tenant=world.tenant), "1.00"),
        ("other_bet", world.other_tenant, other_capper, "2.50"),
    ):
        leg = LegInput(market="prop", selection="LeBron over 25.5 points", odds=110, description="LeBron")
        bet, _ = bet_place(
            tenant=tenant,
            actor=actor,
            external_id=f"matrix-{name}",
            capper=capper,
            stake_units=Decimal(stake),
            legs=[leg],
        )
        setattr(world, name, bet)


def _authorize(credential: str, *, scope: str | None, world, make_key) -> tuple[str | None, ApiKey | None]:
    """The Authorization header of a credential (None: send none) and the key behind it."""
    without_scope = [name for name in ALL_SCOPES if name != scope]
    tenant_without_scope = [name for name in TENANT_SCOPES if name != scope]
    if credential == "none":
        return None, None
    if credential == "malformed":
        return "Token something", None
    if credential == "unknown":
        return f"Bearer {UNKNOWN_SECRET}", None
    if credential == "platform_without_scope":
        api_key, secret = make_key(without_scope, name=credential)
    elif credential == "own_without_scope":
        api_key, secret = make_key(tenant_without_scope, tenant=world.tenant, name=credential)
    else:
        tenants = {"own": world.tenant, "other_tenant": world.other_tenant, "suspended_tenant": world.suspended}
        tenant = tenants.get(credential)
        api_key, secret = make_key(ALL_SCOPES if tenant is None else TENANT_SCOPES, tenant=tenant, name=credential)
    if credential == "revoked":
        api_key_revoke(api_key=api_key, actor=world.actor, reason="test")
    if credential == "expired":
        ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return f"Bearer {secret}", api_key


def _call(api_client, endpoint: Endpoint, world, authorization: str | None):
    path = endpoint.path.format(
        guild_id=world.tenant.guild_id,
        prefix=world.victim.prefix,
        event_id=world.home_event.pk,
        game_id=world.game.external_id,
        webhook_id=world.webhook.pk,
        delivery_id=world.delivery.pk,
    )
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    if endpoint.upload:
        return api_client.post(path, {"image": _slip_upload()}, format="multipart", **headers)
    if endpoint.body is None:
        return api_client.generic(endpoint.method, path, **headers)
    return api_client.generic(
        endpoint.method, path, json.dumps(endpoint.body), content_type="application/json", **headers
    )


def _slip_upload() -> SimpleUploadedFile:
    """issue #16 ocr: a slip on the world's game (Lakers at home), drawn here."""
    image = text_image(["BET SLIP", "SINGLE", "Lakers ML -110", "Stake: 1u"])
    return SimpleUploadedFile("slip.png", png(image), content_type="image/png")


def _expected(outcome: str, credential: str, endpoint: Endpoint) -> tuple[int, str | None]:
    if outcome == OK:
        return endpoint.success, None
    if outcome == U:
        return 401, "not_authenticated" if credential == "none" else "authentication_failed"
    if outcome == S:
        return 403, "tenant_suspended"
    if outcome == F:
        return 403, "permission_denied"
    return 404, "tenant_not_found"


@pytest.mark.parametrize(("endpoint_name", "credential", "outcome"), CASES)
def test_authorization_matrix(api_client, make_key, actor, world, endpoint_name, credential, outcome):
    endpoint = ENDPOINTS[endpoint_name]
    world.actor = actor
    if endpoint.home_suspended:
        tenant_suspend(tenant=world.tenant, actor=actor, reason="test setup")
    if endpoint.history_days and outcome == OK:
        place_daily_history(tenant=world.tenant, actor=actor, days=endpoint.history_days)
    if endpoint.with_bets:
        _place_a_bet_each(world, actor)
    if endpoint.ml_model:
        model_version_create(demo.NAME, demo.train({"rows": 200}, lambda *_: None), actor=actor)
    authorization, api_key = _authorize(credential, scope=endpoint.scope, world=world, make_key=make_key)
    before = take_snapshot({**WEBHOOK_SNAPSHOT, **ML_SNAPSHOT})

    response = _call(api_client, endpoint, world, authorization)

    status, code = _expected(outcome, credential, endpoint)
    assert response.status_code == status, response.content
    diff = snapshot_diff(before, take_snapshot({**WEBHOOK_SNAPSHOT, **ML_SNAPSHOT}))
    if code is not None:
        body = response.json()
        assert set(body) == {"code", "message", "fields"}
        assert body["code"] == code
        assert body["fields"] == {}
        assert body["message"]
        assert diff == {}, "a denied call changed the database"
        if status == 401:
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        return
    EFFECTS[endpoint_name](world=world, response=response, diff=diff, api_key=api_key)


# --- the exact effect of each allowed call -----------------------------------------------------------


def _assert_one_event(diff, *, action: str, api_key: ApiKey, response, guild_id: str, reason: str = "") -> dict:
    (event,) = diff["audit_event"]["added"].values()
    assert diff["audit_event"]["changed"] == {} and diff["audit_event"]["removed"] == {}
    assert event["action"] == action
    assert (event["actor_kind"], event["actor_identifier"], event["actor_label"]) == (
        "api_key",
        str(api_key.pk),
        api_key.prefix,
    )
    assert event["guild_id"] == guild_id
    assert event["reason"] == reason
    assert event["request_id"] == response["X-Request-ID"]
    assert event["ip_address"] == "127.0.0.1"
    return event


def _game_odds(*, world, response, diff, **_):
    body = response.json()
    assert (body["game"], body["history"]) == (world.game.external_id, True)
    assert [(quote["market"], quote["american_odds"]) for quote in body["quotes"]] == [
        ("moneyline", -120),
        ("moneyline", -140),
    ]
    assert diff == {}


def _plans_list(*, response, diff, **_):
    assert [plan["code"] for plan in response.json()] == ["free", "premium", "platinum", "enterprise"]
    assert diff == {}


def _tenants_list(*, world, response, diff, **_):
    guild_ids = [row["guild_id"] for row in response.json()["results"]]
    assert sorted(guild_ids) == sorted([world.tenant.guild_id, world.other_tenant.guild_id, SUSPENDED_GUILD_ID])
    assert diff == {}


def _tenants_create(*, response, diff, api_key, **_):
    assert response.json()["guild_id"] == NEW_GUILD_ID
    assert set(diff) == {"tenant", "audit_event"}
    (row,) = diff["tenant"]["added"].values()
    assert (row["guild_id"], row["name"], row["status"]) == (NEW_GUILD_ID, "New Guild", TenantStatus.ACTIVE)
    assert diff["tenant"]["changed"] == {}
    event = _assert_one_event(
        diff, action="tenants.tenant_created", api_key=api_key, response=response, guild_id=NEW_GUILD_ID
    )
    assert event["target_id"] == str(Tenant.objects.get(guild_id=NEW_GUILD_ID).pk)


def _tenant_retrieve(*, world, response, diff, **_):
    assert response.json()["guild_id"] == world.tenant.guild_id
    assert diff == {}


def _assert_tenant_changed(world, diff, fields: dict[str, Any]) -> None:
    assert set(diff) == {"tenant", "audit_event"}
    assert diff["tenant"]["added"] == {} and diff["tenant"]["removed"] == {}
    changes = diff["tenant"]["changed"]
    assert set(changes) == {world.tenant.pk}
    assert set(changes[world.tenant.pk]) == {*fields, "updated_at"}
    for name, expected in fields.items():
        new_value = changes[world.tenant.pk][name][1]
        assert new_value == expected if not callable(expected) else expected(new_value), name


def _tenant_update(*, world, response, diff, api_key, **_):
    assert response.json()["name"] == "Renamed"
    _assert_tenant_changed(world, diff, {"name": "Renamed"})
    event = _assert_one_event(
        diff, action="tenants.tenant_updated", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )
    assert event["changes"] == {"name": {"before": "Home Guild", "after": "Renamed"}}


def _is_set(value) -> bool:
    return value is not None


def _tenant_offboard(*, world, response, diff, api_key, **_):
    assert response.content == b""
    _assert_tenant_changed(world, diff, {"status": TenantStatus.OFFBOARDED, "offboarded_at": _is_set})
    _assert_one_event(
        diff,
        action="tenants.tenant_offboarded",
        api_key=api_key,
        response=response,
        guild_id=world.tenant.guild_id,
        reason="contract ended",
    )


def _tenant_suspend(*, world, response, diff, api_key, **_):
    assert response.json()["status"] == TenantStatus.SUSPENDED
    _assert_tenant_changed(world, diff, {"status": TenantStatus.SUSPENDED, "suspended_at": _is_set})
    _assert_one_event(
        diff,
        action="tenants.tenant_suspended",
        api_key=api_key,
        response=response,
        guild_id=world.tenant.guild_id,
        reason="unpaid invoice",
    )


def _tenant_reactivate(*, world, response, diff, api_key, **_):
    assert response.json()["status"] == TenantStatus.ACTIVE
    _assert_tenant_changed(world, diff, {"status": TenantStatus.ACTIVE, "suspended_at": None})
    _assert_one_event(
        diff,
        action="tenants.tenant_reactivated",
        api_key=api_key,
        response=response,
        guild_id=world.tenant.guild_id,
        reason="paid",
    )


def _api_keys_list(*, world, response, diff, **_):
    rows = response.json()["results"]
    assert sorted(row["prefix"] for row in rows) == sorted(
        ApiKey.objects.filter(tenant=world.tenant).values_list("prefix", flat=True)
    )
    assert all("key" not in row and "key_hash" not in row for row in rows)
    assert diff == {}


def _api_keys_create(*, world, response, diff, api_key, **_):
    body = response.json()
    assert set(diff) == {"api_key", "audit_event"}
    (row,) = diff["api_key"]["added"].values()
    assert diff["api_key"]["changed"] == {}
    assert (row["name"], row["tenant_id"], row["scopes"], row["prefix"], row["parent_id"]) == (
        "minted",
        world.tenant.pk,
        ["tenants:read"],
        body["prefix"],
        api_key.pk,  # every minted key records the key that minted it
    )
    assert body["key"].startswith(body["prefix"] + "_")
    event = _assert_one_event(
        diff, action="accounts.api_key_created", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )
    assert event["target_id"] == str(row["id"])


def _api_key_revoke(*, world, response, diff, api_key, **_):
    assert response.content == b""
    assert set(diff) == {"api_key", "audit_event"}
    assert diff["api_key"]["added"] == {}
    changes = diff["api_key"]["changed"]
    assert set(changes) == {world.victim.pk}
    assert set(changes[world.victim.pk]) == {"revoked_at", "revoked_reason"}
    assert changes[world.victim.pk]["revoked_at"][1] is not None
    assert changes[world.victim.pk]["revoked_reason"][1] == "rotated"
    event = _assert_one_event(
        diff,
        action="accounts.api_key_revoked",
        api_key=api_key,
        response=response,
        guild_id=world.tenant.guild_id,
        reason="rotated",
    )
    assert event["target_id"] == str(world.victim.pk)


def _audit_list(*, response, diff, **_):
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == list(AuditEvent.objects.order_by("-id").values_list("id", flat=True))
    assert diff == {}


def _audit_retrieve(*, world, response, diff, **_):
    body = response.json()
    assert (body["id"], body["action"]) == (world.home_event.pk, "accounts.api_key_created")
    assert diff == {}


def _tenant_audit_list(*, world, response, diff, **_):
    ids = [row["id"] for row in response.json()["results"]]
    expected = AuditEvent.objects.filter(guild_id=world.tenant.guild_id).order_by("-id").values_list("id", flat=True)
    assert ids == list(expected)
    assert AuditEvent.objects.exclude(guild_id=world.tenant.guild_id).exists()  # others' events exist, unseen
    assert diff == {}


def _games_create(*, response, diff, api_key, **_):
    assert (response.json()["external_id"], response.json()["status"]) == ("matrix-new", "scheduled")
    assert set(diff) == {"game", "audit_event"}
    (row,) = diff["game"]["added"].values()
    assert (row["external_id"], row["status"], row["home_score"]) == ("matrix-new", "scheduled", None)
    assert diff["game"]["changed"] == {}
    event = _assert_one_event(diff, action="betting.game_created", api_key=api_key, response=response, guild_id="")
    assert event["target_id"] == str(Game.objects.get(external_id="matrix-new").pk)


def _game_result(*, world, response, diff, api_key, **_):
    assert (response.json()["status"], response.json()["home_score"], response.json()["away_score"]) == (
        "final",
        101,
        99,
    )
    assert set(diff) == {"game", "audit_event"}
    assert diff["game"]["added"] == {}
    changes = diff["game"]["changed"][world.game.pk]
    assert set(changes) == {"status", "home_score", "away_score", "finalized_at", "updated_at"}
    assert (changes["status"][1], changes["home_score"][1], changes["away_score"][1]) == ("final", 101, 99)
    event = _assert_one_event(diff, action="betting.game_finalized", api_key=api_key, response=response, guild_id="")
    assert event["target_id"] == str(world.game.pk)


def _assert_live_bet_placed(world, diff, api_key, response) -> None:
    assert set(diff) == {"bet", "bet_leg", "audit_event"}
    (bet,) = diff["bet"]["added"].values()
    assert (bet["tenant_id"], bet["external_id"], bet["status"]) == (world.tenant.pk, "matrix-bet", "pending")
    assert bet["placed_at"] == bet["received_at"] is not None  # no placed_at sent: the receive time
    (leg,) = diff["bet_leg"]["added"].values()
    assert (leg["bet_id"], leg["game_id"], leg["result"]) == (bet["id"], world.game.pk, "pending")
    event = _assert_one_event(
        diff, action="betting.bet_placed", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )
    assert event["target_id"] == str(bet["id"])


def _bets_create(*, world, response, diff, api_key, **_):
    assert (response.json()["external_id"], response.json()["status"]) == ("matrix-bet", "pending")
    _assert_live_bet_placed(world, diff, api_key, response)


def _bets_bulk(*, world, response, diff, api_key, **_):
    body = response.json()
    assert (body["created"], body["existing"], body["rejected"]) == (1, 0, 0)
    assert body["results"][0]["id"] == Bet.objects.get(external_id="matrix-bet").pk
    _assert_live_bet_placed(world, diff, api_key, response)


def _forecast_of(tenant_id):
    def check(*, response, diff, **_):
        body = response.json()
        assert (set(body), len(body["points"])) == ({"model", "backtest", "points"}, 7)
        assert set(body["backtest"]) == {"mase", "smape", "coverage_80", "coverage_95"}
        stored = Forecast.objects.get()  # the computed forecast is kept (derived data, outside the snapshot)
        assert (stored.tenant_id, stored.metric, stored.as_dict()) == (tenant_id, "bets_placed", body)
        assert diff == {}

    return check


def _tenant_forecast(*, world, **kwargs):
    _forecast_of(world.tenant.pk)(**kwargs)


def _metric_query(*, world, response, diff, **_):
    """The home tenant's one bet (of its capper) counted; the other tenant's (another capper) only on the
    platform-wide query."""
    body = response.json()
    # the bets were just queued for the rollups and no refresh ran (the test's transaction never commits):
    # the answer comes from the raw rows, marked stale
    assert (body["columns"], body["source"], body["stale"]) == (["capper", "bets_placed", "stake_units"], "raw", True)
    expected = {world.home_bet.capper_id: [1, 1.0]}
    if "/tenants/" not in response.wsgi_request.path:
        expected[world.other_bet.capper_id] = [1, 2.5]
    assert {row[0]: row[1:] for row in body["rows"]} == expected
    assert diff == {}


def _metric_catalog(*, response, diff, **_):
    body = response.json()
    platform_wide = "/tenants/" not in response.wsgi_request.path
    names = [metric["name"] for metric in body["metrics"]]
    assert names == [metric.name for metric in metrics_for(tenant_scoped=not platform_wide)]
    assert ("incidents_opened" in names) is platform_wide  # a platform-only metric
    assert ("tenant" in [dimension["name"] for dimension in body["dimensions"]]) is platform_wide
    assert diff == {}


# issue #15 registry
def _registry_map(*, response, diff, **_):
    assert response.json() == {"services": []}  # nothing registered in this world: the sync never ran
    assert diff == {}


# issue #16 mlreg
def _ml_models_read(*, response, diff, **_):
    body = response.json()
    model = body if isinstance(body, dict) else {row["name"]: row for row in body}[demo.NAME]
    assert (model["name"], model["aliases"]) == (demo.NAME, {"champion": 1, "challenger": 1})
    if isinstance(body, dict):
        assert [version["number"] for version in body["versions"]] == [1]
    assert diff == {}


def _ml_predict(*, response, diff, api_key, **_):
    body = response.json()
    assert (body["model"], body["alias"], body["version"]) == (demo.NAME, "champion", 1)
    (log,) = diff["ml_prediction_log"]["added"].values()
    assert (str(log["prediction_id"]), log["tenant_id"], log["api_key_prefix"]) == (
        body["prediction_id"], api_key.tenant_id, api_key.prefix,
    )  # fmt: skip
    assert log["output"] == body["predictions"] and len(body["predictions"]) == 1
    assert set(diff) == {"ml_prediction_log"}


# issue #15 apimgmt
def _tenant_usage(*, world, response, diff, **_):
    """Nothing folded yet: an empty week for the home tenant's keys; reading usage writes nothing."""
    body = response.json()
    assert (body["days"], body["by_key"], body["by_route"], body["total"]["requests"]) == ([], [], [], 0)
    assert diff == {}


def _graphql_query(*, world, response, diff, **_):
    """Only the home tenant's bet and capper, whichever key (its own, or a platform key naming it)."""
    data = response.json()["data"]
    assert data["bets"] == [
        {
            "externalId": "matrix-home_bet",
            "stakeUnits": "1.00",
            "legs": [{"market": "prop", "selection": "LeBron over 25.5 points"}],
        }
    ]
    assert data["cappers"] == [{"discordUserId": CAPPER_ID}]
    assert diff == {}


# issue #15 webhooks
def _webhooks_list(*, world, response, diff, **_):
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [world.webhook.pk] and "secret" not in rows[0]
    assert diff == {}


def _webhooks_create(*, world, response, diff, api_key, **_):
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert set(diff) == {"webhook_endpoint", "audit_event"}
    (row,) = diff["webhook_endpoint"]["added"].values()
    assert (row["tenant_id"], row["url"], row["event_kinds"]) == (
        world.tenant.pk,
        "http://127.0.0.1:9/matrix",
        ["bet.placed"],
    )
    event = _assert_one_event(
        diff, action="integration.webhook_created", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )
    assert event["target_id"] == str(body["id"])


def _webhook_update(*, world, response, diff, api_key, **_):
    assert response.json()["name"] == "renamed"
    assert set(diff) == {"webhook_endpoint", "audit_event"}
    assert set(diff["webhook_endpoint"]["changed"][world.webhook.pk]) == {"name", "updated_at"}
    event = _assert_one_event(
        diff, action="integration.webhook_updated", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )
    assert event["changes"] == {"name": {"before": "home", "after": "renamed"}}


def _webhook_delete(*, world, response, diff, api_key, **_):
    assert set(diff) == {"webhook_endpoint", "delivery", "audit_event"}
    assert set(diff["webhook_endpoint"]["removed"]) == {world.webhook.pk}
    assert diff["delivery"]["changed"][world.delivery.pk]["webhook_id"] == (world.webhook.pk, None)  # the log stays
    _assert_one_event(
        diff, action="integration.webhook_deleted", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )


def _webhook_test(*, world, response, diff, api_key, **_):
    assert set(diff) == {"notification", "delivery", "audit_event"}
    (notification,) = diff["notification"]["added"].values()
    (delivery,) = diff["delivery"]["added"].values()
    assert (notification["kind"], delivery["webhook_id"], delivery["status"]) == (
        "webhook.test",
        world.webhook.pk,
        "queued",
    )
    assert response.json()["id"] == delivery["id"]
    _assert_one_event(
        diff, action="integration.webhook_tested", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )


def _webhook_deliveries(*, world, response, diff, **_):
    rows = response.json()["results"]
    assert [(row["id"], row["status"], row["webhook_id"]) for row in rows] == [
        (world.delivery.pk, "dead_letter", world.delivery.key)
    ]
    assert diff == {}


def _webhook_delivery_replay(*, world, response, diff, api_key, **_):
    assert set(diff) == {"delivery", "audit_event"}
    changed = diff["delivery"]["changed"][world.delivery.pk]
    assert (changed["status"], changed["replays"]) == (("dead_letter", "queued"), (0, 1))
    assert response.json()["status"] == "queued"
    _assert_one_event(
        diff,
        action="integration.webhook_delivery_replayed",
        api_key=api_key,
        response=response,
        guild_id=world.tenant.guild_id,
    )


def _capper_skill(*, response, diff, **_):
    body = response.json()
    assert (body["discord_user_id"], body["legs"], body["label"]) == (CAPPER_ID, 0, "not enough data")


def _nlp_parse_bet(*, response, diff, **_):
    """issue #16 nlp: the parse of the world's "Lakers" (its only game started three hours ago); nothing stored."""
    (bet,) = response.json()["bets"]
    assert bet["legs"] == [
        {
            "team": "Lakers",
            "game_external_id": None,
            "market": "spread",
            "selection": None,
            "line": "-3.5",
            "american_odds": -110,
        }
    ]
    assert bet["stake_units"] == "2"
    assert diff == {}


def _vision_bet_slip(*, world, response, diff, **_):
    body = response.json()
    assert "Lakers ML -110" in body["ocr_text"].splitlines()
    (bet,) = body["bets"]
    assert [(leg["team"], leg["market"], leg["american_odds"]) for leg in bet["legs"]] == [
        ("Lakers", "moneyline", -110)
    ]
    assert body["image_quality"]["usable"] is True
    assert diff == {}  # nothing stored


EFFECTS = {
    "plans_list": _plans_list,
    "tenants_list": _tenants_list,
    "tenants_create": _tenants_create,
    "tenant_retrieve": _tenant_retrieve,
    "tenant_update": _tenant_update,
    "tenant_offboard": _tenant_offboard,
    "tenant_suspend": _tenant_suspend,
    "tenant_reactivate": _tenant_reactivate,
    "api_keys_list": _api_keys_list,
    "api_keys_create": _api_keys_create,
    "api_key_revoke": _api_key_revoke,
    "audit_list": _audit_list,
    "audit_retrieve": _audit_retrieve,
    "tenant_audit_list": _tenant_audit_list,
    "tenant_audit_retrieve": _audit_retrieve,
    "games_create": _games_create,
    "game_result": _game_result,
    "game_odds": _game_odds,
    "bets_create": _bets_create,
    "bets_bulk": _bets_bulk,
    "tenant_forecast": _tenant_forecast,
    "platform_forecast": _forecast_of(None),
    "tenant_metric_query": _metric_query,
    "tenant_metric_catalog": _metric_catalog,
    "metric_query": _metric_query,
    "metric_catalog": _metric_catalog,
    # issue #15 registry
    "registry_map": _registry_map,
    # issue #15 apimgmt
    "tenant_usage": _tenant_usage,
    "graphql_query": _graphql_query,
    # issue #15 webhooks
    "webhooks_list": _webhooks_list,
    "webhooks_create": _webhooks_create,
    "webhook_update": _webhook_update,
    "webhook_delete": _webhook_delete,
    "webhook_test": _webhook_test,
    "webhook_deliveries": _webhook_deliveries,
    "webhook_delivery_replay": _webhook_delivery_replay,
    # issue #16 mlreg
    "ml_models_list": _ml_models_read,
    "ml_model_retrieve": _ml_models_read,
    "ml_predict": _ml_predict,
    "capper_skill": _capper_skill,
    # issue #16 nlp
    "nlp_parse_bet": _nlp_parse_bet,
    # issue #16 ocr
    "vision_bet_slip": _vision_bet_slip,
}


# --- paths a key may not see ----------------------------------------------------------------------

TENANT_PATH_ENDPOINTS = [name for name, endpoint in ENDPOINTS.items() if "{guild_id}" in endpoint.path]


@pytest.mark.parametrize("endpoint_name", TENANT_PATH_ENDPOINTS)
@pytest.mark.parametrize("guild", ["unknown", "offboarded"])
def test_a_guild_that_is_not_a_live_tenant_is_not_found(api_client, make_key, actor, world, endpoint_name, guild):
    endpoint = ENDPOINTS[endpoint_name]
    if guild == "offboarded":
        tenant_offboard(tenant=world.tenant, actor=actor, reason="test setup")
    else:
        world.tenant = SimpleNamespace(guild_id="999999999999999999")
    _, secret = make_key(ALL_SCOPES, name="platform")
    before = take_snapshot(WEBHOOK_SNAPSHOT)

    response = _call(api_client, endpoint, world, f"Bearer {secret}")

    assert response.status_code == 404
    assert response.json() == {
        "code": "tenant_not_found",
        "message": f"No tenant with guild id {world.tenant.guild_id}.",
        "fields": {},
    }
    assert snapshot_diff(before, take_snapshot(WEBHOOK_SNAPSHOT)) == {}


@pytest.mark.parametrize("endpoint_name", TENANT_PATH_ENDPOINTS)
def test_another_tenants_path_is_not_found_before_a_missing_scope_is_reported(
    api_client, make_key, world, endpoint_name
):
    endpoint = ENDPOINTS[endpoint_name]
    _, secret = make_key(["bets:read"], tenant=world.other_tenant)
    before = take_snapshot(WEBHOOK_SNAPSHOT)

    response = _call(api_client, endpoint, world, f"Bearer {secret}")

    assert (response.status_code, response.json()["code"]) == (404, "tenant_not_found")
    assert snapshot_diff(before, take_snapshot(WEBHOOK_SNAPSHOT)) == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/v1/tenants/{guild_id}/api-keys/{other_prefix}/"),
        ("GET", "/api/v1/tenants/{guild_id}/audit-events/{other_event_id}/"),
    ],
)
def test_a_tenant_key_cannot_reach_another_tenants_rows_through_its_own_path(api_client, make_key, world, method, path):
    other_key, _ = make_key(["bets:read"], tenant=world.other_tenant)
    other_event = AuditEvent.objects.get(target_id=str(other_key.pk), action="accounts.api_key_created")
    _, secret = make_key(TENANT_SCOPES, tenant=world.tenant)
    before = take_snapshot(WEBHOOK_SNAPSHOT)

    response = api_client.generic(
        method,
        path.format(guild_id=world.tenant.guild_id, other_prefix=other_key.prefix, other_event_id=other_event.pk),
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert snapshot_diff(before, take_snapshot(WEBHOOK_SNAPSHOT)) == {}


@pytest.mark.parametrize(
    ("held", "requested"),
    [
        (["tenants:admin"], ["tenants:admin", "bets:read"]),
        (["tenants:admin", "bets:read"], ["bets:write"]),
        (["tenants:admin", "bets:read"], ["audit:read", "bets:read"]),
    ],
)
def test_a_tenant_key_cannot_mint_scopes_it_does_not_hold(api_client, make_key, world, held, requested):
    _, secret = make_key(held, tenant=world.tenant)
    before = take_snapshot(WEBHOOK_SNAPSHOT)

    response = api_client.post(
        f"/api/v1/tenants/{world.tenant.guild_id}/api-keys/",
        {"name": "escalated", "scopes": requested},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 403
    beyond = sorted(set(requested) - set(held))
    assert response.json() == {
        "code": "scope_escalation",
        "message": f"This key cannot grant scopes it does not hold: {', '.join(beyond)}.",
        "fields": {},
    }
    assert snapshot_diff(before, take_snapshot(WEBHOOK_SNAPSHOT)) == {}


def test_a_tenant_key_may_mint_a_subset_of_its_scopes(api_client, make_key, world):
    _, secret = make_key(["tenants:admin", "bets:read", "bets:write"], tenant=world.tenant)

    response = api_client.post(
        f"/api/v1/tenants/{world.tenant.guild_id}/api-keys/",
        {"name": "reader", "scopes": ["bets:read"]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 201
    minted = ApiKey.objects.get(prefix=response.json()["prefix"])
    assert (minted.tenant_id, minted.scopes) == (world.tenant.pk, ["bets:read"])


def test_a_platform_key_mints_every_tenant_scope_it_holds_for_a_tenant(api_client, make_key, world):
    """A platform key too mints only within its own scopes (it once minted any scope holding tenants:admin
    alone), and never a platform-only scope on a tenant key: tests/accounts/test_key_minting.py."""
    platform_key, secret = make_key(ALL_SCOPES)

    response = api_client.post(
        f"/api/v1/tenants/{world.tenant.guild_id}/api-keys/",
        {"name": "full", "scopes": list(TENANT_SCOPES)},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 201
    minted = ApiKey.objects.get(prefix=response.json()["prefix"])
    assert (minted.scopes, minted.parent_id) == (sorted(TENANT_SCOPES), platform_key.pk)


# --- data-subject requests: keys file, read, start verification and assign; the staff actions -------
# (verify, complete, reject, the export download) answer every key 403 staff_only: staff do them in the
# portal with a second factor and four eyes (tests/portal/test_dsr_pages.py).

DSR_URL = "/api/v1/privacy/requests/"
DSR_MEMBER_ID = "712345678900000042"
DSR_ENDPOINTS = {
    "dsr_list": Endpoint("GET", DSR_URL, "privacy:read", 200),
    "dsr_create": Endpoint(
        "POST",
        DSR_URL,
        "privacy:write",
        201,
        {"guild_id": "{guild_id}", "discord_user_id": DSR_MEMBER_ID, "kind": "erasure"},
    ),
    "dsr_retrieve": Endpoint("GET", DSR_URL + "{dsr_id}/", "privacy:read", 200),
    "dsr_start_verification": Endpoint(
        "POST", DSR_URL + "{dsr_id}/start-verification/", "privacy:write", 200, {"note": "DM sent"}
    ),
    "dsr_assign": Endpoint("POST", DSR_URL + "{dsr_id}/assign/", "privacy:write", 200, {"assignee": "dpo"}),
    "dsr_verify": Endpoint("POST", DSR_URL + "{dsr_id}/verify/", "privacy:write", 403, {"method": "discord_dm"}),
    "dsr_complete": Endpoint("POST", DSR_URL + "{done_id}/complete/", "privacy:write", 403, {"resolution": "x"}),
    "dsr_reject": Endpoint("POST", DSR_URL + "{dsr_id}/reject/", "privacy:write", 403, {"reason": "no"}),
    "dsr_export": Endpoint("GET", DSR_URL + "{done_id}/export/", "privacy:read", 403),
}

P = "403-staff-only"  # every key, whatever its scopes: a staff action of the portal

# fmt: off
DSR_MATRIX = {
    #                         none malformed unknown revoked expired platform p-no-scope own  own-no-scope other susp.
    "dsr_list":               (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "dsr_create":             (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "dsr_retrieve":           (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "dsr_start_verification": (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "dsr_assign":             (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "dsr_verify":             (U,  U,        U,      U,      U,      P,       P,         P,   P,           P,    S),
    "dsr_complete":           (U,  U,        U,      U,      U,      P,       P,         P,   P,           P,    S),
    "dsr_reject":             (U,  U,        U,      U,      U,      P,       P,         P,   P,           P,    S),
    "dsr_export":             (U,  U,        U,      U,      U,      P,       P,         P,   P,           P,    S),
}
# fmt: on

DSR_CASES = [
    pytest.param(endpoint, credential, outcome, id=f"{endpoint}-{credential}")
    for endpoint, row in DSR_MATRIX.items()
    for credential, outcome in zip(CREDENTIALS, row, strict=True)
]


def test_the_data_subject_request_matrix_covers_every_endpoint_and_credential():
    actions = {"list", "create", "retrieve"} | {
        action.__name__ for action in DataSubjectRequestViewSet.get_extra_actions()
    }
    assert {name.removeprefix("dsr_") for name in DSR_ENDPOINTS} == actions
    assert set(DSR_MATRIX) == set(DSR_ENDPOINTS)


def _dsr_snapshot():
    """take_snapshot(WEBHOOK_SNAPSHOT) and the rows of data-subject requests, their history and outputs."""
    snapshot = take_snapshot(WEBHOOK_SNAPSHOT)
    for label, model in (
        ("data_subject_request", DataSubjectRequest),
        ("data_subject_request_event", DataSubjectRequestEvent),
        ("data_export", DataExport),
        ("deletion_certificate", DeletionCertificate),
    ):
        fields = [field.attname for field in model._meta.concrete_fields]
        snapshot[label] = {row["id"]: row for row in model.objects.values(*fields)}
    return snapshot


@pytest.fixture
def dsr_world(world, actor, make_key, staff_user, settings, tmp_path):
    """The home tenant's member, a request the bot's key filed (received), and a completed access request
    with its export (verified by one officer, completed by another)."""
    settings.PRIVACY_EXPORT_DIR = str(tmp_path / "exports")
    member = MemberFactory(tenant=world.tenant, discord_user_id=DSR_MEMBER_ID)
    bot, _ = make_key(["privacy:read", "privacy:write"], name="bot")
    filer = Actor(kind="api_key", identifier=str(bot.pk), label=bot.prefix)
    verifier, completer = (
        staff_user(StaffRole.COMPLIANCE_OFFICER, username=name) for name in ("dpo", "second-officer")
    )
    world.dsr = request_receive(actor=filer, member=member, kind="access")
    world.done = request_receive(actor=filer, member=member, kind="access")
    request_verify_identity(
        request=world.done, actor=Actor(kind="user", identifier=str(verifier.pk), label="dpo"), method="in_person"
    )
    request_complete(request=world.done, actor=Actor(kind="user", identifier=str(completer.pk), label="second-officer"))
    world.actor = actor
    return world


def _dsr_call(api_client, endpoint: Endpoint, world, authorization: str | None):
    path = endpoint.path.format(dsr_id=world.dsr.pk, done_id=world.done.pk)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    if endpoint.body is None:
        return api_client.generic(endpoint.method, path, **headers)
    body = {key: value.format(guild_id=world.tenant.guild_id) for key, value in endpoint.body.items()}
    return api_client.generic(endpoint.method, path, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(("endpoint_name", "credential", "outcome"), DSR_CASES)
def test_data_subject_request_authorization_matrix(api_client, make_key, dsr_world, endpoint_name, credential, outcome):
    endpoint = DSR_ENDPOINTS[endpoint_name]
    authorization, api_key = _authorize(credential, scope=endpoint.scope, world=dsr_world, make_key=make_key)
    before = _dsr_snapshot()

    response = _dsr_call(api_client, endpoint, dsr_world, authorization)

    status, code = (403, "staff_only") if outcome == P else _expected(outcome, credential, endpoint)
    assert response.status_code == status, response.content
    diff = snapshot_diff(before, _dsr_snapshot())
    if code is not None:
        body = response.json()
        assert set(body) == {"code", "message", "fields"} and body["fields"] == {} and body["message"]
        assert body["code"] == code
        if outcome == P:
            target = dsr_world.done if "{done_id}" in endpoint.path else dsr_world.dsr
            assert (
                f"in the portal, signed in with their second factor (/portal/privacy/requests/{target.pk}/)"
                in (body["message"])
            )
        assert diff == {}, "a denied call changed the database"
        return
    DSR_EFFECTS[endpoint_name](world=dsr_world, response=response, diff=diff, api_key=api_key)


def _dsr_read(*, world, response, diff, **_):
    body = response.json()
    ids = [row["id"] for row in body["results"]] if "results" in body else [body["id"]]
    expected = list(DataSubjectRequest.objects.order_by("-id").values_list("id", flat=True))
    assert ids == (expected if "results" in body else [world.dsr.pk])
    assert diff == {}


def _assert_dsr_change(
    diff, *, world, api_key, response, action: str, history: str, changed: dict, reason: str = ""
) -> None:
    assert set(diff) == {"data_subject_request", "data_subject_request_event", "audit_event"}
    rows = diff["data_subject_request"]
    assert rows["added"] == {} and set(rows["changed"]) == {world.dsr.pk}
    assert set(rows["changed"][world.dsr.pk]) == {*changed, "updated_at"}
    for name, value in changed.items():
        assert rows["changed"][world.dsr.pk][name][1] == value, name
    (event,) = diff["data_subject_request_event"]["added"].values()
    assert (event["action"], event["actor_label"]) == (history, api_key.prefix)
    _assert_one_event(
        diff, action=action, api_key=api_key, response=response, guild_id=world.tenant.guild_id, reason=reason
    )


def _dsr_create(*, world, response, diff, api_key, **_):
    assert set(diff) == {"data_subject_request", "data_subject_request_event", "audit_event"}
    (row,) = diff["data_subject_request"]["added"].values()
    assert diff["data_subject_request"]["changed"] == {}
    assert (row["id"], row["kind"], row["status"]) == (response.json()["id"], "erasure", "received")
    assert (row["filed_by_actor"], row["requested_by"], row["requested_by_key_id"]) == (
        f"api_key:{api_key.pk}", api_key.prefix, api_key.pk
    )  # fmt: skip
    (event,) = diff["data_subject_request_event"]["added"].values()
    assert event["action"] == "received"
    _assert_one_event(
        diff, action="privacy.request_received", api_key=api_key, response=response, guild_id=world.tenant.guild_id
    )


def _dsr_start_verification(*, world, response, diff, api_key, **_):
    assert response.json()["status"] == "identity_verification"
    _assert_dsr_change(
        diff, world=world, api_key=api_key, response=response, action="privacy.request_verification_started",
        history="status_changed", changed={"status": "identity_verification"}, reason="DM sent",
    )  # fmt: skip


def _dsr_assign(*, world, response, diff, api_key, **_):
    assert response.json()["assignee"] == "dpo"
    dpo = get_user_model().objects.get(username="dpo")
    _assert_dsr_change(
        diff, world=world, api_key=api_key, response=response, action="privacy.request_assigned",
        history="assigned", changed={"assignee_id": dpo.pk},
    )  # fmt: skip


DSR_EFFECTS = {
    "dsr_list": _dsr_read,
    "dsr_retrieve": _dsr_read,
    "dsr_create": _dsr_create,
    "dsr_start_verification": _dsr_start_verification,
    "dsr_assign": _dsr_assign,
}


# --- issue #16 experiments: A/B experiments (platform keys) and bandit outcomes (tenant or platform keys) -------

ML_UNIT = "matrix-unit"
ML_PREDICTION = "9b2f6c1e-0d4a-4c1b-8f3e-5a6b7c8d9e0f"
ML_ENDPOINTS = {
    "ml_experiment_assign": Endpoint(
        "POST", "/api/v1/ml/experiments/matrix-exp/assign/", "ml:predict", 200, {"unit_id": "fresh-unit"}
    ),
    "ml_experiment_outcome": Endpoint(
        "POST", "/api/v1/ml/experiments/matrix-exp/outcome/", "ml:predict", 201, {"unit_id": ML_UNIT, "value": 1}
    ),
    "ml_experiment_report": Endpoint("GET", "/api/v1/ml/experiments/matrix-exp/report/", "ml:predict", 200),
    "ml_prediction_outcome": Endpoint(
        "POST", f"/api/v1/ml/predictions/{ML_PREDICTION}/outcome/", "ml:predict", 200, {"reward": 1}
    ),
}
X = "404-not-found"  # another tenant's prediction: not found, as if it did not exist

# fmt: off
ML_MATRIX = {
    #                        none malformed unknown revoked expired platform p-no-scope own  own-no-scope other susp.
    "ml_experiment_assign":  (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "ml_experiment_outcome": (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "ml_experiment_report":  (U,  U,        U,      U,      U,      OK,      F,         F,   F,           F,    S),
    "ml_prediction_outcome": (U,  U,        U,      U,      U,      OK,      F,         OK,  F,           X,    S),
}
# fmt: on

ML_CASES = [
    pytest.param(endpoint, credential, outcome, id=f"{endpoint}-{credential}")
    for endpoint, row in ML_MATRIX.items()
    for credential, outcome in zip(CREDENTIALS, row, strict=True)
]


def _ml_snapshot():
    models = {
        "ml_experiment": (Experiment, ()), "ml_exposure": (ExperimentExposure, ()),
        "ml_outcome": (ExperimentOutcome, ()), "ml_bandit_arm": (BanditArm, ()), "ml_bandit_step": (BanditStep, ()),
    }  # fmt: skip
    return take_snapshot({**WEBHOOK_SNAPSHOT, **models})


@pytest.fixture
def ml_world(world, actor):
    """A running experiment with one exposed unit; a running bandit with a step the home tenant's key made."""
    experiment = experiment_create(
        key="matrix-exp", hypothesis="h", unit_kind="capper", metric="followed", metric_kind="conversion",
        variants=[{"name": "control", "weight": 1}, {"name": "treatment", "weight": 1}], baseline_rate=0.3,
        minimum_detectable_effect=0.1, actor=actor,
    )  # fmt: skip
    experiment_start(experiment=experiment, actor=actor)
    experiment_assign(key="matrix-exp", unit_id=ML_UNIT)
    bandit = bandit_create(model_name="leg_win_probability", arms=["champion", "challenger"], actor=actor)
    bandit_start(bandit=bandit, actor=actor)
    world.alias = bandit_route("leg_win_probability", ML_PREDICTION, tenant_id=world.tenant.pk)
    world.actor = actor
    return world


def test_the_ml_matrix_covers_every_endpoint_and_credential():
    assert set(ML_MATRIX) == set(ML_ENDPOINTS)


@pytest.mark.parametrize(("endpoint_name", "credential", "outcome"), ML_CASES)
def test_ml_experiments_authorization_matrix(api_client, make_key, ml_world, endpoint_name, credential, outcome):
    endpoint = ML_ENDPOINTS[endpoint_name]
    authorization, api_key = _authorize(credential, scope=endpoint.scope, world=ml_world, make_key=make_key)
    before = _ml_snapshot()

    response = _call(api_client, endpoint, ml_world, authorization)

    status, code = (404, "not_found") if outcome == X else _expected(outcome, credential, endpoint)
    assert response.status_code == status, response.content
    diff = snapshot_diff(before, _ml_snapshot())
    if code is not None:
        body = response.json()
        assert set(body) == {"code", "message", "fields"} and body["fields"] == {} and body["message"]
        assert body["code"] == code
        assert diff == {}, "a denied call changed the database"
        return
    ML_EFFECTS[endpoint_name](world=ml_world, response=response, diff=diff)


def _ml_assign(*, response, diff, **_):
    assert response.json()["unit_id"] == "fresh-unit" and response.json()["recorded"] is True
    (row,) = diff["ml_exposure"]["added"].values()
    assert set(diff) == {"ml_exposure"} and (row["unit_id"], row["variant"]) == (
        "fresh-unit",
        response.json()["variant"],
    )


def _ml_outcome(*, response, diff, **_):
    (row,) = diff["ml_outcome"]["added"].values()
    assert set(diff) == {"ml_outcome"} and (row["unit_id"], row["value"]) == (ML_UNIT, 1.0)


def _ml_report(*, response, diff, **_):
    assert response.json()["experiment"] == "matrix-exp" and diff == {}


def _ml_prediction_outcome(*, world, response, diff, **_):
    assert response.json()["alias"] == world.alias and response.json()["reward"] == 1.0
    assert set(diff) == {"ml_bandit_step", "ml_bandit_arm"}
    (arm,) = diff["ml_bandit_arm"]["changed"].values()
    assert arm == {"successes": (0.0, 1.0)}


ML_EFFECTS = {
    "ml_experiment_assign": _ml_assign,
    "ml_experiment_outcome": _ml_outcome,
    "ml_experiment_report": _ml_report,
    "ml_prediction_outcome": _ml_prediction_outcome,
}
