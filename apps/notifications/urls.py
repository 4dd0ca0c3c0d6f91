"""/portal/inbox/: the signed-in person's notifications."""

from django.urls import path

from apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:item_id>/read/", views.inbox_item_read, name="inbox_item_read"),
    path("read-all/", views.inbox_all_read, name="inbox_all_read"),
]
