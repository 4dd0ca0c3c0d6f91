"""The read-only GraphQL API (issue #15, API management): a tenant's bets with legs, cappers and leaderboards,
behind the same API keys, scopes and tenant isolation as REST (views.py), with depth, alias, token and cost
limits (schema.py, cost.py)."""
