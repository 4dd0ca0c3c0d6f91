"""Outbound calls (issue #15): the SSRF guard, breakers and balancing per upstream (apps/core/outbound/)."""

from dbsbm.settings.environment import env_list

# Outbound HTTP (webhooks, the notification layer, feeds) never reaches private, loopback or link-local
# addresses unless one of these CIDRs lists them (checked on every request, after DNS resolution).
WEBHOOK_ALLOWED_PRIVATE_NETWORKS = env_list("WEBHOOK_ALLOWED_PRIVATE_NETWORKS", [])
