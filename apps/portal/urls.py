"""/portal/: sign-in, dashboard, compliance drill-down, reports, alerts, workflows, triage, DSRs, incidents (and their
actions), analytics dashboards (and their editing and drill-down)."""

from django.urls import path

from apps.portal.views import (
    analytics,
    analytics_alerts,
    analytics_drill,
    analytics_edit,
    analytics_reports,
    auth,
    compliance,
    compliance_actions,  # issue 17 officer actions
    compliance_alerts,
    compliance_history,
    dashboard,
    exports,
    exports_analytics,
    exports_compliance,
    exports_integration,
    exports_ml,
    fraud,
    incidents,
    incidents_actions,
    incidents_review,
    integration_registry,
    ml_experiments,  # issue #16 experiments
    ml_registry,
    ml_registry_actions,
    privacy,
    remediation,  # issue 17 officer actions
    reports,
    security,
)
from apps.portal.views.integration_usage import integration_usage
from apps.portal.views.ml_parser import ml_parser
from apps.portal.views.ml_vision import ml_vision
from apps.portal.views.privacy_intake import dsr_create

app_name = "portal"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.verify_view, name="login_verify"),
    path("login/enrol/", auth.enrol_view, name="login_enrol"),
    path("logout/", auth.logout_view, name="logout"),
    path("", dashboard.dashboard, name="dashboard"),
    path("widgets/<slug:name>/", dashboard.widget, name="widget"),
    path("frameworks/", compliance.frameworks, name="frameworks"),
    path("frameworks/<slug:framework_id>/", compliance.framework_detail, name="framework"),
    path(
        "frameworks/<slug:framework_id>/requirements/<path:ref>/",
        compliance.requirement_detail,
        name="requirement",
    ),
    path("check-runs/<int:run_id>/", compliance.check_run_detail, name="check_run"),
    path("reports/", reports.reports, name="reports"),
    path("reports/files/<int:file_id>/download/", reports.report_file_download, name="report_file_download"),
    path("reports/definitions/<int:definition_id>/run/", reports.report_run_now, name="report_run_now"),
    path("analytics/reports/", analytics_reports.analytics_reports, name="analytics_reports"),
    path("analytics/reports/<slug:scope>/", analytics_reports.analytics_reports_scope, name="analytics_reports_scope"),
    path(
        "analytics/reports/<slug:scope>/new/",
        analytics_reports.analytics_report_create,
        name="analytics_report_create",
    ),
    path(
        "analytics/reports/<slug:scope>/<int:definition_id>/run/",
        analytics_reports.analytics_report_run,
        name="analytics_report_run",
    ),
    path(
        "analytics/reports/<slug:scope>/files/<int:file_id>/",
        analytics_reports.analytics_report_file,
        name="analytics_report_file",
    ),
    path("alerts/", compliance_alerts.alerts, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", compliance_alerts.alert_acknowledge, name="alert_acknowledge"),
    path("workflows/", compliance.workflows, name="workflows"),
    path(
        "workflows/steps/<int:step_id>/<slug:action>/",
        compliance.workflow_step_action,
        name="workflow_step_action",
    ),
    # issue 17 officer actions: define a report, run checks now, attest with evidence, remediation tasks
    path("reports/definitions/new/", compliance_actions.report_define, name="report_define"),
    path("check-runs/", compliance_actions.check_runs, name="check_runs"),
    path("check-runs/run/", compliance_actions.checks_run_now, name="checks_run_now"),
    path(
        "frameworks/<slug:framework_id>/attest/<path:ref>/",
        compliance_actions.requirement_attest,
        name="requirement_attest",
    ),
    path(
        "attestations/<int:attestation_id>/evidence/",
        compliance_actions.attestation_evidence_download,
        name="attestation_evidence",
    ),
    path("remediation/", remediation.remediation_tasks, name="remediation"),
    path("remediation/new/", remediation.remediation_task_new, name="remediation_new"),
    path("remediation/<int:task_id>/assign/", remediation.remediation_task_assign_view, name="remediation_assign"),
    path(
        "remediation/<int:task_id>/complete/",
        remediation.remediation_task_complete_view,
        name="remediation_complete",
    ),
    # end of issue 17 officer actions
    path("security/alerts/", security.security_alerts, name="security_alerts"),
    path("security/alerts/export.<str:fmt>", exports.security_alerts_export, name="security_alerts_export"),
    path("security/alerts/<int:alert_id>/", security.security_alert_detail, name="security_alert"),
    path("security/alerts/<int:alert_id>/triage/", security.security_alert_triage, name="security_alert_triage"),
    path("fraud/cases/", fraud.fraud_cases, name="fraud_cases"),
    path("fraud/cases/export.<str:fmt>", exports.fraud_cases_export, name="fraud_cases_export"),
    path("fraud/cases/<int:case_id>/", fraud.fraud_case_detail, name="fraud_case"),
    path("fraud/cases/<int:case_id>/triage/", fraud.fraud_case_triage_view, name="fraud_case_triage"),
    path("privacy/requests/", privacy.dsrs, name="dsrs"),
    path("privacy/requests/export.<str:fmt>", exports.dsrs_export, name="dsrs_export"),
    path("privacy/requests/<int:request_id>/", privacy.dsr_detail, name="dsr"),
    path("privacy/requests/<int:request_id>/export/", privacy.dsr_export, name="dsr_export"),
    path("privacy/requests/<int:request_id>/<slug:action>/", privacy.dsr_action, name="dsr_action"),
    path("incidents/", incidents.incidents, name="incidents"),
    path("incidents/export.<str:fmt>", exports.incidents_export, name="incidents_export"),
    path("incidents/board/", incidents.incident_board, name="incident_board"),
    path("incidents/declare/", incidents_actions.incident_declare_view, name="incident_declare"),
    path("incidents/metrics/", incidents_review.incident_metrics_view, name="incident_metrics"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/live/", incidents.incident_live, name="incident_live"),
    path(
        "incidents/<int:incident_id>/acknowledge/", incidents_actions.incident_acknowledge, name="incident_acknowledge"
    ),
    path(
        "incidents/<int:incident_id>/transition/",
        incidents_actions.incident_transition_view,
        name="incident_transition",
    ),
    path("incidents/<int:incident_id>/note/", incidents_actions.incident_note_view, name="incident_note"),
    path(
        "incidents/<int:incident_id>/steps/<int:step_run_id>/undo/",
        incidents_actions.incident_step_undo,
        name="incident_step_undo",
    ),
    path(
        "incidents/<int:incident_id>/steps/<int:step_run_id>/done/",
        incidents_actions.incident_step_done,
        name="incident_step_done",
    ),
    path(
        "incidents/<int:incident_id>/evidence/", incidents_actions.incident_evidence_add, name="incident_evidence_add"
    ),
    path(
        "incidents/<int:incident_id>/evidence/<int:evidence_id>/download/",
        incidents_actions.incident_evidence_download,
        name="incident_evidence_download",
    ),
    path(
        "incidents/<int:incident_id>/clocks/<int:clock_id>/notice/",
        incidents_actions.incident_clock_notice,
        name="incident_clock_notice",
    ),
    path("incidents/<int:incident_id>/review/", incidents_review.incident_review, name="incident_review"),
    path(
        "incidents/<int:incident_id>/review/edit/", incidents_review.incident_review_edit, name="incident_review_edit"
    ),
    path(
        "incidents/<int:incident_id>/review/follow-ups/",
        incidents_review.incident_review_follow_up,
        name="incident_review_follow_up",
    ),
    path(
        "incidents/<int:incident_id>/review/approve/",
        incidents_review.incident_review_approve,
        name="incident_review_approve",
    ),
    path(
        "incidents/<int:incident_id>/review/export.<slug:fmt>",
        incidents_review.incident_review_export,
        name="incident_review_export",
    ),
    path("integration/registry/", integration_registry.integration_registry, name="integration_registry"),
    path(
        "integration/registry/checks/<int:check_id>/",
        integration_registry.integration_registry_check,
        name="integration_registry_check",
    ),
    path("analytics/alerts/", analytics_alerts.alert_rules, name="analytics_alerts"),
    path("analytics/alerts/new/", analytics_alerts.alert_rule_create_view, name="analytics_alert_create"),
    path("analytics/alerts/<int:rule_id>/", analytics_alerts.alert_rule_detail, name="analytics_alert"),
    path("analytics/alerts/<int:rule_id>/edit/", analytics_alerts.alert_rule_edit_view, name="analytics_alert_edit"),
    path(
        "analytics/alerts/<int:rule_id>/enabled/",
        analytics_alerts.alert_rule_enable_view,
        name="analytics_alert_enable",
    ),
    path("analytics/alerts/silences/new/", analytics_alerts.alert_silence_create_view, name="analytics_silence_create"),
    path(
        "analytics/alerts/silences/<int:silence_id>/expire/",
        analytics_alerts.alert_silence_expire_view,
        name="analytics_silence_expire",
    ),
    path("analytics/insights/", analytics_alerts.insights_view, name="analytics_insights"),
    path("analytics/", analytics.dashboards, name="analytics_dashboards"),
    path("analytics/new/", analytics_edit.dashboard_create_view, name="analytics_dashboard_create"),
    path("analytics/<int:dashboard_id>/", analytics.dashboard, name="analytics_dashboard"),
    path(
        "analytics/<int:dashboard_id>/settings/",
        analytics_edit.dashboard_settings_view,
        name="analytics_dashboard_settings",
    ),
    path("analytics/<int:dashboard_id>/copy/", analytics_edit.dashboard_copy_view, name="analytics_dashboard_copy"),
    path(
        "analytics/<int:dashboard_id>/delete/", analytics_edit.dashboard_delete_view, name="analytics_dashboard_delete"
    ),
    path("analytics/<int:dashboard_id>/layout/", analytics_edit.layout_save_view, name="analytics_layout_save"),
    path("analytics/<int:dashboard_id>/widgets/", analytics_edit.widget_add_view, name="analytics_widget_add"),
    path("analytics/<int:dashboard_id>/widgets/<int:widget_id>/", analytics.widget, name="analytics_widget"),
    path(
        "analytics/<int:dashboard_id>/widgets/<int:widget_id>/remove/",
        analytics_edit.widget_remove_view,
        name="analytics_widget_remove",
    ),
    path(
        "analytics/<int:dashboard_id>/widgets/<int:widget_id>/rows/",
        analytics_drill.drill,
        name="analytics_drill",
    ),
    path("integration/usage/", integration_usage, name="integration_usage"),
    # the model registry (issue #16, mlreg)
    path("ml/models/", ml_registry.ml_models, name="ml_models"),
    path("ml/models/<slug:name>/", ml_registry.ml_model, name="ml_model"),
    path("ml/models/<slug:name>/versions/<int:number>/", ml_registry.ml_version, name="ml_version"),
    path("ml/models/<slug:name>/train/", ml_registry_actions.ml_train, name="ml_train"),
    path("ml/models/<slug:name>/promotions/", ml_registry_actions.ml_promotion_request, name="ml_promotion_request"),
    path(
        "ml/models/<slug:name>/promotions/<int:request_id>/",
        ml_registry_actions.ml_promotion_decide,
        name="ml_promotion_decide",
    ),
    path("ml/models/<slug:name>/aliases/move/", ml_registry_actions.ml_alias_move, name="ml_alias_move"),
    path("ml/models/<slug:name>/aliases/rollback/", ml_registry_actions.ml_alias_rollback, name="ml_alias_rollback"),
    path("ml/jobs/", ml_registry.ml_jobs, name="ml_jobs"),
    path("ml/jobs/<int:job_id>/", ml_registry.ml_job, name="ml_job"),
    path("ml/predictions/", ml_registry.ml_predictions, name="ml_predictions"),
    path("ml/drift/", ml_registry.ml_drift, name="ml_drift"),
    path("ml/parser/", ml_parser, name="ml_parser"),  # issue #16 nlp
    # issue #16 experiments and bandits
    path("ml/experiments/", ml_experiments.ml_experiments, name="ml_experiments"),
    path("ml/experiments/new/", ml_experiments.ml_experiment_create, name="ml_experiment_create"),
    path("ml/experiments/<slug:key>/", ml_experiments.ml_experiment_detail, name="ml_experiment"),
    path("ml/experiments/<slug:key>/<slug:action>/", ml_experiments.ml_experiment_action, name="ml_experiment_action"),
    path("ml/bandits/", ml_experiments.ml_bandits, name="ml_bandits"),
    path("ml/bandits/new/", ml_experiments.ml_bandit_create, name="ml_bandit_create"),
    path("ml/bandits/simulate/", ml_experiments.ml_bandit_simulate, name="ml_bandit_simulate"),
    path("ml/bandits/<slug:model_name>/", ml_experiments.ml_bandit_detail, name="ml_bandit"),
    path("ml/bandits/<slug:model_name>/<slug:action>/", ml_experiments.ml_bandit_action, name="ml_bandit_action"),
    path("ml/vision/", ml_vision, name="ml_vision"),  # issue #16 ocr
    # issue 17 triage and DSR
    path("privacy/requests/new/", dsr_create, name="dsr_create"),
    path("security/alerts/bulk/", security.security_alerts_bulk, name="security_alerts_bulk"),
    path("fraud/cases/bulk/", fraud.fraud_cases_bulk, name="fraud_cases_bulk"),
    path("fraud/scan/", fraud.fraud_scan_now, name="fraud_scan_now"),
    path("alerts/bulk/", compliance_alerts.alerts_bulk, name="alerts_bulk"),
    path("alerts/<int:alert_id>/resolve/", compliance_alerts.alert_resolve, name="alert_resolve"),
    # issue 17 exports and history
    path("check-runs/failing/", compliance_history.failing_check_runs, name="failing_check_runs"),
    path(
        "check-runs/failing/export.<str:fmt>",
        compliance_history.failing_check_runs_export,
        name="failing_check_runs_export",
    ),
    path("alerts/export.<str:fmt>", exports_compliance.compliance_alerts_export, name="alerts_export"),
    path("reports/export.<str:fmt>", exports_compliance.compliance_reports_export, name="reports_export"),
    path("workflows/export.<str:fmt>", exports_compliance.workflows_export, name="workflows_export"),
    path(
        "incidents/metrics/export.<str:fmt>", exports_compliance.incident_metrics_export, name="incident_metrics_export"
    ),
    path("analytics/export.<str:fmt>", exports_analytics.dashboards_export, name="analytics_dashboards_export"),
    path("analytics/alerts/export.<str:fmt>", exports_analytics.alert_rules_export, name="analytics_alerts_export"),
    path("analytics/insights/export.<str:fmt>", exports_analytics.insights_export, name="analytics_insights_export"),
    path(
        "analytics/reports/<slug:scope>/export.<str:fmt>",
        exports_analytics.report_files_export,
        name="analytics_reports_scope_export",
    ),
    path(
        "analytics/<int:dashboard_id>/widgets/<int:widget_id>/rows/export.<str:fmt>",
        exports_analytics.drill_export,
        name="analytics_drill_export",
    ),
    path("ml/models/export.<str:fmt>", exports_ml.models_export, name="ml_models_export"),
    path("ml/jobs/export.<str:fmt>", exports_ml.jobs_export, name="ml_jobs_export"),
    path("ml/predictions/export.<str:fmt>", exports_ml.predictions_export, name="ml_predictions_export"),
    path("ml/drift/export.<str:fmt>", exports_ml.drift_export, name="ml_drift_export"),
    path("ml/experiments/export.<str:fmt>", exports_ml.experiments_export, name="ml_experiments_export"),
    path("ml/bandits/export.<str:fmt>", exports_ml.bandits_export, name="ml_bandits_export"),
    path(
        "integration/registry/export.<str:fmt>", exports_integration.registry_export, name="integration_registry_export"
    ),
    path("integration/usage/export.<str:fmt>", exports_integration.usage_export, name="integration_usage_export"),
]
