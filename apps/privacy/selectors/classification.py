"""Reads of the classification registry: the data map (every declared personal field) and its gaps."""

from dataclasses import dataclass

from apps.core.personal_data import ENCRYPTED_CLASSES, DataClass, personal_models
from apps.keyring.fields import is_encrypted_field
from apps.privacy.models import RetentionPolicy
from apps.privacy.retention.kinds import retention_kinds

_CLASS_ORDER = {value: index for index, value in enumerate(DataClass.values)}


@dataclass(frozen=True)
class DataMapRow:
    model_label: str
    model_name: str
    field_name: str
    field_label: str
    data_class: str
    data_class_label: str
    category: str
    category_label: str
    purpose: str
    is_encrypted: bool
    must_be_encrypted: bool
    kind: str
    retention: str
    erase: str

    @property
    def is_compliant(self) -> bool:
        return self.is_encrypted or not self.must_be_encrypted


def data_map(*, data_class: str | None = None) -> list[DataMapRow]:
    """Every declared personal field, by model then sensitivity (highest first); one query (policies).

    ``retention`` names the enabled retention policies over the field's model (a retention kind
    names its model), e.g. "security_events: delete after 365 days"; blank when none covers it.
    """
    policies = {policy.kind: policy for policy in RetentionPolicy.objects.filter(enabled=True)}
    retention_by_model: dict[str, list[str]] = {}
    for kind in retention_kinds():
        if kind.key in policies:
            retention_by_model.setdefault(kind.model_label, []).append(str(policies[kind.key]))
    rows = []
    for entry in personal_models():
        model = entry.model
        for item in entry.fields.values():
            if data_class is not None and item.data_class != data_class:
                continue
            field = model._meta.get_field(item.name)
            rows.append(
                DataMapRow(
                    model_label=entry.model_label,
                    model_name=str(model._meta.verbose_name),
                    field_name=item.name,
                    field_label=str(getattr(field, "verbose_name", item.name)),
                    data_class=str(item.data_class),
                    data_class_label=DataClass(item.data_class).label,
                    category=str(item.category),
                    category_label=item.category.label if hasattr(item.category, "label") else str(item.category),
                    purpose=item.purpose,
                    is_encrypted=is_encrypted_field(field),
                    must_be_encrypted=item.data_class in ENCRYPTED_CLASSES,
                    kind=entry.kind,
                    retention="; ".join(retention_by_model.get(entry.model_label, [])),
                    erase=item.erase,
                )
            )
    return sorted(rows, key=lambda row: (row.model_label, -_CLASS_ORDER[row.data_class], row.field_name))
