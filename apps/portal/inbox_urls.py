"""/portal/inbox/ (namespace `notifications`: the inbox shows the notification layer's items)."""

from django.urls import path

from apps.portal.views import inbox

app_name = "notifications"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("<int:item_id>/read/", inbox.inbox_item_read, name="inbox_item_read"),
    path("read-all/", inbox.inbox_all_read, name="inbox_all_read"),
]
