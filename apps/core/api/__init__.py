"""The API's shared parts: base viewset, permissions, throttling and rate limits, pagination,
parsers, filters, schema, HTTP caching."""
