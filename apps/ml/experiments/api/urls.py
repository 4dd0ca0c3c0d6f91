"""/api/v1/ml/experiments/… and /api/v1/ml/predictions/{id}/outcome/."""

from django.urls import path

from apps.ml.experiments.api import views

urlpatterns = [
    path("ml/experiments/<slug:key>/assign/", views.ExperimentAssignView.as_view(), name="ml-experiment-assign"),
    path("ml/experiments/<slug:key>/outcome/", views.ExperimentOutcomeView.as_view(), name="ml-experiment-outcome"),
    path("ml/experiments/<slug:key>/report/", views.ExperimentReportView.as_view(), name="ml-experiment-report"),
    path(
        "ml/predictions/<uuid:prediction_id>/outcome/",
        views.PredictionOutcomeView.as_view(),
        name="ml-prediction-outcome",
    ),
]
