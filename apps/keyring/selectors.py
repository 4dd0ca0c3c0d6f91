"""Reading the key ring's state (admin, compliance checks: "rows on retired keys", "key too old")."""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from apps.keyring.choices import DataKeyStatus
from apps.keyring.fields import encrypted_fields
from apps.keyring.models import DataKey


@dataclass(frozen=True)
class KeyRingStatus:
    active_version: int | None
    active_key_age_days: float | None
    rotation_period_days: int
    rows_per_version: dict[int, int]  # data key version -> stored values naming it (all fields)
    rows_per_field: dict[str, dict[int, int]]  # "app.Model.field" -> {version: values}
    statuses: dict[int, str] = field(default_factory=dict)  # version -> active / retiring / retired
    unversioned_values: int = 0  # values in data-key fields without a version prefix (plaintext?)
    hybrid_values: int = 0  # values sealed with the restricted key pair

    @property
    def is_rotation_due(self) -> bool:
        return self.active_key_age_days is None or self.active_key_age_days >= self.rotation_period_days

    @property
    def rows_on_retired_keys(self) -> int:
        return sum(
            count
            for version, count in self.rows_per_version.items()
            if self.statuses.get(version) in (DataKeyStatus.RETIRED, None)
        )

    @property
    def rows_on_inactive_keys(self) -> int:
        return sum(count for version, count in self.rows_per_version.items() if version != self.active_version)


def _version_prefix(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"substring({column} from '^v([0-9]+):')"
    return f"CASE WHEN {column} LIKE 'v%%:%%' THEN substr({column}, 2, instr({column}, ':') - 2) END"


def _version_counts(fields: list) -> list[tuple[Counter, int]]:
    """Per field: (values per key version, values without a version prefix); one query for all fields."""
    quote = connection.ops.quote_name
    parts = []
    for index, encrypted in enumerate(fields):
        table, column = quote(encrypted.model._meta.db_table), quote(encrypted.column)
        parts.append(
            f"SELECT {index}, {_version_prefix(column)}, COUNT(*) FROM {table} "  # noqa: S608 - quoted identifiers, no values
            f"WHERE {column} IS NOT NULL AND {column} <> '' GROUP BY 2"
        )
    results = [(Counter(), 0) for _ in fields]
    if not parts:
        return results
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        rows = cursor.fetchall()
    for index, version, count in rows:
        counts, unversioned = results[index]
        if version is None or not str(version).isdigit():
            results[index] = (counts, unversioned + count)
        else:
            counts[int(version)] += count
    return results


def key_ring_status() -> KeyRingStatus:
    """Active version and age, the rotation period, and how many values each key version holds."""
    keys = list(DataKey.objects.order_by("version"))
    active = next((key for key in keys if key.status == DataKeyStatus.ACTIVE), None)
    per_version, per_field, unversioned, hybrid = Counter(), {}, 0, 0
    fields = encrypted_fields()
    for encrypted, (counts, loose) in zip(fields, _version_counts(fields), strict=True):
        label = f"{encrypted.model._meta.label}.{encrypted.name}"
        if encrypted.is_hybrid:
            hybrid += loose
            continue
        per_field[label] = dict(sorted(counts.items()))
        per_version.update(counts)
        unversioned += loose
    return KeyRingStatus(
        active_version=active.version if active else None,
        active_key_age_days=round(active.age_days, 2) if active else None,
        rotation_period_days=settings.DBSBM_KEY_ROTATION_DAYS,
        rows_per_version=dict(sorted(per_version.items())),
        rows_per_field=per_field,
        statuses={key.version: key.status for key in keys},
        unversioned_values=unversioned,
        hybrid_values=hybrid,
    )


def data_key_list():
    """Key metadata for the admin (the wrapped key material is never selected)."""
    return DataKey.objects.defer("wrapped_key").order_by("-version")
