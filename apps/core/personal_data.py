"""The classification registry: which model fields hold data about a person, and how sensitive.

Every app that stores personal data declares it in its own ``personal_data.py`` module (imported
at start-up by ``autodiscover``). A declaration names the model, how to reach the person it is about
(an ORM path to ``accounts.Member``, or a function returning a ``Q`` for a member), and a class and a
category for each personal field; the model's other concrete fields are listed as not personal, so a
test can fail when someone adds a field and declares neither (tests/privacy).

The privacy app reads this registry to build data-subject exports, erasures and the data map; the
compliance app reads it to check that restricted fields are encrypted. Apps never import privacy.

    declare_personal_data(
        "accounts.Member",
        subject="",                      # the model is the person
        kind="member_profile",           # the data kind retention policies refer to
        fields={"email": (DataClass.RESTRICTED, DataCategory.CONTACT)},
        not_personal=["id", "tenant", "created_at"],
    )
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils.module_loading import autodiscover_modules


class DataClass(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"
    HIGHLY_RESTRICTED = "highly_restricted", "Highly restricted"


class DataCategory(models.TextChoices):
    IDENTIFIER = "identifier", "Identifier"
    CONTACT = "contact", "Contact details"
    DEMOGRAPHIC = "demographic", "Demographic"
    FINANCIAL = "financial", "Financial"
    BEHAVIOURAL = "behavioural", "Behavioural"
    TECHNICAL = "technical", "Technical (device, network)"
    FREE_TEXT = "free_text", "Free text"
    CONSENT = "consent", "Consent and preferences"


class ErasureAction(models.TextChoices):
    """What erasing a person does to one field (optional per field; blank: the erasure service decides)."""

    ERASE = "erase", "Erase (blank or null)"
    PSEUDONYMIZE = "pseudonymize", "Replace with a pseudonym"
    KEEP = "keep", "Keep (legal obligation or append-only record; never rewritten)"


# classes whose fields must be encrypted at rest (checked by tests and by a compliance check)
ENCRYPTED_CLASSES = frozenset({DataClass.RESTRICTED, DataClass.HIGHLY_RESTRICTED})

SubjectFilter = Callable[[object], models.Q]


def no_member_rows(member) -> models.Q:
    """The subject filter of a model about staff, API keys or clients, never about a guild's member:
    a member's data-subject request finds none of its rows."""
    return models.Q(pk__in=[])


@dataclass(frozen=True)
class PersonalField:
    model_label: str
    name: str
    data_class: DataClass
    category: DataCategory
    purpose: str = ""
    erase: str = ""  # an ErasureAction, or blank


@dataclass
class PersonalModel:
    model_label: str
    kind: str
    subject: str | SubjectFilter
    fields: dict[str, PersonalField]
    not_personal: frozenset[str] = field(default_factory=frozenset)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def subject_q(self, member) -> models.Q:
        """The rows of this model about ``member`` (an accounts.Member)."""
        if callable(self.subject):
            return self.subject(member)
        if self.subject == "":
            return models.Q(pk=member.pk)
        return models.Q(**{self.subject: member})

    def rows_about(self, member) -> models.QuerySet:
        return self.model._default_manager.filter(self.subject_q(member))


_REGISTRY: dict[str, PersonalModel] = {}


def declare_personal_data(
    model_label: str,
    *,
    subject: str | SubjectFilter,
    kind: str,
    fields: dict[
        str,
        tuple[DataClass, DataCategory] | tuple[DataClass, DataCategory, str] | tuple[DataClass, DataCategory, str, str],
    ],
    not_personal: Iterable[str] = (),
) -> PersonalModel:
    """Register a model's personal fields: ``(class, category[, purpose[, erasure action]])`` each."""
    declared = {name: PersonalField(model_label, name, *spec) for name, spec in fields.items()}
    entry = PersonalModel(model_label, kind, subject, declared, frozenset(not_personal))
    _REGISTRY[model_label] = entry
    return entry


def personal_models() -> list[PersonalModel]:
    autodiscover()
    return [_REGISTRY[label] for label in sorted(_REGISTRY)]


def personal_fields() -> list[PersonalField]:
    return [item for entry in personal_models() for item in entry.fields.values()]


def personal_model(model_label: str) -> PersonalModel | None:
    autodiscover()
    return _REGISTRY.get(model_label)


def undeclared_fields(entry: PersonalModel) -> list[str]:
    """Concrete fields of a declared model that are neither personal nor listed as not personal."""
    names = {f.name for f in entry.model._meta.concrete_fields}
    return sorted(names - set(entry.fields) - entry.not_personal)


_discovered = False


def autodiscover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("personal_data")
        _discovered = True
