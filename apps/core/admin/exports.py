"""CSV and XLSX export of an admin list (issue 17, item 4), through apps.core.exports.

`ExportAdminMixin` (put before ModelAdmin in the bases) gives a model admin:
- "Export CSV" / "Export XLSX" buttons on the list, exporting every row the list shows with the current
  filters, search and ordering (the changelist's own queryset, so the admin's `get_queryset` scoping holds);
- the actions "Export selected as CSV/XLSX" (select all across pages for the whole filtered list).
Both need the view permission of the model; each export is recorded in the audit trail (`list_exported`).
The columns are `export_columns`, or else the model fields named in `list_display`.
"""

from collections.abc import Sequence

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.urls import path, reverse

from apps.core.exports import FORMATS, Column, export_response


class ExportAdminMixin:
    export_columns: Sequence[Column] | None = None

    def get_export_columns(self, request) -> list[Column]:
        if self.export_columns is not None:
            return list(self.export_columns)
        columns = []
        for name in self.get_list_display(request):
            if not isinstance(name, str):
                continue
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue  # a computed column (HTML, counts): not exported
            if field.concrete:
                columns.append(Column(str(field.verbose_name), field.attname if field.is_relation else name))
        return columns

    def _export_name(self) -> str:
        return f"{self.model._meta.app_label}-{self.model._meta.model_name}"

    def _export(self, request, queryset, fmt: str):
        return export_response(
            request,
            queryset,
            self.get_export_columns(request),
            fmt=fmt,
            name=self._export_name(),
            title=str(self.model._meta.verbose_name_plural),
        )

    def export_view(self, request, fmt: str):
        """The whole list as the changelist shows it (same query string), in `fmt`."""
        if fmt not in FORMATS:
            raise Http404("Exports are CSV or XLSX.")
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("The list's filters are not valid: open the list again and export from it.")
        return self._export(request, changelist.get_queryset(request), fmt)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        export = path(
            "export/<str:fmt>/", self.admin_site.admin_view(self.export_view), name=f"{info[0]}_{info[1]}_export"
        )
        return [export, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        if self.has_view_permission(request):
            info = self.model._meta.app_label, self.model._meta.model_name
            query = request.GET.urlencode()
            links = []
            for fmt in FORMATS:
                url = reverse(f"admin:{info[0]}_{info[1]}_export", args=[fmt], current_app=self.admin_site.name)
                links.append((f"Export {fmt.upper()}", f"{url}?{query}" if query else url))
            extra_context = {**(extra_context or {}), "export_links": links}
        return super().changelist_view(request, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if actions is not None and self.has_view_permission(request) and "_popup" not in request.GET:
            for fmt in FORMATS:
                actions[f"export_{fmt}"] = (_export_action(fmt), f"export_{fmt}", f"Export selected as {fmt.upper()}")
        return actions


def _export_action(fmt: str):
    def action(modeladmin, request, queryset):
        if not modeladmin.has_view_permission(request):
            raise PermissionDenied
        return modeladmin._export(request, queryset, fmt)

    action.__name__ = f"export_{fmt}"
    return action
