"""Reads of the integration app that other apps (the portal) may use, one module per area."""
