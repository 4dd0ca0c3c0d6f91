"""Reactions to the incident signals (signals.py) and to the alerts, cases and checks that open incidents."""
