"""Done when (issue #14): an alert rule fires and notifies. Real bets placed through the betting services
push a tenant's handle over a rule's threshold; beat's task (sent to the broker as beat sends it) claims the
rule, a real Celery worker evaluates it and delivers the notification: an e-mail arrives at the local SMTP
server and a signed webhook at a local HTTP server."""

import pytest
from celery.contrib.testing.worker import start_worker

from apps.analytics.models import AlertInstance, AlertStateChange
from apps.analytics.tasks import alert_rule_evaluate_task, alert_rules_dispatch_task
from dbsbm.celery import app as celery_app
from tests.analytics.alerting_data import WebhookReceiver, make_capper, make_rule, place_stakes
from tests.incidents.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads what the test committed


@pytest.fixture
def real_worker():
    """A worker thread consuming the Redis broker of the test settings; tasks are not eager here."""
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        celery_app.conf.task_always_eager = True


def test_an_alert_rule_fires_and_notifies_by_email_and_webhook(tenant, actor, smtp_server, httpserver, real_worker):
    hook = WebhookReceiver(httpserver)
    rule = make_rule(
        actor=actor,
        tenant=tenant,
        targets=[{"kind": "email", "address": "oncall@dbsbm.test"}, {"kind": "webhook", "url": hook.url}],
        query={"metrics": "stake_units", "grain": "hour"},
        window=2,  # this hour and the last: the bets below count whenever the test runs
        pending_seconds=0,
    )
    hook.learn_secret()
    capper = make_capper(tenant=tenant, actor=actor, username="joe")
    place_stakes(tenant=tenant, actor=actor, capper=capper, stakes=["2.00"])

    alert_rules_dispatch_task.delay()  # what beat sends every ANALYTICS_ALERT_SWEEP_SECONDS
    wait_until(lambda: AlertInstance.objects.filter(rule=rule, value=2.0).exists(), timeout=60)
    assert AlertInstance.objects.get(rule=rule).state == "normal" and smtp_server.mails == []

    place_stakes(tenant=tenant, actor=actor, capper=capper, stakes=["4.00"])  # 6 units: over the threshold of 5
    alert_rule_evaluate_task.delay(rule.pk)
    wait_until(lambda: len(smtp_server.mails) == 1 and len(hook.received) == 1, timeout=60)

    instance = AlertInstance.objects.get(rule=rule)
    assert (instance.state, instance.value) == ("firing", 6.0)
    mail = smtp_server.mails[0]
    assert mail.recipients == ["oncall@dbsbm.test"]
    assert mail.message["Subject"] == "[DBSBM alert] FIRING CRITICAL: Handle spike"
    assert "sum of stake_units over 2 hour(s) > 5" in mail.message.get_body(preferencelist=("plain",)).get_content()
    payload = hook.received[0]
    assert payload["type"] == "analytics_alert_firing" and hook.refused == 0
    assert (payload["data"]["rule_id"], payload["data"]["value"], payload["data"]["guild_id"]) == (
        rule.pk, 6.0, tenant.guild_id,
    )  # fmt: skip
    change = AlertStateChange.objects.get(rule=rule)
    assert (change.from_state, change.to_state, change.notification.deliveries.count()) == ("normal", "firing", 2)
