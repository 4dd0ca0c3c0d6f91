"""Report runs: every kind builds from live data into PDF, CSV and JSON files, versioned and hashed,
stored through Django's storage, e-mailed over real SMTP, and downloadable from the portal."""

import csv
import hashlib
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create
from apps.audit.models import AuditEvent
from apps.betting.choices import GameStatus, LegResult, Market, Selection
from apps.betting.models import Game
from apps.betting.services import bet_correct, bet_place, bet_settle, capper_create, game_record_result, game_upsert
from apps.betting.services.bets import LegInput
from apps.compliance.checks.registry import CHECKS, CheckDefinition, CheckResult
from apps.compliance.choices import ReportKind, ReportRunStatus
from apps.compliance.models import Framework, ReportRun
from apps.compliance.selectors import framework_scores
from apps.compliance.services.reports import report_definition_create, report_run, report_run_email
from apps.compliance.services.runs import check_run_execute
from apps.compliance.tasks import run_report
from apps.core.personal_data import personal_fields
from apps.fraud.choices import FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.services import fraud_case_record
from apps.privacy.choices import VerificationMethod
from apps.privacy.models import DataSubjectRequest
from apps.privacy.services.requests import request_receive, request_verify_identity
from tests.actors import staff_actor

pytestmark = pytest.mark.django_db


def _definition(actor, kind, parameters=None, recipients=None, name=None):
    return report_definition_create(
        actor=actor, name=name or f"{kind} report", kind=kind, parameters=parameters or {}, recipients=recipients or []
    )


def _stored(run: ReportRun) -> dict[str, bytes]:
    contents = {}
    for report_file in run.files.all():
        with report_file.file.open("rb") as handle:
            contents[report_file.format] = handle.read()
    return contents


def _json(run: ReportRun) -> dict:
    return json.loads(_stored(run)["json"])


def _facts(run: ReportRun) -> dict:
    return {fact["label"]: fact["value"] for fact in _json(run)["facts"]}


def test_a_run_stores_pdf_csv_and_json_with_their_sha256_and_is_versioned(actor, media_root):  # noqa: F811
    definition = _definition(actor, ReportKind.GDPR_ARTICLE_30, {"controller": "DBSBM Ltd"})

    first = report_run(definition=definition, actor=actor)
    second = report_run(definition=definition, actor=actor)

    assert (first.number, second.number, first.status) == (1, 2, ReportRunStatus.SUCCEEDED)
    stored = _stored(first)
    assert sorted(stored) == ["csv", "json", "pdf"]
    assert stored["pdf"].startswith(b"%PDF-")
    for report_file in first.files.all():
        assert report_file.sha256 == hashlib.sha256(stored[report_file.format]).hexdigest()
        assert report_file.size_bytes == len(stored[report_file.format])
        assert report_file.file.path.startswith(str(media_root))
        assert report_file.filename == f"gdpr_article_30-report-v1.{report_file.format}"
    header = _json(first)["report"]
    assert (header["version"], header["definition_id"], header["kind"]) == (1, definition.pk, "gdpr_article_30")
    assert _json(second)["report"]["version"] == 2
    completed = AuditEvent.objects.filter(action="compliance.report_run_completed", target_id=str(first.pk)).get()
    assert completed.changes["sha256"]["after"] == {f.format: f.sha256 for f in first.files.all()}


def test_the_gdpr_record_lists_every_declared_personal_field(actor, media_root):  # noqa: F811
    run = report_run(
        definition=_definition(actor, ReportKind.GDPR_ARTICLE_30, {"controller": "DBSBM Ltd"}), actor=actor
    )

    table = _json(run)["tables"][0]
    declared = {(field.model_label, field.name) for field in personal_fields()}
    assert table["columns"] == ["data kind", "model", "field", "category", "class", "purpose", "encrypted"]
    assert {(row[1], row[2]) for row in table["rows"]} == declared
    assert _facts(run)["Controller"] == "DBSBM Ltd"
    assert _facts(run)["Personal fields"] == len(declared)


