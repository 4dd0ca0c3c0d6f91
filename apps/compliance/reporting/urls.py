"""Report views, included by the portal under /portal/reports/ (names join the `portal` namespace)."""

from django.urls import path

from apps.compliance.reporting import views as report_views

urlpatterns = [
    path("files/<int:file_id>/download/", report_views.report_file_download, name="report_file_download"),
    path("definitions/<int:definition_id>/run/", report_views.report_run_now, name="report_run_now"),
]
