"""Blocking an address until a set time, and lifting the block (incident response's block_address action)."""

import ipaddress
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.address_blocks import AddressBlock, address_blocks_publish
from apps.core.errors import ApplicationError
from apps.security.models import BlockedAddress

MAX_BLOCK_PREFIX = {4: 16, 6: 48}  # never block more than a /16 (IPv4) or a /48 (IPv6) in one row


def normalized_network(address: str) -> str:
    """'203.0.113.7' -> '203.0.113.7/32'; a network keeps its prefix. Bad input: ApplicationError."""
    try:
        network = ipaddress.ip_network(address.strip(), strict=False)
    except ValueError:
        raise ApplicationError(
            _("%(address)r is not an IP address or network.") % {"address": address},
            code="invalid_address",
            fields={"address": [_("Invalid.")]},
        ) from None
    if network.prefixlen < MAX_BLOCK_PREFIX[network.version]:
        raise ApplicationError(
            _("%(network)s is too wide to block; the widest is /%(max_block_prefix)s.")
            % {"network": network, "max_block_prefix": MAX_BLOCK_PREFIX[network.version]},
            code="invalid_address",
            fields={"address": [_("Too wide.")]},
        )
    return str(network)


@transaction.atomic
def address_block(*, address: str, until: datetime, reason: str, actor: Actor) -> BlockedAddress:
    """Refuse every request from `address` (an address or network) until `until`. A live block of the same
    network is reused and extended if `until` is later: blocking twice leaves one block."""
    network = normalized_network(address)
    if not reason.strip():
        raise ApplicationError(_("Say why the address is blocked."), fields={"reason": [_("Required.")]})
    now = timezone.now()
    if until <= now:
        raise ApplicationError(_("The block must end in the future."), fields={"until": [_("In the past.")]})
    block = (
        BlockedAddress.objects.select_for_update()
        .filter(network=network, lifted_at__isnull=True, blocked_until__gt=now)
        .order_by("-blocked_until")
        .first()
    )
    if block is not None:
        if until > block.blocked_until:
            before = {"blocked_until": block.blocked_until.isoformat()}
            block.blocked_until = until
            block.save(update_fields=["blocked_until"])
            audit_record(
                actor=actor,
                action="security.address_block_extended",
                target=block,
                changes=field_changes(before, {"blocked_until": until.isoformat()}),
                reason=reason,
            )
            transaction.on_commit(address_blocks_refresh)
        return block
    block = BlockedAddress.objects.create(
        network=network, blocked_until=until, reason=reason.strip()[:200], created_by_label=actor.label[:150]
    )
    audit_record(
        actor=actor,
        action="security.address_blocked",
        target=block,
        changes=field_changes({}, {"network": network, "blocked_until": until.isoformat()}),
        reason=reason,
    )
    transaction.on_commit(address_blocks_refresh)
    return block


@transaction.atomic
def address_unblock(*, block: BlockedAddress, actor: Actor, reason: str = "") -> BlockedAddress:
    """Lift a block now; lifting a lifted block changes nothing."""
    block = BlockedAddress.objects.select_for_update().get(pk=block.pk)
    if block.lifted_at is not None:
        return block
    block.lifted_at = timezone.now()
    block.lifted_by_label = actor.label[:150]
    block.save(update_fields=["lifted_at", "lifted_by_label"])
    audit_record(
        actor=actor,
        action="security.address_unblocked",
        target=block,
        changes=field_changes({"lifted": False}, {"lifted": True}),
        reason=reason,
    )
    transaction.on_commit(address_blocks_refresh)
    return block


def address_blocks_refresh() -> int:
    """Publish the live blocks to the door (apps.core.address_blocks): after each change, and from beat so
    a flushed cache is refilled; returns how many are live."""
    rows = BlockedAddress.objects.filter(lifted_at__isnull=True, blocked_until__gt=timezone.now()).values_list(
        "network", "blocked_until", "reason"
    )
    blocks = [AddressBlock(network, until.timestamp(), reason) for network, until, reason in rows]
    address_blocks_publish(blocks)
    return len(blocks)
