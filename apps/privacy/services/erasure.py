"""Erasure: anonymize a member everywhere the classification registry says there is data about them.

Rows are kept and lose the identity: bets and the ledger keep their numbers, the capper and member
are renamed after a pseudonym (`psn_…` from the vault, whose entry for the person is erased in the
same run, so that no one can re-identify it afterwards), fields declared KEEP are left alone, other
personal fields are emptied (NULL where the column allows it, else "" or the field's empty default)
and blind indexes of changed fields cleared. Append-only records (the audit trail, the units
ledger: PostgreSQL triggers refuse UPDATE) are not touched; the certificate lists what they keep, and
the erasure itself is recorded by a new audit event naming the pseudonym only.

A legal hold on the member or their tenant blocks the erasure (409). The `DeletionCertificate` says
what was erased per model and field with row counts, when and by whom, with a SHA-256 over its
canonical content (`certificate_verify`).
"""

import hashlib
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Cast, Concat, Left
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.audit.services import audit_record
from apps.betting.services.redaction import cappers_renamed
from apps.core.actors import Actor
from apps.core.errors import ConflictError
from apps.core.personal_data import ErasureAction, PersonalModel, personal_models
from apps.core.storage.digests import canonical_json
from apps.privacy.models import DataExport, DataSubjectRequest, DeletionCertificate
from apps.privacy.services.exports import export_storage
from apps.privacy.services.holds import active_legal_holds
from apps.privacy.services.pseudonyms import pseudonymize

PSEUDONYM_PURPOSE = "erasure.member"

# Records no one may update (database triggers): kept as they are, and listed on the certificate.
APPEND_ONLY_MODELS = {
    "audit.AuditEvent": "the audit trail is append-only and hash-chained",
    "audit.AuditSeal": "the audit trail is append-only and hash-chained",
    "betting.LedgerEntry": "the units ledger is append-only",
}


def _identity_values(token: str) -> dict[tuple[str, str], str]:
    """Replacements of the fields that name the person: recognisably erased, unique per member."""
    suffix = token.removeprefix("psn_")
    return {
        ("accounts.Member", "username"): f"erased-{suffix}",
        ("accounts.Member", "discord_user_id"): f"e{suffix}"[:20],
        ("accounts.Member", "display_name"): token,
        ("betting.Capper", "display_name"): token,
    }


# Fields without a declared erasure action that erasure keeps anyway, and why.
KEPT_BY_DEFAULT = {
    ("betting.BetLeg", "selection"): "kept: grading needs it (home, away, over, under or the prop's text)",
    ("fraud.FraudCaseEvent", "actor_label"): "kept: names the analyst, not the member",
    ("fraud.FraudLabel", "labelled_by"): "kept: names the analyst, not the member",
    ("privacy.PiiFinding", "resolved_by"): "kept: names the staff user, not the member",
    ("privacy.LegalHold", "placed_by"): "kept: names the staff user, not the member",
    ("privacy.LegalHold", "released_by"): "kept: names the staff user, not the member",
    ("security.Baseline", "subject_id"): "kept: the capper's row id (the capper row is anonymized)",
    ("fraud.FraudCase", "member_key"): "kept: the cappers' row ids (the capper rows are anonymized)",
}


def _pseudonym_value(field: models.Field, token: str):
    """erased-<row id>-<token>: marks the value as erased, and stays unique per row (unique constraints)."""
    value = Concat(Value("erased-"), Cast("pk", models.CharField()), Value(f"-{token.removeprefix('psn_')}"))
    return Left(value, field.max_length) if field.max_length else value


def _empty_value(field: models.Field) -> tuple[bool, Any, str]:
    """(erasable, value, action) of emptying a field: NULL, its empty default, or ""."""
    if field.null:
        return True, None, "nulled"
    if isinstance(field, models.JSONField):
        default = field.get_default()
        return True, default if default is not None else {}, "emptied"
    if isinstance(field, models.GenericIPAddressField):
        return True, "0.0.0.0", "replaced"  # noqa: S104 - a value that names no one, not a bind address
    if isinstance(field, models.CharField | models.TextField):
        return True, "", "emptied"
    return False, None, "kept: the column cannot be emptied"


def _field_plan(entry: PersonalModel, name: str, field: models.Field, token: str) -> tuple[bool, Any, str]:
    declared = entry.fields[name].erase
    identity = _identity_values(token).get((entry.model_label, name))
    if declared == ErasureAction.KEEP:
        return False, None, "kept (declared)"
    if identity is not None and declared in ("", ErasureAction.PSEUDONYMIZE):
        return True, identity, "pseudonymized"
    if declared == ErasureAction.PSEUDONYMIZE and isinstance(field, models.CharField | models.TextField):
        return True, _pseudonym_value(field, token), "pseudonymized"
    if declared == ErasureAction.ERASE:
        return _empty_value(field)
    if (entry.model_label, name) in KEPT_BY_DEFAULT:
        return False, None, KEPT_BY_DEFAULT[(entry.model_label, name)]
    if field.choices:
        return False, None, "kept: a coded value (one of the field's choices), not free text"
    if isinstance(field, models.CharField | models.TextField) and not (field.null or field.blank):
        return True, _pseudonym_value(field, token), "pseudonymized"
    return _empty_value(field)


