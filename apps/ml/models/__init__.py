"""The ml app's models, one module per area (one import line per area)."""
