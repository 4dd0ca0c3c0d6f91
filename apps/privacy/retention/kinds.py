"""The registry of retention data kinds: what each kind is, where its clock starts, who it is about.

A `RetentionKind` names a model (by label, resolved when used), the date field whose age is compared
with the policy's period, the rows the kind covers at all (`scope`), how to reach the tenant and the
member of a row (for legal holds), and the actions that make sense for it. Policies refer to kinds by
`key`. Another part of the portal adds a kind with `register_kind` (in its AppConfig.ready).

Two kinds are special: the audit trail (archived and deleted by the audit app so that its hash
chain stays verifiable) and data-subject request exports (files in the export storage).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.betting.choices import FINAL_BET_STATUSES
from apps.fraud.choices import VERDICT_STATUSES
from apps.privacy.choices import RetentionAction
from apps.security.choices import AlertStatus
from apps.tenants.choices import TenantStatus

ANONYMIZED_PREFIX = "anon-"
MAX_PERIOD_DAYS = 36_500  # a hundred years: longer is a typo, not a policy

ENGINE_ROWS = "rows"  # the generic engine: delete, anonymize or archive rows of the model
ENGINE_AUDIT = "audit"  # the audit trail: archived through apps.audit.services
ENGINE_EXPORTS = "exports"  # rows plus their files in the export storage


@dataclass(frozen=True)
class RetentionKind:
    """One kind of data a retention policy can govern."""

    key: str
    label: str
    model_label: str
    date_field: str
    actions: tuple[str, ...]
    default_action: str
    default_period_days: int
    description: str
    scope: Callable[[], Q] | None = None
    tenant_field: str = ""  # ORM path to the row's tenant (a legal hold on the tenant blocks it)
    guild_field: str = ""  # or the field holding the tenant's guild id
    member_field: str = ""  # ORM path to the row's member (a hold on the member blocks it)
    anonymize_fields: tuple[str, ...] = ()  # used when the classification registry declares none
    still_identifying: Callable[[], Q] | None = None  # anonymize: rows not anonymized yet
    archive_related: tuple[str, ...] = ()  # reverse relations archived with each row
    engine: str = ENGINE_ROWS
    extra: dict = field(default_factory=dict)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def covered(self) -> Q:
        return self.scope() if self.scope else Q()


_KINDS: dict[str, RetentionKind] = {}


def register_kind(kind: RetentionKind) -> RetentionKind:
    if kind.default_action not in kind.actions:
        raise ValueError(f"retention kind {kind.key}: default action {kind.default_action} is not allowed")
    _KINDS[kind.key] = kind
    return kind


def retention_kinds() -> list[RetentionKind]:
    return [_KINDS[key] for key in sorted(_KINDS)]


def retention_kind(key: str) -> RetentionKind | None:
    return _KINDS.get(key)


def policy_errors(*, kind: str, period_days, action: str) -> dict[str, list[str]]:
    """What is wrong with a policy's kind, period and action ({} when nothing): messages a person can act on."""
    errors: dict[str, list[str]] = {}
    entry = retention_kind(kind)
    if entry is None:
        errors["kind"] = [
            _("Unknown data kind %(kind)r; known kinds: %(choices)s.")
            % {"kind": kind, "choices": ", ".join(sorted(_KINDS))}
        ]
    if isinstance(period_days, bool) or not isinstance(period_days, int):
        errors["period_days"] = [_("A whole number of days is required.")]
    elif not 1 <= period_days <= MAX_PERIOD_DAYS:
        errors["period_days"] = [_("Must be between 1 and %(max)s days.") % {"max": MAX_PERIOD_DAYS}]
    if action not in RetentionAction.values:
        errors["action"] = [
            _("Unknown action %(action)r; one of: %(choices)s.")
            % {"action": action, "choices": ", ".join(RetentionAction.values)}
        ]
    elif entry is not None and action not in entry.actions:
        errors["action"] = [
            _("%(label)s allows only: %(choices)s.") % {"label": entry.label, "choices": ", ".join(entry.actions)}
        ]
    return errors


def _offboarded(path: str) -> Callable[[], Q]:
    return lambda: Q(**{f"{path}status": TenantStatus.OFFBOARDED, f"{path}offboarded_at__isnull": False})