def _erasure_plan(entry: PersonalModel, token: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The values to write into the model's rows about the member, and what happens to each field."""
    values: dict[str, Any] = {}
    actions: dict[str, str] = {}
    model = entry.model
    for name in sorted(entry.fields):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            actions[name] = "kept: not a column"
            continue
        if not getattr(field, "concrete", False) or field.primary_key or field.is_relation:
            actions[name] = "kept: a key or relation (the row stays, its identity goes with the member)"
            continue
        erasable, value, action = _field_plan(entry, name, field, token)
        actions[name] = action
        if erasable:
            values[field.attname] = value
    # blind indexes of changed fields (only saves recompute them; an UPDATE must clear them itself)
    for field in model._meta.concrete_fields:
        if getattr(field, "source", None) in values and field.attname not in values:
            values[field.attname] = None
            actions[field.name] = "cleared (blind index)"
    return values, actions


def certificate_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def certificate_verify(certificate: DeletionCertificate) -> bool:
    """The certificate's content still hashes to its SHA-256 and says what its columns say."""
    content = certificate.content
    return (
        certificate_hash(content) == certificate.content_sha256
        and content.get("member_pseudonym") == certificate.member_pseudonym
        and content.get("erased") == certificate.erased
        and content.get("retained") == certificate.retained
    )


def _delete_files(names: list[str]) -> None:
    storage = export_storage()
    for name in names:
        storage.delete(name)


@transaction.atomic
def member_erase(*, request: DataSubjectRequest, actor: Actor) -> DeletionCertificate:
    """Anonymize the request's member in every declared model and certify it; refused under a legal hold."""
    member = Member.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=request.member_id)
    holds = active_legal_holds(member=member)
    if holds:
        raise ConflictError(
            _(
                "Erasure blocked: %(count)s active legal hold(s) cover this member or tenant (%(holds)s). "
                "Release the hold or reject the request."
            )
            % {"count": len(holds), "holds": "; ".join(holds)},
            code="legal_hold",
        )
    # per tenant, so that the same person erased in two guilds is not linked by one token; the registry
    # lists the vault's own entries for the Discord id, so this one is erased below with the others
    token = pseudonymize(member.discord_user_id, purpose=f"{PSEUDONYM_PURPOSE}.{member.tenant.guild_id}")
    erased: dict[str, Any] = {}
    retained: dict[str, Any] = {}
    # the member row last: other models find their rows through it
    entries = sorted(personal_models(), key=lambda entry: entry.model_label == "accounts.Member")
    for entry in entries:
        rows = entry.rows_about(member)
        if entry.model_label in APPEND_ONLY_MODELS:
            retained[entry.model_label] = {
                "rows": rows.count(),
                "fields": sorted(entry.fields),
                "why": APPEND_ONLY_MODELS[entry.model_label],
            }
            continue
        values, actions = _erasure_plan(entry, token)
        try:
            with transaction.atomic():
                count = rows.update(**values) if values else rows.count()
        except IntegrityError as error:
            # a constraint refuses the erased values: the whole erasure rolls back. The database's message
            # would quote the row (personal data), so only the constraint is named.
            constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or "a constraint"
            raise ConflictError(
                _(
                    "Erasure stopped: %(model_label)s refuses the erased values (%(constraint)s). Declare "
                    "the field's erasure action in its app's personal_data.py."
                )
                % {"model_label": entry.model_label, "constraint": constraint},
                code="erasure_refused",
            ) from None
        erased[entry.model_label] = {"rows": count, "fields": actions}
    # earlier exports hold the person's data in clear: their files go once the erasure has committed
    export_files = list(
        DataExport.objects.filter(request__member=member).order_by("pk").values_list("file_name", flat=True)
    )
    if export_files:
        erased["privacy.DataExport"] = {"rows": len(export_files), "fields": {"file": "deleted (export zip)"}}
    erased_at = timezone.now()
    content = {
        "request_id": request.pk,
        "guild_id": member.tenant.guild_id,
        "member_pseudonym": token,
        "erased": erased,
        "retained": retained,
        "erased_at": erased_at.isoformat(),
        "erased_by": actor.label,
    }
    certificate = DeletionCertificate.objects.create(
        request=request,
        member_pseudonym=token,
        erased=erased,
        retained=retained,
        erased_at=erased_at,
        erased_by=actor.label[:150],
        content=content,
        content_sha256=certificate_hash(content),
    )
    member.refresh_from_db()
    audit_record(
        actor=actor,
        action="privacy.member_erased",
        target=member,
        guild_id=member.tenant.guild_id,
        changes={
            "member_pseudonym": token,
            "rows": {label: item["rows"] for label, item in erased.items()},
            "certificate_sha256": certificate.content_sha256,
        },
        reason=f"data-subject request #{request.pk}",
    )
    cappers_renamed(tenant_id=member.tenant_id)  # leaderboards show capper names (refreshed after commit)
    transaction.on_commit(lambda: _delete_files(export_files))
    return certificate