def test_the_audit_extract_holds_the_events_of_its_range_and_prefix(actor, media_root):  # noqa: F811
    _definition(actor, ReportKind.GDPR_ARTICLE_30, name="makes one event")
    definition = _definition(actor, ReportKind.AUDIT_TRAIL_EXTRACT, {"days": 1, "action_prefix": "compliance."})
    expected = list(
        AuditEvent.objects.filter(action__startswith="compliance.").order_by("id").values_list("id", flat=True)
    )

    run = report_run(definition=definition, actor=actor)

    events = _json(run)["tables"][0]
    assert [row[0] for row in events["rows"]] == expected
    assert _facts(run)["Events"] == len(expected) == 2
    rows = list(csv.reader(io.StringIO(_stored(run)["csv"].decode())))
    assert ["## Events"] in rows and events["columns"] in rows


def test_an_oversized_audit_extract_fails_its_run_with_the_reason(actor, media_root, settings):  # noqa: F811
    settings.COMPLIANCE_REPORT_MAX_AUDIT_EVENTS = 1
    _definition(actor, ReportKind.GDPR_ARTICLE_30, name="one event")
    definition = _definition(actor, ReportKind.AUDIT_TRAIL_EXTRACT, {"days": 1})

    run = report_run(definition=definition, actor=actor)

    assert run.status == ReportRunStatus.FAILED
    assert "more than the limit of 1: choose a shorter date range" in run.error
    assert not run.files.exists()
    assert AuditEvent.objects.filter(action="compliance.report_run_failed", target_id=str(run.pk)).exists()


def test_request_statistics_count_by_kind_and_status_with_median_and_overdue(actor, tenant, media_root, officer):  # noqa: F811
    members = [
        member_create(actor=actor, tenant=tenant, discord_user_id=str(700000000000000000 + n), username=f"m{n}")
        for n in range(3)
    ]
    done, overdue, fresh = (request_receive(actor=actor, member=member, kind="access") for member in members)
    request_verify_identity(request=done, actor=staff_actor(officer), method=VerificationMethod.DISCORD_DM)
    # the clock: one request completed two days after it came in, one received 40 days ago
    DataSubjectRequest.objects.filter(pk=done.pk).update(
        status="completed", completed_at=done.received_at + timedelta(days=2)
    )
    long_ago = timezone.now() - timedelta(days=40)
    DataSubjectRequest.objects.filter(pk=overdue.pk).update(received_at=long_ago, due_at=long_ago + timedelta(days=30))

    run = report_run(definition=_definition(actor, ReportKind.DSR_STATISTICS, {"days": 90}), actor=actor)

    assert _facts(run) == {"Period (days)": 90, "Requests": 3, "Median days to complete": 2.0, "Overdue now": 1}
    by_status = _json(run)["tables"][0]["rows"]
    assert by_status == [["access", "completed", 1], ["access", "received", 2]]
    assert [row[0] for row in _json(run)["tables"][1]["rows"]] == [f"#{overdue.pk}"]


def _bet(actor, tenant, capper, game, number, market=Market.MONEYLINE, selection=Selection.HOME):
    leg = LegInput(market=market, selection=selection, odds=-110, game=game.external_id, description="prop text")
    return bet_place(
        tenant=tenant, actor=actor, external_id=f"m-{number}", capper=capper, stake_units=Decimal("1"), legs=[leg]
    )[0]


