from dataclasses import dataclass, field


@dataclass
class SourceAnswer:
    """One source's figures: key (group-by values…, bucket) → {metric name: value}."""

    values: dict[tuple, dict[str, float | None]]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    origin: str = "raw"  # rollup, raw, events, samples
    stale: bool = False
