"""Outbound calls: the SSRF guard (ssrf.py) and, per upstream, breakers and balancing."""
