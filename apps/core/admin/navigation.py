"""The admin's sidebar (settings UNFOLD["SIDEBAR"]["navigation"]): the registered lists grouped by domain.

Built per request from the admin site's registry, so a list appears only when the user may see it (the
model admin's own view permission) and a newly registered model lands in its app's group without an
edit here. A group with nothing the user may see is left out. tests/admin/test_theme.py checks that
every registered model has a named group.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

OTHER = _("Other")
# (title, icon, app labels, model labels): an app's models go to its group unless a model is named elsewhere
GROUPS = [
    (_("Tenants & plans"), "apartment", ["tenants"], ["accounts.member", "accounts.apikey"]),
    (_("Betting ledger"), "receipt_long", ["betting"], []),
    (_("Fraud & security"), "shield", ["fraud", "security", "axes"], []),
    (_("Compliance"), "verified", ["compliance"], []),
    (_("Privacy"), "lock", ["privacy"], []),
    (_("Incidents"), "emergency", ["incidents"], []),
    (_("Analytics"), "monitoring", ["analytics"], []),
    (_("Integration"), "hub", ["integration", "notifications"], []),
    (_("ML"), "model_training", ["ml"], []),
    (_("Accounts & audit"), "manage_accounts", ["accounts", "auth", "otp_totp", "audit", "keyring"], []),
    (_("Operations"), "dns", ["core", "django_celery_beat"], []),
]
# the lists staff open first lead their group; the others follow alphabetically
FIRST = ["betting.bet", "fraud.fraudcase", "security.alert", "audit.auditevent", "accounts.user",
         "incidents.incident", "privacy.datasubjectrequest", "compliance.checkrun", "tenants.tenant"]  # fmt: skip


def group_of(label: str) -> str:
    """The sidebar group of a model ("app_label.model_name")."""
    app_label = label.split(".")[0]
    for title, _icon, _apps, model_labels in GROUPS:
        if label in model_labels:
            return title
    for title, _icon, app_labels, _models in GROUPS:
        if app_label in app_labels:
            return title
    return OTHER


def _tools(request: HttpRequest) -> list[dict]:
    tools = [{"title": _("Cache statistics"), "icon": "speed", "link": reverse("admin-cache-stats")}]
    if request.user.has_perm("privacy.view_piifinding"):
        tools.append({"title": _("Data map"), "icon": "map", "link": reverse("admin-privacy-data-map")})
    tools.append({"title": _("Staff portal"), "icon": "dashboard", "link": reverse("portal:dashboard")})
    tools.append({"title": _("API documentation"), "icon": "api", "link": reverse("swagger-ui")})
    return tools


def sidebar_navigation(request: HttpRequest) -> list[dict]:
    """Unfold's navigation groups: the dashboard, one group per domain (the lists this user may see), tools."""
    icons = {title: icon for title, icon, _apps, _models in GROUPS}
    items: dict[str, list[tuple[tuple, dict]]] = {title: [] for title, *_rest in GROUPS}
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        opts = model._meta
        label = opts.label_lower
        title = group_of(label)
        order = (FIRST.index(label) if label in FIRST else len(FIRST), str(opts.verbose_name_plural).lower())
        link = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=admin.site.name)
        item = {"title": capfirst(opts.verbose_name_plural), "icon": icons.get(title, "table"), "link": link}
        items.setdefault(title, []).append((order, item))
    navigation = [
        {"title": _("Dashboard"), "items": [{"title": _("Dashboard"), "icon": "space_dashboard",
                                            "link": reverse("admin:index")}]},
    ]  # fmt: skip
    for title, rows in items.items():
        if rows:
            ordered = [item for _order, item in sorted(rows, key=lambda row: row[0])]
            navigation.append({"title": title, "separator": True, "collapsible": True, "items": ordered})
    navigation.append({"title": _("Tools"), "separator": True, "items": _tools(request)})
    return navigation