def test_the_integrity_summary_counts_cases_corrections_and_overdue_pending_bets(actor, tenant, media_root):  # noqa: F811
    member = member_create(actor=actor, tenant=tenant, discord_user_id="710000000000000001", username="capper")
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id=member.discord_user_id, username="capper")
    starts = timezone.now() - timedelta(hours=4)  # started: only a started game gets a final score
    game, _ = game_upsert(
        actor=actor, external_id="g-1", sport="nba", league="nba", home_team="A", away_team="B", starts_at=starts
    )
    corrected = _bet(actor, tenant, capper, game, 1)
    bet_settle(bet=corrected, actor=actor, leg_results={leg.pk: LegResult.WON for leg in corrected.legs.all()})
    bet_correct(
        bet=corrected,
        actor=actor,
        leg_results={leg.pk: LegResult.LOST for leg in corrected.legs.all()},
        reason="wrong side",
    )
    pending = _bet(actor, tenant, capper, game, 2, market=Market.PROP, selection="over 20.5 points")
    game_record_result(actor=actor, external_id="g-1", home_score=100, away_score=90, status=GameStatus.FINAL)
    Game.objects.filter(pk=game.pk).update(finalized_at=timezone.now() - timedelta(hours=3))  # the clock
    fraud_case_record(finding=Finding(FraudKind.BOT_ACTIVITY, [capper.pk], 0.8, "Posts every 2 s.", {}), actor=actor)

    definition = _definition(actor, ReportKind.BETTING_INTEGRITY, {"days": 7, "pending_hours": 2})
    run = report_run(definition=definition, actor=actor)

    facts = _facts(run)
    assert (
        facts["Fraud cases detected"],
        facts["Settlement corrections"],
        facts["Bets pending 2 h past game end"],
    ) == (1, 1, 1)
    tables = {table["title"]: table["rows"] for table in _json(run)["tables"]}
    assert tables["Fraud cases by detector and status"] == [["bot_activity", "new", 1]]
    assert [row[0] for row in tables["Settlement corrections"]] == [corrected.pk]
    assert [row[0] for row in tables["Bets pending past their game's end"]] == [pending.pk]


def test_the_run_is_emailed_over_smtp_with_the_stored_files_attached(actor, media_root, smtp_server):  # noqa: F811
    definition = _definition(
        actor, ReportKind.GDPR_ARTICLE_30, recipients=["dpo@dbsbm.test", "ciso@dbsbm.test"], name="Art 30"
    )

    run = report_run(definition=definition, actor=actor)

    assert len(smtp_server.mails) == 1
    mail = smtp_server.mails[0]
    assert sorted(mail.recipients) == ["ciso@dbsbm.test", "dpo@dbsbm.test"]
    assert mail.mail_from == "compliance@dbsbm.test"
    assert mail.message["Subject"] == "[DBSBM compliance] Art 30 v1"
    attachments = mail.attachments
    assert sorted(attachments) == ["art-30-v1.csv", "art-30-v1.json", "art-30-v1.pdf"]
    assert attachments["art-30-v1.pdf"].startswith(b"%PDF-")
    for report_file in run.files.all():
        assert hashlib.sha256(attachments[report_file.filename]).hexdigest() == report_file.sha256
        assert report_file.sha256 in mail.message.get_body(("plain",)).get_content()
    run.refresh_from_db()
    assert run.emailed_to == ["dpo@dbsbm.test", "ciso@dbsbm.test"] and run.emailed_at is not None
    assert AuditEvent.objects.filter(action="compliance.report_emailed", target_id=str(run.pk)).exists()


