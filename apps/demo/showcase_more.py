"""The demo story, second half (see apps/demo/showcase.py): data-subject requests, the compliance checks and a
score snapshot, report definitions with a first run, and the forecasts the dashboards draw."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Member
from apps.core.actors import Actor
from apps.demo.showcase import LATE_REQUEST_DAYS, OFFICER, OFFICER_2, demo_tenants, run_scheduled, user_actor

COMPLIANCE_REPORT_NAME = "SOC 2 status, weekly (demo)"
BI_REPORT_NAME = "Weekly executive summary (demo)"
DSR_CHANNEL = Actor.system("Discord /privacy command (demo)")


# --- 5. data-subject requests in every state ----------------------------------------------------------------
def privacy_done() -> bool:
    from apps.privacy.models import DataSubjectRequest  # noqa: PLC0415

    return DataSubjectRequest.objects.exists()


def privacy_run(actor: Actor) -> str:
    from apps.privacy.choices import RequestKind, VerificationMethod  # noqa: PLC0415
    from apps.privacy.models import DataSubjectRequest, DataSubjectRequestEvent  # noqa: PLC0415
    from apps.privacy.services.requests import (  # noqa: PLC0415
        request_complete,
        request_receive,
        request_reject,
        request_start_verification,
        request_verify_identity,
    )

    tenants = demo_tenants()
    members = list(Member.objects.filter(tenant__in=tenants).order_by("pk")[:6])
    if len(members) < 6:
        return "skipped: the demo needs 6 members (run seed_demo first)"
    officer, officer_2 = user_actor(OFFICER), user_actor(OFFICER_2)

    def receive(member, kind, **details):
        with transaction.atomic():
            return request_receive(
                actor=DSR_CHANNEL, member=member, kind=kind, details={"channel": "discord", **details}
            )

    receive(members[0], RequestKind.ACCESS)  # received: waits for someone to start verification
    waiting = receive(members[1], RequestKind.PORTABILITY)
    with transaction.atomic():
        request_start_verification(request=waiting, actor=officer, note="Asked the member to confirm by DM.")
    working = receive(members[2], RequestKind.RECTIFICATION, changes={"username": "corrected-name"})
    with transaction.atomic():
        request_verify_identity(request=working, actor=officer, method=VerificationMethod.DISCORD_DM)
    done = receive(members[3], RequestKind.ACCESS)
    with transaction.atomic():
        request_verify_identity(request=done, actor=officer, method=VerificationMethod.DISCORD_OAUTH)
    with transaction.atomic():  # four eyes: completed by another officer than the one who verified
        request_complete(request=done, actor=officer_2, resolution="Export sent to the member by DM.")
    refused = receive(members[4], RequestKind.ERASURE)
    with transaction.atomic():
        request_reject(
            request=refused, actor=officer, reason="The requester could not show they own this Discord account."
        )
    late = receive(members[5], RequestKind.ACCESS)
    # The planted late request: it arrived LATE_REQUEST_DAYS days ago and nobody answered it, so it is past its
    # due date; `privacy.requests_overdue` fails because of it. (Backdating is the only way to make a request
    # old; the history says so.)
    received = timezone.now() - timedelta(days=LATE_REQUEST_DAYS)
    due = late.due_at - (late.received_at - received)
    DataSubjectRequest.objects.filter(pk=late.pk).update(received_at=received, due_at=due)
    DataSubjectRequestEvent.objects.filter(request_id=late.pk).update(note="(demo: backdated to plant a late request)")
    states = sorted(DataSubjectRequest.objects.values_list("status", flat=True))
    return f"{len(states)} requests: {', '.join(states)} (one planted overdue)"


# --- 6. compliance checks and a score snapshot ---------------------------------------------------------------
def checks_done() -> bool:
    from apps.compliance.models import CheckRun  # noqa: PLC0415

    return CheckRun.objects.exists()


def checks_start_early() -> None:
    """The slowest check, `check --deploy`, is a Django start in a subprocess: started before the first step of the
    story, it runs beside steps 1-5 and the check run of step 6 takes its output."""
    from apps.compliance.services.checks import deploy_check_start  # noqa: PLC0415

    deploy_check_start()


def checks_run_now(actor: Actor) -> str:
    from apps.compliance.models import CheckRun, ScoreSnapshot  # noqa: PLC0415

    # the scheduled jobs the checks watch run first (retention), then the checks' own dispatcher and the
    # score snapshots, as the embedded scheduler runs them
    run_scheduled("apps.privacy.tasks.retention_run_task")
    run_scheduled("apps.compliance.tasks.checks_dispatch_task")
    run_scheduled("apps.compliance.tasks.score_snapshots_task")
    runs = CheckRun.objects.order_by("check_id")
    failed = [run.check_id for run in runs if run.status == "fail"]
    return (
        f"{runs.count()} checks ran, {len(failed)} failed ({', '.join(failed) or 'none'}); "
        f"{ScoreSnapshot.objects.count()} framework score snapshots"
    )


# --- 7. report definitions with a first run ------------------------------------------------------------------
def reports_done() -> bool:
    from apps.analytics.models import ReportDefinition as BiReport  # noqa: PLC0415
    from apps.compliance.models import ReportDefinition  # noqa: PLC0415

    return (
        ReportDefinition.objects.filter(name=COMPLIANCE_REPORT_NAME).exists()
        and BiReport.objects.filter(name=BI_REPORT_NAME).exists()
    )


def reports_run(actor: Actor) -> str:
    from apps.analytics.models import ReportDefinition as BiReport  # noqa: PLC0415
    from apps.analytics.services.reports import report_definition_create as bi_create  # noqa: PLC0415
    from apps.analytics.services.reports import report_run as bi_run  # noqa: PLC0415
    from apps.compliance.choices import ReportKind  # noqa: PLC0415
    from apps.compliance.models import Framework, ReportDefinition  # noqa: PLC0415
    from apps.compliance.services.reports import report_definition_create, report_run  # noqa: PLC0415

    officer = user_actor(OFFICER)
    done = []
    if not ReportDefinition.objects.filter(name=COMPLIANCE_REPORT_NAME).exists():
        framework = Framework.objects.filter(pk="soc2").first() or Framework.objects.order_by("pk").first()
        definition = report_definition_create(
            actor=officer,
            name=COMPLIANCE_REPORT_NAME,
            kind=ReportKind.FRAMEWORK_STATUS,
            framework=framework,
            cron="0 6 * * 1",
            recipients=["compliance@example.com"],
        )
        run = report_run(definition=definition, actor=officer, send_email=False)
        done.append(f"{definition.name}: run {run.number} {run.status}")
    if not BiReport.objects.filter(name=BI_REPORT_NAME).exists():
        definition = bi_create(
            actor=officer,
            tenant=demo_tenants()[0],
            name=BI_REPORT_NAME,
            template="tenant_executive",
            cron="0 7 * * 1",
            recipients=["owners@example.com"],
        )
        run = bi_run(definition=definition, actor=officer, send_email=False)
        done.append(f"{definition.name}: run {run.number} {run.status}")
    return "; ".join(done) or "already there"


# --- 8. analytics: forecasts and insights from the seeded history -------------------------------------------
def analytics_done() -> bool:
    from apps.analytics.models import Forecast  # noqa: PLC0415

    return Forecast.objects.exists()


def forecast_series_shown() -> list[tuple[int | None, str, str]]:
    """(tenant id or None for the platform, metric, grain) of every series a dashboard draws with a forecast band:
    each line widget with the forecast option, for its dashboard's tenant, or for every demo tenant when the
    dashboard is a tenant template (the viewer picks the tenant), or platform-wide."""
    from apps.analytics.models import ChartType, DashboardScope, Widget  # noqa: PLC0415

    tenant_ids = [tenant.pk for tenant in demo_tenants()]
    shown = []
    widgets = Widget.objects.filter(chart_type=ChartType.LINE).select_related("dashboard").order_by("pk")
    for widget in widgets:
        query = widget.query or {}
        metrics = [name for name in str(query.get("metrics", "")).split(",") if name]
        if not (widget.options or {}).get("forecast") or len(metrics) != 1 or query.get("group_by"):
            continue
        dashboard = widget.dashboard
        if dashboard.scope == DashboardScope.PLATFORM:
            scopes = [None]
        else:
            scopes = [dashboard.tenant_id] if dashboard.tenant_id else tenant_ids
        for tenant_id in scopes:
            series = (tenant_id, metrics[0], query.get("grain") or "day")
            if series not in shown:
                shown.append(series)
    return shown


def analytics_run(actor: Actor) -> str:
    from apps.analytics.models import Forecast, Insight  # noqa: PLC0415
    from apps.analytics.selectors.forecasts import DEFAULT_HORIZON  # noqa: PLC0415
    from apps.analytics.services.forecasts import forecast_refresh  # noqa: PLC0415

    # Only the series the dashboards draw (a fit with its backtest takes a second or more per series): the other
    # default series are the scheduled refresh's work, which is left unrecorded here, so the embedded scheduler
    # runs it in the background on its first pass after the server starts (beat, in the full configuration).
    shown = forecast_series_shown()
    for tenant_id, metric, grain in shown:
        forecast_refresh(tenant_id=tenant_id, metric=metric, grain=grain, horizon=DEFAULT_HORIZON)
    run_scheduled("apps.analytics.tasks.insights_dispatch_task")
    return (
        f"{Forecast.objects.count()} forecasts of the {len(shown)} series the dashboards draw with a forecast "
        f"band (the other default series: the scheduler's first pass), {Insight.objects.count()} insights"
    )
