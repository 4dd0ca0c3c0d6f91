"""The data map: every personal field the classification registry declares, at /admin/privacy/data-map/.

Wired in dbsbm/urls.py (like the cache statistics page) and linked from the privacy app's admin index.
Staff who may view PII findings may view the map (it shows metadata, never values).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from apps.core.personal_data import DataClass
from apps.privacy.selectors.classification import data_map

DATA_MAP_PERMISSION = "privacy.view_piifinding"


def data_map_view(request):
    """The data map page; ``?class=restricted`` narrows it to one data class."""
    if not request.user.has_perm(DATA_MAP_PERMISSION):
        raise PermissionDenied
    chosen = request.GET.get("class") or None
    if chosen is not None and chosen not in DataClass.values:
        chosen = None
    rows = data_map(data_class=chosen)
    context = {
        **admin.site.each_context(request),
        "title": "Personal data map",
        "rows": rows,
        "classes": DataClass.choices,
        "chosen": chosen,
        "model_count": len({row.model_label for row in rows}),
        "unencrypted": [row for row in rows if not row.is_compliant],
    }
    return TemplateResponse(request, "admin/privacy/data_map.html", context)
