"""The bulk placement endpoint's parsing and per-capper rate limit (the service does the rest)."""

from django.conf import settings
from django.utils.translation import gettext

from apps.betting.api.serializers import BetPlaceInput
from apps.betting.services.bets import LegInput
from apps.betting.services.bulk import BetInput, BetOutcome, bet_place_many
from apps.core.actors import Actor
from apps.core.api.ratelimit import ratelimit_hit
from apps.core.errors import split_field_errors
from apps.tenants.models import Tenant

BULK_STATUSES = ("created", "existing", "rejected")


def _shape_error(index: int, item: dict, errors: dict) -> BetOutcome:
    fields, general = split_field_errors(errors)
    message = " ".join(general) or gettext("Some fields are invalid: %(fields)s.") % {
        "fields": ", ".join(sorted(fields))
    }
    external_id = item.get("external_id") if isinstance(item.get("external_id"), str) else ""
    return BetOutcome(index, external_id[:32], "rejected", code="invalid", message=message, fields=fields)


def _throttled(tenant: Tenant, capper: str) -> bool:
    if not settings.RATELIMIT_ENABLED:
        return False
    result = ratelimit_hit(
        scope="bet_placement",
        identity=f"{tenant.pk}:{capper}",
        limit=settings.RATELIMIT_BET_PLACEMENTS_PER_CAPPER,
        window_seconds=settings.RATELIMIT_BET_PLACEMENT_WINDOW_SECONDS,
    )
    return not result.is_allowed


def bulk_placement(*, tenant: Tenant, actor: Actor, items: list[dict]) -> list[BetOutcome]:
    """Validate each item's shape, apply the per-capper placement limit, place the rest in one batch."""
    outcomes: dict[int, BetOutcome] = {}
    accepted: list[tuple[int, BetInput]] = []
    for index, item in enumerate(items):
        shape = BetPlaceInput(data=item)
        if not shape.is_valid():
            outcomes[index] = _shape_error(index, item, shape.errors)
            continue
        values = shape.validated_data
        if _throttled(tenant, values["capper"]):
            outcomes[index] = BetOutcome(
                index, values["external_id"], "rejected", code="throttled",
                message="This capper has placed too many bets in the current window; retry later.",
            )  # fmt: skip
            continue
        legs = [LegInput(**leg) for leg in values["legs"]]
        accepted.append(
            (
                index,
                BetInput(values["external_id"], values["capper"], values["stake_units"], legs, values["placed_at"]),
            )
        )
    placed = bet_place_many(tenant=tenant, actor=actor, bets=[bet for _, bet in accepted])
    for (index, _), outcome in zip(accepted, placed, strict=True):
        outcome.index = index
        outcomes[index] = outcome
    return [outcomes[index] for index in range(len(items))]
