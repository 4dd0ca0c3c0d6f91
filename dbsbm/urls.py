"""Root URLs: admin, probes, the versioned API and its schema."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core import views as core_views
from apps.core.cache.views import MetricsView, cache_stats_admin_view
from apps.privacy.admin.data_map import data_map_view

handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.not_found"
handler500 = "apps.core.views.server_error"

api_v1_patterns = [
    path("", include("apps.tenants.api.urls")),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.audit.api.urls")),
    path("", include("apps.betting.api.urls")),
    path("", include("apps.security.api.urls")),
    path("", include("apps.fraud.api.urls")),
    path("", include("apps.privacy.api.urls")),
    path("", include("apps.compliance.api.urls")),
    path("", include("apps.incidents.api.urls")),
    path("", include("apps.analytics.api.urls")),
    path("", include("apps.integration.api.urls")),
    path("", include("apps.ml.api.urls")),
    path("metrics/", MetricsView.as_view(), name="metrics"),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/cache/", admin.site.admin_view(cache_stats_admin_view), name="admin-cache-stats"),
    path("admin/privacy/data-map/", admin.site.admin_view(data_map_view), name="admin-privacy-data-map"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1_patterns, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves Swagger UI's start-up script as a file: no inline script (Content-Security-Policy)
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("discord/", include("apps.integration.discord.urls")),
    path("portal/inbox/", include("apps.portal.inbox_urls")),
    path("portal/", include("apps.portal.urls")),
    # the language switch (portal header and sign-in page): POST language + next, sets the language cookie
    path("i18n/setlang/", set_language, name="set_language"),
    # the portal scripts' strings in the request's language (locale/*/LC_MESSAGES/djangojs.po): gettext() in JS
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", core_views.home, name="home"),
]
