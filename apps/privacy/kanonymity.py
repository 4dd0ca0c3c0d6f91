"""k-anonymity over quasi-identifiers, and anonymized exports that enforce it.

A table is k-anonymous over its quasi-identifiers (the columns that, combined, could single a person
out: birth month, postcode, country, …) when every combination that occurs occurs at least k times.
``enforce_k`` gets there by global recoding (coarsening a whole column one level at a time, most
varied column first) and then suppresses the rows still in groups smaller than k.
"""

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apps.privacy import anonymization

Row = dict[str, Any]
Generalizer = Callable[[Any], Any]
SUPPRESSED = "*"


def _key(row: Mapping[str, Any], quasi_identifiers: Sequence[str]) -> tuple:
    return tuple(row.get(name) for name in quasi_identifiers)


def k_anonymity(rows: Iterable[Mapping[str, Any]], quasi_identifiers: Sequence[str]) -> int:
    """The k of the table: the size of its smallest group of equal quasi-identifiers (0 for no rows)."""
    if not quasi_identifiers:
        raise ValueError("name at least one quasi-identifier")
    counts = Counter(_key(row, quasi_identifiers) for row in rows)
    return min(counts.values(), default=0)


@dataclass
class EnforceResult:
    rows: list[Row]
    k: int
    suppressed: int
    generalization_levels: dict[str, int] = field(default_factory=dict)


