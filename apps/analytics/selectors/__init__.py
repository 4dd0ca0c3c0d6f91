"""Every read of the analytics app the views, admin pages and tasks use, one module per part."""
