"""Every read of the privacy app, one module per part: import from the module itself
(``apps.privacy.selectors.requests``, ``…consent``, ``…assessments`` …)."""