def test_an_unreachable_smtp_server_keeps_the_run_and_records_the_failure(actor, media_root, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # discard port: refused
    definition = _definition(actor, ReportKind.GDPR_ARTICLE_30, recipients=["dpo@dbsbm.test"])

    run = report_run(definition=definition, actor=actor)

    assert run.status == ReportRunStatus.SUCCEEDED and run.files.count() == 3
    assert run.emailed_at is None and run.error.startswith("E-mail not delivered")
    assert AuditEvent.objects.filter(action="compliance.report_email_failed", target_id=str(run.pk)).exists()


def test_emailing_needs_recipients(actor, media_root):  # noqa: F811
    run = report_run(definition=_definition(actor, ReportKind.GDPR_ARTICLE_30), actor=actor)

    with pytest.raises(Exception, match="no recipients"):
        report_run_email(run=run, actor=actor)


def test_the_beat_task_runs_the_definition_and_skips_a_disabled_one(actor, media_root):  # noqa: F811
    definition = _definition(actor, ReportKind.GDPR_ARTICLE_30)

    run_id = run_report.delay(
        definition.pk
    ).get()  # eager in tests; tests/compliance/test_reports_worker.py: a real worker

    assert ReportRun.objects.get(pk=run_id).definition == definition
    definition.is_enabled = False
    definition.save()
    assert run_report(definition.pk) is None
    assert run_report(definition.pk + 1000) is None
    assert ReportRun.objects.count() == 1


def test_officers_download_a_file_with_its_hash_and_the_download_is_audited(
    actor,
    media_root,  # noqa: F811
    officer,  # noqa: F811
    portal_client,  # noqa: F811
):
    run = report_run(definition=_definition(actor, ReportKind.GDPR_ARTICLE_30), actor=actor)
    pdf = run.files.get(format="pdf")
    url = reverse("portal:report_file_download", kwargs={"file_id": pdf.pk})

    response = portal_client(officer).get(url)

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and hashlib.sha256(body).hexdigest() == pdf.sha256
    assert response["X-Content-SHA256"] == pdf.sha256
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{pdf.filename}"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="compliance.report_downloaded")
    assert (event.actor_label, event.target_id) == ("officer", str(pdf.pk))


@pytest.mark.parametrize("who", ["anonymous", "support", "analyst"])
def test_others_cannot_download_and_nothing_is_audited(actor, media_root, staff_user, portal_client, who):  # noqa: F811
    run = report_run(definition=_definition(actor, ReportKind.GDPR_ARTICLE_30), actor=actor)
    url = reverse("portal:report_file_download", kwargs={"file_id": run.files.get(format="pdf").pk})
    if who == "anonymous":
        response = Client().get(url)
        assert response.status_code == 302 and "/portal/login/" in response["Location"]
    else:
        role = StaffRole.SUPPORT if who == "support" else StaffRole.SECURITY_ANALYST
        response = portal_client(staff_user(role, username=who)).get(url)
        assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="compliance.report_downloaded").exists()


def test_a_missing_file_is_a_404(officer, portal_client):  # noqa: F811
    url = reverse("portal:report_file_download", kwargs={"file_id": 999999})

    assert portal_client(officer).get(url).status_code == 404


def test_framework_status_reports_the_framework_scores_and_its_failing_checks(actor, media_root, monkeypatch):  # noqa: F811
    framework = Framework.objects.order_by("id").first()
    requirement = framework.requirements.filter(is_group=False).order_by("position").first()
    failing = CheckDefinition(
        id="test.failing",
        title="always fails",
        severity="high",
        frequency_minutes=60,
        requirements=(requirement.key,),
        version="1",
        function=lambda now: CheckResult("fail", "broken on purpose", {"why": "test"}),
    )
    monkeypatch.setitem(CHECKS, failing.id, failing)  # registered for this test only
    failed_run = check_run_execute(check=failing, trigger="manual")

    run = report_run(definition=_definition(actor, ReportKind.FRAMEWORK_STATUS, {}, name="all"), actor=actor)
    scoped_definition = report_definition_create(
        actor=actor, name="one", kind=ReportKind.FRAMEWORK_STATUS, framework=framework
    )
    scoped = report_run(definition=scoped_definition, actor=actor)

    tables = {table["title"]: table for table in _json(scoped)["tables"]}
    expected = framework_scores(framework_id=framework.pk)[0]
    assert [row[0] for row in tables["Scores"]["rows"]] == [framework.pk]
    assert tables["Scores"]["rows"][0][3] == expected["score"]
    failing_rows = tables["Failing checks"]["rows"]
    assert [(row[0], row[5]) for row in failing_rows] == [("test.failing", failed_run.evidence_sha256)]
    assert _facts(run)["Frameworks"] == Framework.objects.count()
