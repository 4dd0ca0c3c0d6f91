"""The staff portal at /portal/, the top layer: login with a second factor, role-based navigation, the live
dashboard, compliance drill-down to evidence, reports, alerts, workflows, security alerts, fraud cases
and data-subject requests. Server-rendered HTML over the selectors and services of the apps below; no
models, and nothing below imports it (import-linter, pyproject.toml).

Where things live, and why:

- Each domain app says what it contributes in its own `portal.py` (compliance, privacy, security, fraud,
  audit): navigation pages, dashboard widgets (a template and a context builder over its own
  selectors) and the Django permission each of its portal actions needs. They register into
  apps/core/portal.py, and `PortalConfig.ready()` imports every installed app's `portal.py`
  (`autodiscover_modules("portal")`, as the admin finds `admin.py`), so a new app adds pages, widgets
  and permissions without editing the portal.
- The page views stay here, one module per domain (views/compliance.py, reports.py, security.py,
  fraud.py, privacy.py). A view needs the portal's shell and access check (`portal_view`,
  `render_portal`); a view in a domain app would have to import them, which is the upward import the
  layers forbid, and moving the shell down into core would put request handling and templates of one
  UI into the platform every app builds on. So the views stay on top and call only the domain apps'
  selectors and services; the widgets' builders, which need no shell, live in the domain apps.
- Sign-in (views/auth.py) uses the steps shared with the admin (apps/core/second_factor.py); every OTP
  write (enrolment, device reset) is a service in apps/accounts/services.py.
"""
