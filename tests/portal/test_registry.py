"""The portal reads what each app contributes (its portal.py, found at start-up like admin.py): pages,
dashboard widgets and the permissions of portal actions (apps/core/portal.py)."""

import pytest

from apps.core.portal import (
    portal_permission,
    portal_refreshes,
    portal_widgets,
    register_portal_permission,
    register_portal_widget,
    unregister_portal_widget,
)


def test_every_domain_app_contributes_its_part_through_its_own_portal_module():
    assert list(portal_widgets()) == [
        "scores", "failing", "history", "alerts", "audit", "protection", "dsr",
        "incidents", "security_alerts", "fraud_cases", "forecast",
    ]  # fmt: skip
    assert {name: widget.build.__module__ for name, widget in portal_widgets().items()} == {
        "scores": "apps.compliance.portal",
        "failing": "apps.compliance.portal",
        "history": "apps.compliance.portal",
        "alerts": "apps.compliance.portal",
        "audit": "apps.audit.portal",
        "protection": "apps.privacy.portal",
        "dsr": "apps.privacy.portal",
        "incidents": "apps.incidents.portal",
        "security_alerts": "apps.security.portal",
        "fraud_cases": "apps.fraud.portal",
        "forecast": "apps.analytics.portal_forecast",
    }
    assert portal_permission("security.alert_triage") == "security.change_alert"
    assert portal_permission("fraud.case_triage") == "fraud.change_fraudcase"
    assert portal_permission("privacy.request_change") == "privacy.change_datasubjectrequest"
    assert portal_permission("compliance.report_download") == "compliance.view_reportfile"


def test_a_later_app_adds_a_widget_without_editing_the_portal():
    register_portal_widget("example", "An example", "portal/widgets/dsr.html", dict, order=5)
    try:
        assert list(portal_widgets())[0] == "example"
    finally:
        unregister_portal_widget("example")
    assert "example" not in portal_widgets()


def test_an_unregistered_action_fails_loudly_and_a_malformed_one_is_refused():
    with pytest.raises(KeyError):
        portal_permission("security.alert_delete")
    with pytest.raises(ValueError):
        register_portal_permission("triage", "security.change_alert")
    with pytest.raises(KeyError):
        portal_permission("triage")


def test_the_apps_name_the_signals_that_refresh_their_widgets():
    assert {refresh.reason: refresh.widgets for refresh in portal_refreshes()} == {
        "check_run": ("scores", "failing", "history", "protection"),
        "compliance_alert": ("alerts",),
        "data_subject_request": ("dsr", "protection"),
        "incident_opened": ("incidents",),
        "incident_status": ("incidents",),
        "security_alert": ("security_alerts",),
        "fraud_case": ("fraud_cases",),
    }
