"""Rate limits of the betting API beyond the per-key quota."""

import re

from django.conf import settings
from django.utils.translation import gettext_lazy

from apps.core.api.throttling import CounterThrottle

_DISCORD_ID = re.compile(r"^[0-9]{1,20}$")


class BetPlacementThrottle(CounterThrottle):
    """Bet placements per capper of a tenant (the `capper` of the body): 50 per 5 minutes by default.

    Counted before the body is validated, so a flood of refused placements counts too; a body
    without a usable capper id is left to the serializer, which refuses it with a 400.
    """

    scope = "bet_placement"
    message = gettext_lazy("This capper has placed {limit} bets in the current window.")

    def policy(self, request, view):
        capper = request.data.get("capper") if isinstance(request.data, dict) else None
        if not isinstance(capper, str) or not _DISCORD_ID.match(capper):
            return None
        return (
            f"{view.tenant.pk}:{capper}",
            settings.RATELIMIT_BET_PLACEMENTS_PER_CAPPER,
            settings.RATELIMIT_BET_PLACEMENT_WINDOW_SECONDS,
        )
