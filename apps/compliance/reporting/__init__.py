"""Building report contents (kinds.py, one builder per kind) and rendering them (render.py)."""
