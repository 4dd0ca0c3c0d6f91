"""URLs of this area, included at /discord/ by dbsbm/urls.py."""

from django.urls import path

from apps.integration.discord import views

urlpatterns = [
    path("interactions/", views.interactions, name="discord-interactions"),
]
