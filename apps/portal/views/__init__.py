"""The portal pages, one module per domain (see apps/portal/__init__.py for why they live here)."""
