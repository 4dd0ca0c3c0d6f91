"""Settings package: base (shared), local (embedded or full by environment), test, production."""
