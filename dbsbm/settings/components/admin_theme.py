"""The staff admin's theme, django-unfold (issue 17, item 6): the product's name and favicon, the sidebar
grouped by domain (apps/core/admin/navigation.py, only the lists the user may see), the dashboard landing
page (apps/portal/admin_dashboard.py), dark mode (unfold's light/dark/system switch)."""

from django.templatetags.static import static

UNFOLD = {
    "SITE_TITLE": "DBSBM",
    "SITE_HEADER": "DBSBM",
    "SITE_SUBHEADER": "Staff administration",
    "SITE_URL": "/",
    "SITE_SYMBOL": "monitoring",  # a Material Symbols icon beside the name in the sidebar
    "SITE_FAVICONS": [
        {"rel": "icon", "type": "image/svg+xml", "href": lambda request: static("core/favicon.svg")},
    ],
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_BACK_BUTTON": True,
    "THEME": None,  # None: the user's choice (light, dark or the system's), remembered by the browser
    "STYLES": [lambda request: static("core/admin.css")],  # the dashboard's figures, the export buttons
    "DASHBOARD_CALLBACK": "apps.portal.admin_dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,  # "All applications": the plain app list, beside the groups
        "navigation": "apps.core.admin.navigation.sidebar_navigation",
    },
    "COLORS": {
        "primary": {  # indigo, as the favicon and the portal
            "50": "oklch(96.2% .018 272.314)",
            "100": "oklch(93% .034 272.788)",
            "200": "oklch(87% .065 274.039)",
            "300": "oklch(78.5% .115 274.713)",
            "400": "oklch(67.3% .182 276.935)",
            "500": "oklch(58.5% .233 277.117)",
            "600": "oklch(51.1% .262 276.966)",
            "700": "oklch(45.7% .24 277.023)",
            "800": "oklch(39.8% .195 277.366)",
            "900": "oklch(35.9% .144 278.697)",
            "950": "oklch(25.7% .09 281.288)",
        },
    },
}
