from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.accounts.services import member_create
from apps.audit.services import audit_record, field_changes
from apps.betting.models import Capper
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.tenants.models import Tenant


@transaction.atomic
def capper_create(
    *, tenant: Tenant, actor: Actor, discord_user_id: str, username: str, display_name: str = "", avatar_url: str = ""
) -> Capper:
    """Allow a member to post bets; the member is registered first if the tenant does not know them."""
    member = Member.objects.filter(tenant=tenant, discord_user_id=discord_user_id).first()
    if member is None:
        member = member_create(actor=actor, tenant=tenant, discord_user_id=discord_user_id, username=username)
    try:
        with transaction.atomic():
            capper = Capper.objects.create(
                tenant=tenant, member=member, display_name=display_name or username, avatar_url=avatar_url
            )
    except IntegrityError:
        raise ConflictError(
            _("Discord user %(discord_user_id)s is already a capper here.") % {"discord_user_id": discord_user_id},
            code="capper_exists",
        ) from None
    audit_record(
        actor=actor,
        action="betting.capper_created",
        target=capper,
        guild_id=tenant.guild_id,
        changes=field_changes({}, {"member_id": member.pk}),  # no identity in the append-only trail
    )
    return capper


CAPPER_EDITABLE = ("display_name", "avatar_url", "is_active")


@transaction.atomic
def capper_update(*, capper: Capper, actor: Actor, display_name: str, avatar_url: str, is_active: bool) -> Capper:
    """Change a capper's name, avatar or active flag; one audit event with what changed (none when nothing did)."""
    before = Capper.objects.select_for_update().values(*CAPPER_EDITABLE).get(pk=capper.pk)
    after = {"display_name": display_name, "avatar_url": avatar_url, "is_active": is_active}
    changes = field_changes(before, after)
    for name, value in after.items():
        setattr(capper, name, value)
    if changes:
        capper.save(update_fields=list(CAPPER_EDITABLE))
        audit_record(
            actor=actor,
            action="betting.capper_updated",
            target=capper,
            guild_id=capper.tenant.guild_id,
            changes=changes,
        )
    return capper


@transaction.atomic
def capper_freeze(*, capper: Capper, actor: Actor, reason: str) -> Capper:
    """Freeze a capper: its new bets are refused (with the reason) until it is unfrozen; freezing twice
    changes nothing and records nothing."""
    if not reason.strip():
        raise ApplicationError(_("Say why the capper is frozen."), fields={"reason": [_("Required.")]})
    capper = Capper.objects.select_for_update().select_related("tenant").get(pk=capper.pk)
    if capper.is_frozen:
        return capper
    capper.frozen_at = timezone.now()
    capper.frozen_reason = reason.strip()[:200]
    capper.save(update_fields=["frozen_at", "frozen_reason"])
    audit_record(
        actor=actor,
        action="betting.capper_frozen",
        target=capper,
        guild_id=capper.tenant.guild_id,
        reason=capper.frozen_reason,
        changes=field_changes({"frozen": False}, {"frozen": True}),
    )
    return capper


@transaction.atomic
def capper_unfreeze(*, capper: Capper, actor: Actor, reason: str = "") -> Capper:
    """Lift a freeze: the capper may post bets again; unfreezing one that is not frozen changes nothing."""
    capper = Capper.objects.select_for_update().select_related("tenant").get(pk=capper.pk)
    if not capper.is_frozen:
        return capper
    capper.frozen_at = None
    capper.frozen_reason = ""
    capper.save(update_fields=["frozen_at", "frozen_reason"])
    audit_record(
        actor=actor,
        action="betting.capper_unfrozen",
        target=capper,
        guild_id=capper.tenant.guild_id,
        reason=reason,
        changes=field_changes({"frozen": True}, {"frozen": False}),
    )
    return capper
