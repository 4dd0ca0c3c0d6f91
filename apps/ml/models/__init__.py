"""The ml app's models, one module per area (one import line per area)."""

from apps.ml.models.nlp import AliasKind, Player, TeamAlias  # noqa: F401 - nlp
