"""Incident response in the admin (each part's pages in its own module)."""

from apps.incidents import admin_playbooks  # noqa: F401 - registers the playbook pages