def enforce_k(
    rows: Iterable[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    k: int,
    *,
    generalizers: Mapping[str, Sequence[Generalizer]] | None = None,
    max_suppression: float = 1.0,
) -> EnforceResult:
    """Rows that are k-anonymous over ``quasi_identifiers`` (copies; the input is not changed).

    ``generalizers`` gives each quasi-identifier a ladder of ever coarser functions (each applied to
    the row's value as it came in); while a group is smaller than k, the column with the most distinct values among
    the offending rows climbs one rung for every row. What is still too small is then suppressed.
    Raises ValueError when more than ``max_suppression`` of the rows would have to go.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if not quasi_identifiers:
        raise ValueError("name at least one quasi-identifier")
    originals = [dict(row) for row in rows]
    ladders = {name: list((generalizers or {}).get(name, ())) for name in quasi_identifiers}
    levels = dict.fromkeys(quasi_identifiers, 0)
    current = [dict(row) for row in originals]
    while True:
        counts = Counter(_key(row, quasi_identifiers) for row in current)
        small = [row for row in current if counts[_key(row, quasi_identifiers)] < k]
        climbable = [name for name in quasi_identifiers if levels[name] < len(ladders[name])]
        if not small or not climbable:
            break
        column = max(climbable, key=lambda name: len({row.get(name) for row in small}))
        rung = ladders[column][levels[column]]
        levels[column] += 1
        for original, row in zip(originals, current, strict=True):
            row[column] = rung(original.get(column))
    counts = Counter(_key(row, quasi_identifiers) for row in current)
    kept = [row for row in current if counts[_key(row, quasi_identifiers)] >= k]
    suppressed = len(current) - len(kept)
    if current and suppressed / len(current) > max_suppression:
        raise ValueError(
            f"k={k} would suppress {suppressed} of {len(current)} rows (more than {max_suppression:.0%}); "
            "add generalization levels or lower k"
        )
    return EnforceResult(kept, k_anonymity(kept, quasi_identifiers), suppressed, levels)


# --- anonymized exports ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """How one column of an export is treated.

    ``transform`` applies to every value (None = keep as is); a quasi-identifier takes part in the
    k-anonymity check, with ``generalizers`` as its ladder (see ``enforce_k``).
    """

    transform: Callable[[Any], Any] | None = None
    quasi_identifier: bool = False
    generalizers: tuple[Generalizer, ...] = ()


def keep(*, quasi_identifier: bool = False, generalizers: Sequence[Generalizer] = ()) -> Column:
    return Column(None, quasi_identifier, tuple(generalizers))


def hashed(*, purpose: str) -> Column:
    """A keyed hash: rows of the same person still join, the person is not named."""
    return Column(lambda value: None if value in (None, "") else anonymization.keyed_hash(value, purpose=purpose))


def masked(kind: str = "generic") -> Column:
    functions = {
        "email": anonymization.mask_email,
        "phone": anonymization.mask_phone,
        "card": anonymization.mask_card,
        "generic": anonymization.mask,
    }
    function = functions[kind]
    return Column(lambda value: None if value in (None, "") else function(str(value)))


def _blank(value) -> bool:
    return value is None or value == ""


def month(*, quasi_identifier: bool = True) -> Column:
    """A date as ``YYYY-MM``; as a quasi-identifier it coarsens to the year, then to nothing."""
    return Column(
        lambda value: None if _blank(value) else anonymization.generalize_date(value),
        quasi_identifier,
        (lambda value: None if _blank(value) else str(value)[:4], lambda value: SUPPRESSED),
    )


def ip_network(*, quasi_identifier: bool = False) -> Column:
    """An address as its /24 (IPv6 /48); as a quasi-identifier it coarsens to /16 (/32), then nothing."""

    def wider(value):
        if _blank(value):
            return None
        network = ipaddress.ip_network(str(value), strict=False)
        return str(network.supernet(new_prefix=16 if network.version == 4 else 32))

    return Column(
        lambda value: None if _blank(value) else anonymization.generalize_ip(str(value)),
        quasi_identifier,
        (wider, lambda value: SUPPRESSED),
    )


def age(*, today=None, quasi_identifier: bool = True) -> Column:
    """An age or birth date as its band; as a quasi-identifier it coarsens to minor/adult, then nothing."""
    first_band = anonymization.age_band(0)
    return Column(
        lambda value: None if _blank(value) else anonymization.age_band(value, today=today),
        quasi_identifier,
        (
            lambda value: None if _blank(value) else ("minor" if value == first_band else "adult"),
            lambda value: SUPPRESSED,
        ),
    )


def perturbed(*, bound, seed: object = None) -> Column:
    """Numeric noise within ``±bound`` (see ``anonymization.perturb``).

    With a ``seed`` the noise of each value is derived from the seed and the value, so re-running the
    export repeats it (it cannot be averaged away) while different values still get different noise.
    """

    def noisy(value):
        if value is None:
            return None
        return anonymization.perturb(value, bound=bound, seed=None if seed is None else f"{seed}\x00{value}")

    return Column(noisy)


@dataclass
class ExportResult:
    rows: list[Row]
    columns: list[str]
    k: int
    suppressed: int
    quasi_identifiers: list[str]


def anonymized_export(rows: Iterable[Mapping[str, Any]], spec: Mapping[str, Column], k: int = 1) -> ExportResult:
    """The rows with only ``spec``'s columns, each transformed, and k-anonymous over its quasi-identifiers.

    Columns not named in ``spec`` are dropped (an allow-list: a new column never leaks by default).
    With no quasi-identifier in the spec, ``k`` must be 1.
    """
    columns = list(spec)
    quasi_identifiers = [name for name in columns if spec[name].quasi_identifier]
    if k > 1 and not quasi_identifiers:
        raise ValueError("k-anonymity needs at least one quasi-identifier column in the spec")
    source = [dict(row) for row in rows]
    transformed = []
    for row in source:
        out = {}
        for name in columns:
            transform = spec[name].transform
            value = row.get(name)
            out[name] = transform(value) if transform is not None else value
        transformed.append(out)
    if not quasi_identifiers:
        return ExportResult(transformed, columns, 1 if transformed else 0, 0, [])
    generalizers = {name: spec[name].generalizers for name in quasi_identifiers}
    result = enforce_k(transformed, quasi_identifiers, k, generalizers=generalizers)
    return ExportResult(result.rows, columns, result.k, result.suppressed, quasi_identifiers)
