"""The staff portal at /portal/: login with a second factor, role-based navigation, the live compliance
dashboard, drill-down to evidence, reports, alerts, workflows, security alerts, fraud cases and
data-subject requests. Server-rendered HTML over the selectors and services of the apps below."""
