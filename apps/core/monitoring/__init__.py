"""Monitoring of the running processes: slow and repeated queries, resident memory."""
