"""Admin building blocks every app's admin may use (the admin.py modules register; this shares)."""

from django.contrib import messages
from django.http import HttpResponseRedirect

from apps.core.errors import ApplicationError


class ServiceAdminMixin:
    """For admins whose saves call a service: a refused save becomes a message, not a 500.

    The forms check what they can up front; this catches what only the service can know at save
    time (a concurrent create of the same row, a tenant offboarded meanwhile). The admin's change
    view runs in one transaction, so everything the refused save did is rolled back first.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            if request.method != "POST":
                raise  # nothing to retry: the page itself cannot be shown (apps/core/error_pages.py)
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
