"""State changes of the compliance app, one module per sub-domain (import from the module itself)."""
