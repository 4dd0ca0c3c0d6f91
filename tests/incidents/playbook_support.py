"""Builders of the rows the playbook tests need (plain functions: fixtures live in conftests)."""

from django.utils import timezone

from apps.incidents.models import Incident, Playbook, PlaybookStep, StepRun
from apps.security.choices import AlertStatus
from apps.security.models import Alert, DetectionRule, SecurityEvent


def incident_make(
    *, kind: str = "other", guild_id: str = "", severity: str = "high", escalation_levels=(), **links
) -> Incident:
    """An open incident, its row written directly so that no playbook starts before the test starts it."""
    now = timezone.now()
    incident = Incident.objects.create(
        title=f"test {kind}",
        kind=kind,
        severity=severity,
        guild_id=guild_id,
        declared_by_label="test",
        detected_at=now,
        aware_at=now,
        escalation_levels=list(escalation_levels),
    )
    for name, rows in links.items():
        getattr(incident, name).set(rows)
    return incident


def playbook_make(*, kind: str, steps: list[dict]) -> Playbook:
    """The next, active version of the kind's playbook with these steps ({slug, action, ...})."""
    last = Playbook.objects.filter(kind=kind).order_by("-version").first()
    Playbook.objects.filter(kind=kind, is_active=True).update(is_active=False)
    playbook = Playbook.objects.create(
        kind=kind,
        name=f"test {kind}",
        version=(last.version if last else 0) + 1,
        source_path="tests",
        source_sha256="0" * 64,
        is_active=True,
    )
    for position, step in enumerate(steps, start=1):
        PlaybookStep.objects.create(playbook=playbook, position=position, **{"title": step["slug"], **step})
    return playbook


def alert_make(*, group_key: str, rule_slug: str = "credential-stuffing-per-ip", events=(), **fields) -> Alert:
    """A security alert of a shipped rule, about `group_key`, holding `events`."""
    now = timezone.now()
    rule = DetectionRule.objects.get(slug=rule_slug)
    alert = Alert.objects.create(
        rule=rule,
        rule_version=rule.version,
        title=f"{rule.name}: {group_key}",
        severity=rule.severity,
        status=AlertStatus.NEW,
        dedup_key=f"{rule_slug}:{group_key}",
        group_key=group_key,
        first_seen_at=now,
        last_seen_at=now,
        **fields,
    )
    alert.events.set(events)
    return alert


def event_make(*, event_type: str = "login_failed", ip_address: str | None = None, **fields) -> SecurityEvent:
    return SecurityEvent.objects.create(event_type=event_type, actor_kind="anonymous", ip_address=ip_address, **fields)


def runs_of(incident: Incident) -> list[tuple[str, str]]:
    """[(step slug, status)] in order."""
    return [(run.step.slug, run.status) for run in StepRun.objects.filter(incident=incident).select_related("step")]
