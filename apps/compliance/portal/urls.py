"""/portal/: sign-in, dashboard, compliance drill-down, reports, alerts, workflows, triage, DSRs (and their actions)."""

from django.urls import include, path

from apps.compliance.portal import views, views_auth, views_compliance, views_privacy, views_reports, views_triage

app_name = "portal"

urlpatterns = [
    path("login/", views_auth.login_view, name="login"),
    path("login/verify/", views_auth.verify_view, name="login_verify"),
    path("login/enrol/", views_auth.enrol_view, name="login_enrol"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("widgets/<slug:name>/", views.widget, name="widget"),
    path("frameworks/", views_compliance.frameworks, name="frameworks"),
    path("frameworks/<slug:framework_id>/", views_compliance.framework_detail, name="framework"),
    path(
        "frameworks/<slug:framework_id>/requirements/<path:ref>/",
        views_compliance.requirement_detail,
        name="requirement",
    ),
    path("check-runs/<int:run_id>/", views_compliance.check_run_detail, name="check_run"),
    path("reports/", views_reports.reports, name="reports"),
    path("reports/", include("apps.compliance.reporting.urls")),  # downloads, run now (the reports part)
    path("alerts/", views_compliance.alerts, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views_compliance.alert_acknowledge, name="alert_acknowledge"),
    path("workflows/", views_compliance.workflows, name="workflows"),
    path(
        "workflows/steps/<int:step_id>/<slug:action>/",
        views_compliance.workflow_step_action,
        name="workflow_step_action",
    ),
    path("security/alerts/", views_triage.security_alerts, name="security_alerts"),
    path("security/alerts/<int:alert_id>/", views_triage.security_alert_detail, name="security_alert"),
    path("security/alerts/<int:alert_id>/triage/", views_triage.security_alert_triage, name="security_alert_triage"),
    path("fraud/cases/", views_triage.fraud_cases, name="fraud_cases"),
    path("fraud/cases/<int:case_id>/", views_triage.fraud_case_detail, name="fraud_case"),
    path("fraud/cases/<int:case_id>/triage/", views_triage.fraud_case_triage_view, name="fraud_case_triage"),
    path("privacy/requests/", views_privacy.dsrs, name="dsrs"),
    path("privacy/requests/<int:request_id>/", views_privacy.dsr_detail, name="dsr"),
    path("privacy/requests/<int:request_id>/export/", views_privacy.dsr_export, name="dsr_export"),
    path("privacy/requests/<int:request_id>/<slug:action>/", views_privacy.dsr_action, name="dsr_action"),
]
