"""QuerySets of models with blind indexes: `update()` keeps each index in step with its source.

`save()` recomputes a blind index in `BlindIndexField.pre_save`; `QuerySet.update()` bypasses it, so
`Member.objects.filter(...).update(email=...)` would leave the old index and the member would no
longer be found by email. Here the index is computed from the new value and written in the same
UPDATE; an expression (F(), Case, ...) is refused, because the keyed hash cannot be computed in SQL.
"""

from typing import Any

from django.db import models

from apps.keyring.fields import BlindIndexField


class BlindIndexedQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        for field in self.model._meta.concrete_fields:
            if not isinstance(field, BlindIndexField) or field.source not in kwargs or field.name in kwargs:
                continue
            value = kwargs[field.source]
            if hasattr(value, "resolve_expression"):
                raise ValueError(
                    f"{self.model._meta.label}.{field.source} has a blind index ({field.name}): update it with a "
                    "value, not an expression, or save() each row"
                )
            kwargs[field.name] = field.index_of(value)
        return super().update(**kwargs)
