"""State changes of the analytics app, one module per part."""
