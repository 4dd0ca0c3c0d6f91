"""POST /discord/interactions/: Discord's interactions endpoint (the URL set in the developer portal).

Not an API-key endpoint: the caller is Discord, proven by the Ed25519 signature of every request, so
no session, no CSRF token (Discord has none) and no DRF authentication. Order: size (413) → signature and
timestamp (401, nothing read or run) → one use of each interaction id (401 for a replay) → JSON (400) →
the answer (always 200 with a body Discord understands, refusals included).
"""

import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from redis.exceptions import RedisError

from apps.core.actors import client_ip
from apps.integration.discord.dispatch import interaction_respond
from apps.integration.discord.interactions import InteractionInvalid
from apps.integration.discord.signature import SignatureRejected, signature_verify

logger = logging.getLogger(__name__)


def _refusal(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


def _first_use(interaction_id: object) -> bool:
    """Whether this interaction id is seen for the first time within the replay window (Redis; a cache that
    is down lets the request through: the signature and the timestamp window still hold)."""
    if not isinstance(interaction_id, str):
        return True  # no id to remember: parsing refuses it later if the command needs one
    try:
        return cache.add(
            f"discord:interaction:{interaction_id}", 1, timeout=2 * settings.DISCORD_TIMESTAMP_TOLERANCE_SECONDS
        )
    except (RedisError, OSError):
        logger.warning("discord: replay check skipped (cache unavailable) for interaction %s", interaction_id)
        return True


@csrf_exempt
@require_POST
def interactions(request: HttpRequest) -> JsonResponse:
    """Verify, then answer one interaction."""
    limit = settings.DISCORD_INTERACTION_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit or len(body := request.body) > limit:
        return _refusal(413, "payload_too_large", f"An interaction is at most {limit} bytes.")
    try:
        signature_verify(
            signature_hex=request.headers.get("X-Signature-Ed25519", ""),
            timestamp=request.headers.get("X-Signature-Timestamp", ""),
            body=body,
        )
    except SignatureRejected as rejection:
        logger.info("discord: request refused: %s", rejection)
        return _refusal(401, "invalid_signature", "Invalid request signature.")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return _refusal(400, "invalid_json", "The body is not JSON.")
    if not isinstance(payload, dict):
        return _refusal(400, "invalid_interaction", "An interaction is a JSON object.")
    if not _first_use(payload.get("id")):
        return _refusal(401, "replayed", "This interaction was already received.")
    try:
        return JsonResponse(interaction_respond(payload, ip_address=client_ip(request)))
    except InteractionInvalid as error:
        return _refusal(400, "invalid_interaction", f"Not an interaction this endpoint handles: {error}.")
