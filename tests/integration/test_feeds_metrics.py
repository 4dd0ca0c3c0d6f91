"""The results feed's lag on /api/v1/metrics/ (a gauge the integration app adds to core's families)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.integration.models import FeedSource

pytestmark = pytest.mark.django_db


def test_each_enabled_source_that_has_seen_an_item_reports_its_lag(make_key, client_with_key):
    now = timezone.now()
    FeedSource.objects.create(name="scores", base_urls=["http://127.0.0.1:9/"], newest_item_at=now - timedelta(hours=1))
    FeedSource.objects.create(name="never-ran", base_urls=["http://127.0.0.1:9/"])
    _, secret = make_key(["metrics:read"])

    response = client_with_key(secret).get("/api/v1/metrics/")

    assert response.status_code == 200
    families = {family.name: family for family in text_string_to_metric_families(response.content.decode())}
    lag = {sample.labels["source"]: sample.value for sample in families["dbsbm_feed_lag_seconds"].samples}
    assert set(lag) == {"scores"}
    assert 3600 <= lag["scores"] < 3600 + 120
    scrape_ok = {sample.labels["source"]: sample.value for sample in families["dbsbm_scrape_ok"].samples}
    assert scrape_ok["dbsbm_feed_lag_seconds"] == 1