register_kind(
    RetentionKind(
        key="security_events",
        label="Security events",
        model_label="security.SecurityEvent",
        date_field="occurred_at",
        actions=(RetentionAction.DELETE, RetentionAction.ANONYMIZE, RetentionAction.ARCHIVE_THEN_DELETE),
        default_action=RetentionAction.DELETE,
        default_period_days=365,
        description=(
            "Logins, refusals and other security events (with IP addresses and user agents); events that are "
            "evidence of an alert still open are kept until it is resolved or dismissed."
        ),
        scope=lambda: ~Q(alerts__status__in=[AlertStatus.NEW, AlertStatus.ACKNOWLEDGED]),
        guild_field="guild_id",
        anonymize_fields=("ip_address", "user_agent", "actor_label"),
        still_identifying=lambda: ~Q(ip_address__isnull=True, user_agent=""),
    )
)
register_kind(
    RetentionKind(
        key="audit_events",
        label="Audit events",
        model_label="audit.AuditEvent",
        date_field="occurred_at",
        actions=(RetentionAction.ARCHIVE_THEN_DELETE,),
        default_action=RetentionAction.ARCHIVE_THEN_DELETE,
        default_period_days=7 * 365,
        description="The audit trail: archived with its hash chain, which stays verifiable from a checkpoint.",
        guild_field="guild_id",
        engine=ENGINE_AUDIT,
    )
)
register_kind(
    RetentionKind(
        key="fraud_cases_closed",
        label="Closed fraud cases",
        model_label="fraud.FraudCase",
        date_field="updated_at",
        actions=(RetentionAction.DELETE, RetentionAction.ARCHIVE_THEN_DELETE),
        default_action=RetentionAction.ARCHIVE_THEN_DELETE,
        default_period_days=2 * 365,
        description="Fraud cases with a verdict (confirmed or dismissed), with their members, history and labels.",
        scope=lambda: Q(status__in=sorted(VERDICT_STATUSES)),
        tenant_field="members__capper__tenant",
        member_field="members__capper__member",
        archive_related=("members", "history", "labels"),
    )
)
register_kind(
    RetentionKind(
        key="offboarded_members",
        label="Members of offboarded tenants",
        model_label="accounts.Member",
        date_field="tenant__offboarded_at",
        # bets and the ledger keep pointing at the member (PROTECT, append-only ledger): never deleted
        actions=(RetentionAction.ANONYMIZE,),
        default_action=RetentionAction.ANONYMIZE,
        default_period_days=90,
        description="Members (and their capper profiles) of a tenant offboarded this long ago lose their identity.",
        scope=_offboarded("tenant__"),
        tenant_field="tenant",
        member_field="id",
        anonymize_fields=("username",),
        still_identifying=lambda: ~Q(username__startswith=ANONYMIZED_PREFIX),
        extra={"also_anonymize": {"betting.Capper": ("member", ("display_name", "avatar_url"))}},
    )
)
register_kind(
    RetentionKind(
        key="offboarded_settled_bets",
        label="Settled bets of offboarded tenants",
        model_label="betting.Bet",
        date_field="tenant__offboarded_at",
        # the ledger refers to them and is append-only; pending bets are never touched automatically
        actions=(RetentionAction.ANONYMIZE,),
        default_action=RetentionAction.ANONYMIZE,
        default_period_days=90,
        description="Settled bets of offboarded tenants keep their numbers and lose who settled and review notes.",
        scope=lambda: _offboarded("tenant__")() & Q(status__in=sorted(FINAL_BET_STATUSES)),
        tenant_field="tenant",
        member_field="capper__member",
        anonymize_fields=("settled_by", "review_note"),
        still_identifying=lambda: ~(
            (Q(settled_by="") | Q(settled_by__startswith=ANONYMIZED_PREFIX)) & Q(review_note="")
        ),
    )
)
register_kind(
    RetentionKind(
        key="data_subject_exports",
        label="Data-subject request exports",
        model_label="privacy.DataExport",
        date_field="created_at",
        actions=(RetentionAction.DELETE,),
        default_action=RetentionAction.DELETE,
        default_period_days=30,
        description="The zip files of access and portability requests (the request and its history stay).",
        tenant_field="request__tenant",
        member_field="request__member",
        engine=ENGINE_EXPORTS,
    )
)
register_kind(
    RetentionKind(
        key="slow_queries",
        label="Slow-query statistics",
        model_label="core.SlowQuery",
        date_field="last_seen_at",
        actions=(RetentionAction.DELETE, RetentionAction.ARCHIVE_THEN_DELETE),
        default_action=RetentionAction.DELETE,
        default_period_days=30,
        description="Operational: slow statements not seen again for this long.",
    )
)
register_kind(
    RetentionKind(
        key="memory_snapshots",
        label="Memory snapshots",
        model_label="core.MemorySnapshot",
        date_field="created_at",
        actions=(RetentionAction.DELETE, RetentionAction.ARCHIVE_THEN_DELETE),
        default_action=RetentionAction.DELETE,
        default_period_days=14,
        description="Operational: per-process memory snapshots.",
    )
)
