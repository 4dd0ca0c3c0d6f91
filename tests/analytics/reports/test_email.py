"""A report run e-mails its PDF and XLSX through the notification layer (outbox, delivery, SMTP), byte for byte;
a stored file that changed after it was recorded is not sent."""

import hashlib

import pytest

from apps.analytics.services.reports import report_definition_create, report_run
from apps.notifications.choices import DeliveryStatus, EventKind
from apps.notifications.models import Delivery
from apps.notifications.services import delivery_send
from tests.analytics.world import build_world

pytestmark = pytest.mark.django_db


def _run(tenant, actor, capture):
    definition = report_definition_create(
        actor=actor,
        tenant=tenant,
        name="Weekly executive",
        template="tenant_executive",
        recipients=["cfo@dbsbm.test", "owner@dbsbm.test"],
    )
    with capture(execute=True):  # the outbox hands the delivery to its task after the commit
        return report_run(definition=definition, actor=actor)


def test_the_run_is_emailed_with_its_pdf_and_xlsx_through_the_notification_layer(
    tenant,
    actor,
    media_root,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    build_world(tenant=tenant, actor=actor)

    run = _run(tenant, actor, django_capture_on_commit_callbacks)

    assert len(smtp_server.mails) == 1
    mail = smtp_server.mails[0]
    assert sorted(mail.recipients) == ["cfo@dbsbm.test", "owner@dbsbm.test"]
    assert mail.message["Subject"] == (f"[DBSBM reports] Weekly executive v1: {run.period_start} to {run.period_end}")
    stored = {item.filename: item for item in run.files.all()}
    assert sorted(mail.attachments) == ["weekly-executive-v1.pdf", "weekly-executive-v1.xlsx"]  # the CSV stays home
    for name, data in mail.attachments.items():
        assert hashlib.sha256(data).hexdigest() == stored[name].sha256
        assert stored[name].sha256 in mail.message.get_body(("plain",)).get_content()
    assert mail.attachments["weekly-executive-v1.pdf"].startswith(b"%PDF-")
    assert run.notification.kind == EventKind.ANALYTICS_REPORT_READY
    assert run.notification.payload["files"][0]["sha256"] == stored["weekly-executive-v1.pdf"].sha256
    delivery = Delivery.objects.get(notification=run.notification, channel="email")
    assert (delivery.status, run.emailed_to) == (DeliveryStatus.SENT, ["cfo@dbsbm.test", "owner@dbsbm.test"])


def test_a_stored_file_changed_after_the_run_is_not_emailed(
    tenant,
    actor,
    media_root,
    smtp_server,  # noqa: F811
):
    definition = report_definition_create(
        actor=actor, tenant=tenant, name="Weekly", template="tenant_executive", recipients=["cfo@dbsbm.test"]
    )
    run = report_run(definition=definition, actor=actor)  # the delivery is queued, not yet sent
    pdf = run.files.get(format="pdf")
    with open(pdf.file.path, "ab") as handle:
        handle.write(b"% appended after the run")

    status = delivery_send(delivery_id=Delivery.objects.get(notification=run.notification, channel="email").pk)

    assert status == DeliveryStatus.FAILED
    assert smtp_server.mails == []
    assert "differs from its recorded SHA-256" in Delivery.objects.get(notification=run.notification).last_error
