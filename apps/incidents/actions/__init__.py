"""Playbook actions: what an automated step does (apps/incidents/actions/base.py has the protocol)."""
