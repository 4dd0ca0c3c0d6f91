"""Staff roles as groups with permissions, kept in code and synced into the database after migrate.

One table here instead of hand-edited groups: a role means the same on every deployment, and a
change to a role is reviewed like any other code. Later apps add their permissions to the roles here.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from apps.accounts.choices import StaffRole

ROLE_GROUP_NAMES = {
    StaffRole.OPS: "Ops",
    StaffRole.SUPPORT: "Support",
    StaffRole.COMPLIANCE_OFFICER: "Compliance officer",
    StaffRole.SECURITY_ANALYST: "Security analyst",
}

_READ_ALL = [
    "tenants.view_tenant",
    "accounts.view_member",
    "accounts.view_apikey",
    "audit.view_auditevent",
    "betting.view_sport",
    "betting.view_league",
    "betting.view_team",
    "betting.view_game",
    "betting.view_capper",
    "betting.view_bet",
    "betting.view_betleg",
    "betting.view_ledgerentry",
]

# betting-integrity cases (apps/fraud): analysts triage them, compliance officers read them
_FRAUD_VIEW = [
    "fraud.view_fraudcase",
    "fraud.view_fraudcasemember",
    "fraud.view_fraudcaseevent",
    "fraud.view_fraudlabel",
]

# security monitoring (apps/security): analysts triage alerts, compliance officers read; viewing
# security events is also what admits a user to the live stream at /ws/security/events/
_SECURITY_VIEW = [
    "security.view_securityevent",
    "security.view_detectionrule",
    "security.view_detectionruleversion",
    "security.view_alert",
    "security.view_alertactivity",
    "security.view_baseline",
]

# compliance reports, alerts and workflows (apps/compliance): officers define reports and alert rules,
# run and download reports, handle alerts and decide access reviews (all through services)
_COMPLIANCE_AUTOMATION = [
    "compliance.view_reportdefinition",
    "compliance.add_reportdefinition",
    "compliance.change_reportdefinition",
    "compliance.view_reportrun",
    "compliance.add_reportrun",
    "compliance.view_reportfile",
    "compliance.view_alertrule",
    "compliance.add_alertrule",
    "compliance.change_alertrule",
    "compliance.view_compliancealert",
    "compliance.change_compliancealert",
    "compliance.view_workflowdefinition",
    "compliance.view_workflowinstance",
    "compliance.view_workflowstep",
    "compliance.change_workflowstep",
    "compliance.view_accessreview",
    "compliance.view_accessreviewitem",
    "compliance.change_accessreviewitem",
    # issue 17 officer actions: run checks now, attest with evidence, create, assign and complete remediation
    "compliance.add_checkrun",
    "compliance.view_manualattestation",
    "compliance.add_manualattestation",
    "compliance.view_remediationtask",
    "compliance.add_remediationtask",
    "compliance.change_remediationtask",
]

# incident response (apps/incidents): analysts run incidents (declare, acknowledge, move, act, collect
# evidence); compliance officers read them, handle evidence and regulatory clocks and approve reviews
_INCIDENTS_VIEW = [
    "incidents.view_incident",
    "incidents.view_timelineentry",
    "incidents.view_incidentnotification",
    "incidents.view_steprun",
    "incidents.view_evidence",
    "incidents.view_custodyevent",
    "incidents.view_regulatoryclock",
    "incidents.view_review",
    "incidents.view_followup",
    "incidents.view_escalationpolicy",
    "incidents.view_escalationlevel",
    "incidents.view_incidentrule",
    "incidents.view_playbook",
    "incidents.view_playbookstep",
    "incidents.view_clockdefinition",
    "incidents.access_evidence",
]
_INCIDENTS_RESPOND = [
    "incidents.add_incident",
    "incidents.change_incident",
    "incidents.change_steprun",
    "incidents.add_evidence",
    "incidents.change_review",
    "incidents.change_followup",
]

# metric alert rules, silences and anomaly insights (apps/analytics, issue #14 item 6): officers and
# analysts write rules and silences (through the analytics services) and read the rest
_ANALYTICS_ALERTING = [
    "analytics.view_alertrule",
    "analytics.add_alertrule",
    "analytics.change_alertrule",
    "analytics.view_alertinstance",
    "analytics.view_alertstatechange",
    "analytics.view_alertsilence",
    "analytics.add_alertsilence",
    "analytics.change_alertsilence",
    "analytics.view_insight",
    "analytics.view_insightscan",
]
# BI reports (apps/analytics): officers define, run and download them, the platform's included; analysts
# read and download the tenants' reports
_ANALYTICS_REPORTS_READ = [
    "analytics.view_reportdefinition",
    "analytics.view_reportrun",
    "analytics.view_reportfile",
]
_ANALYTICS_REPORTS_MANAGE = [
    *_ANALYTICS_REPORTS_READ,
    "analytics.add_reportdefinition",
    "analytics.change_reportdefinition",
    "analytics.add_reportrun",
    "analytics.manage_platform_reports",
]

# the model registry (apps/ml, issue #16): both portal roles read models, versions, jobs, the prediction log
# and drift, and decide promotions (never their own: the service and a constraint enforce four eyes);
# security analysts also operate models: train, request promotions, move and roll back aliases
_ML_VIEW = [
    "ml.view_registeredmodel",
    "ml.view_modelversion",
    "ml.view_modelalias",
    "ml.view_aliasmove",
    "ml.view_promotionrequest",
    "ml.view_trainingjob",
    "ml.view_predictionlog",
    "ml.view_driftreport",
    "ml.decide_promotionrequest",
]
_ML_OPERATE = ["ml.add_trainingjob", "ml.add_promotionrequest", "ml.move_modelalias"]
# experiments and bandits (apps/ml/experiments): both portal roles read them (the portal pages, the admin lists);
# security analysts, who operate the models, also create, start and stop them and run simulations (the portal
# actions ml.experiment_manage and ml.bandit_manage need change_experiment and change_bandit)
_ML_EXPERIMENTS_VIEW = [
    "ml.view_experiment",
    "ml.view_experimentexposure",
    "ml.view_experimentoutcome",
    "ml.view_bandit",
    "ml.view_banditarm",
    "ml.view_banditepisode",
    "ml.view_banditstep",
    "ml.view_banditsimulation",
]
_ML_EXPERIMENTS_MANAGE = ["ml.add_experiment", "ml.change_experiment", "ml.add_bandit", "ml.change_bandit"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    StaffRole.OPS: [
        *_READ_ALL,
        "tenants.add_tenant",
        "tenants.change_tenant",
        "accounts.add_member",
        "accounts.change_member",
        "accounts.add_apikey",
        "accounts.change_apikey",
        # staff repairs of the ledger: settle, void, correct (through the admin's actions)
        "betting.change_bet",
        "betting.change_game",
        "betting.change_capper",
        # issue #16 mlreg: what a tenant key's ml:predict covers, so ops may grant it (apps/accounts/key_policy.py)
        "ml.view_registeredmodel",
        "ml.view_predictionlog",
    ],
    StaffRole.SUPPORT: [*_READ_ALL, "accounts.change_member", "betting.change_capper"],
    StaffRole.COMPLIANCE_OFFICER: [
        *_READ_ALL,
        "accounts.view_user",
        "audit.view_auditseal",
        *_FRAUD_VIEW,
        *_SECURITY_VIEW,
        # classification and pseudonyms (apps/privacy): findings triage, the data map, the vault
        "privacy.view_piifinding",
        "privacy.change_piifinding",
        "privacy.view_pseudonym",
        "privacy.reidentify_pseudonym",
        # consent, data-subject requests and PIAs (apps/privacy): officers process requests (admin
        # actions call the services), publish consent texts and write and review assessments
        "privacy.view_consenttype",
        "privacy.add_consenttype",
        "privacy.view_consentrecord",
        "privacy.view_datasubjectrequest",
        "privacy.change_datasubjectrequest",
        "privacy.view_dataexport",
        "privacy.view_deletioncertificate",
        "privacy.view_privacyalert",
        "privacy.view_privacyimpactassessment",
        "privacy.add_privacyimpactassessment",
        "privacy.change_privacyimpactassessment",
        *_COMPLIANCE_AUTOMATION,
        *_INCIDENTS_VIEW,
        "incidents.change_regulatoryclock",  # record when the authority and the data subjects were told
        "incidents.approve_review",
        *_ANALYTICS_ALERTING,
        *_ANALYTICS_REPORTS_MANAGE,
        *_ML_VIEW,
        *_ML_EXPERIMENTS_VIEW,
    ],
    StaffRole.SECURITY_ANALYST: [
        *_READ_ALL,
        "accounts.view_user",
        "audit.view_auditseal",
        *_FRAUD_VIEW,
        "fraud.change_fraudcase",  # triage: status, assignee, notes (through the fraud service)
        *_SECURITY_VIEW,
        "security.change_alert",  # triage: status, assignee, notes (through the security service)
        *_INCIDENTS_VIEW,
        *_INCIDENTS_RESPOND,
        "incidents.approve_review",
        *_ANALYTICS_ALERTING,
        *_ANALYTICS_REPORTS_READ,
        *_ML_VIEW,
        *_ML_OPERATE,
        # issue 17: analysts read remediation tasks and complete the ones assigned to them
        "compliance.view_remediationtask",
        "compliance.change_remediationtask",
        *_ML_EXPERIMENTS_VIEW,
        *_ML_EXPERIMENTS_MANAGE,
    ],
}


def _permissions(names: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = [
        permission
        for permission in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _, codename in wanted}
        )
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Role permissions that do not exist: {sorted('.'.join(m) for m in missing)}")
    return found


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and set exactly their permissions (idempotent)."""
    for role, group_name in ROLE_GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))
