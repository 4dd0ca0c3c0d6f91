"""Settings components: one module per concern, star-imported near the end of base.py."""
