"""Admin building blocks every app's admin may use (the admin.py modules register; this shares)."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Model
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from unfold import admin as unfold_admin

from apps.core.errors import ApplicationError


class ModelAdmin(unfold_admin.ModelAdmin):
    """The base of every model admin of the project: django-unfold's (the admin's theme, its filters and
    widgets), so that no page falls back to Django's own styling. tests/admin/test_theme.py checks all of them."""


class TabularInline(unfold_admin.TabularInline):
    """The base of every tabular inline, unfold's (see ModelAdmin)."""


class StackedInline(unfold_admin.StackedInline):
    """The base of every stacked inline, unfold's (see ModelAdmin)."""


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


class ReadOnlyAdmin(ModelAdmin):
    """Rows that services write (or that are synced from files): browsable here, never added, changed
    or deleted through the admin (a subclass whose actions call services may allow what they need)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(TabularInline):
    """Rows shown under their parent (its history, its files, its members), never added or edited there.
    Subclasses name their `fields` and make them `readonly_fields`."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class LargeReadOnlyAdmin(ReadOnlyAdmin):
    """Read-only, over a table that grows without end (the audit trail, security events): no facet
    counts and no full count, which would each scan the whole table on every list page."""

    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False


def each_selected(
    model_admin: admin.ModelAdmin,
    request,
    rows: Iterable[Model],
    apply: Callable[[Model], object],
    *,
    name: Callable[[Model], str],
    done: str,
) -> int:
    """An admin action over the selected rows, one service call each: a refusal is an error message
    naming the row (`name`), and the rows that went through one success message ("3 alert(s) resolved."
    for done="alert(s) resolved"). Returns how many went through."""
    count = 0
    for row in rows:
        try:
            apply(row)
            count += 1
        except ApplicationError as error:
            model_admin.message_user(request, f"{name(row)}: {error.message}", messages.ERROR)
    if count:
        model_admin.message_user(request, f"{count} {done}.", messages.SUCCESS)
    return count


def admin_page(model_admin: admin.ModelAdmin, request, template: str, context: dict) -> TemplateResponse:
    """A page of a model admin's own, inside the admin's frame: the site's context and the model's options."""
    full = {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **context}
    return TemplateResponse(request, template, full)


def action_page(model_admin: admin.ModelAdmin, request, template: str, context: dict) -> TemplateResponse:
    """The intermediate page of an admin action (as Django's "delete selected" has): an `admin_page` whose
    form posts the selected rows back to the changelist it came from."""
    back = {"action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "changelist_url": request.get_full_path()}
    return admin_page(model_admin, request, template, {**back, **context})
