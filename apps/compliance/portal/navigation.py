"""The portal's own pages in the navigation registry (apps/core/portal.py); later apps add theirs."""

from apps.compliance.portal.access import ANALYST, OFFICER
from apps.core.portal import register_portal_page

BOTH = (OFFICER, ANALYST)

PAGES = [
    # section, title, URL name, roles, order
    ("Compliance", "Dashboard", "portal:dashboard", BOTH, 10),
    ("Compliance", "Frameworks", "portal:frameworks", (OFFICER,), 20),
    ("Compliance", "Reports", "portal:reports", (OFFICER,), 30),
    ("Compliance", "Compliance alerts", "portal:alerts", (OFFICER,), 40),
    ("Compliance", "Workflow inbox", "portal:workflows", BOTH, 50),
    ("Security", "Security alerts", "portal:security_alerts", BOTH, 60),
    ("Security", "Fraud cases", "portal:fraud_cases", BOTH, 70),
    ("Data protection", "Data-subject requests", "portal:dsrs", (OFFICER,), 80),
]


def register() -> None:
    for section, title, url_name, roles, order in PAGES:
        register_portal_page(section, title, url_name, roles=roles, order=order)
