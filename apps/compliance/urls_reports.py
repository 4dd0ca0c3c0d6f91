"""Report views, included by the portal under /portal/reports/ (names join the `portal` namespace)."""

from django.urls import path

from apps.compliance import views_reports

urlpatterns = [
    path("files/<int:file_id>/download/", views_reports.report_file_download, name="report_file_download"),
    path("definitions/<int:definition_id>/run/", views_reports.report_run_now, name="report_run_now"),
]
