"""Privacy impact assessment rules: validate a questionnaire, score it, suggest mitigations (no ORM).

The questionnaire is a JSON object:

    {"data_categories": ["identifier", "financial"],  # apps.core.personal_data.DataCategory values
     "subject_scale": "under_100k",                   # SubjectScale
     "automated_decisions": false, "profiling": true, "cross_border_transfer": false,
     "transfer_countries": [],                         # ISO 3166 alpha-2, when there is a transfer
     "special_categories": false,                      # health, beliefs, biometrics … (GDPR art. 9)
     "retention_days": 365, "new_technology": false}

The score (0-100) is the sum of the weights below, capped at 100; the level is low under 30, medium
under 60, else high. Each rule that fires adds its mitigation. Weights follow the criteria of the
EDPB's DPIA guidelines (WP248): scale, automated decisions with effects, profiling, sensitive data,
transfers, innovative technology, long retention.
"""

import re
from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.personal_data import DataCategory
from apps.privacy.choices import RiskLevel, SubjectScale

BOOLEAN_QUESTIONS = (
    "automated_decisions",
    "profiling",
    "cross_border_transfer",
    "special_categories",
    "new_technology",
)
QUESTIONS = ("data_categories", "subject_scale", *BOOLEAN_QUESTIONS, "transfer_countries", "retention_days")
MAX_RETENTION_DAYS = 36500

SCALE_WEIGHTS = {
    SubjectScale.UNDER_1K: 0,
    SubjectScale.UNDER_100K: 8,
    SubjectScale.UNDER_1M: 15,
    SubjectScale.OVER_1M: 20,
}
CATEGORY_WEIGHTS = {
    DataCategory.FINANCIAL: 8,
    DataCategory.BEHAVIOURAL: 6,
    DataCategory.CONTACT: 4,
    DataCategory.DEMOGRAPHIC: 4,
    DataCategory.TECHNICAL: 3,
    DataCategory.FREE_TEXT: 3,
    DataCategory.IDENTIFIER: 2,
    DataCategory.CONSENT: 1,
}
RULES = [
    # (question, weight, mitigation)
    ("special_categories", 25, "Special-category data: record the art. 9 condition, encrypt as highly restricted, "
     "and restrict access to named roles."),
    ("automated_decisions", 15, "Automated decisions: give a way to obtain human review and explain the logic "
     "to the people concerned."),
    ("profiling", 12, "Profiling: tell members in the privacy notice, offer an opt-out, and test for bias."),
    ("cross_border_transfer", 12, "Cross-border transfer: put standard contractual clauses or an adequacy "
     "decision in place and document a transfer impact assessment."),
    ("new_technology", 8, "New technology: run a security review and a pilot before full roll-out."),
]  # fmt: skip
LONG_RETENTION_DAYS = 730
LONG_RETENTION = (10, "Long retention: shorten the period or anonymize after use (retention policy).")
LARGE_SCALE = "Large scale: appoint an owner, log access to the data, and review this assessment yearly."
MANY_CATEGORIES = "Several data categories: minimise what is collected to what the purpose needs."
COUNTRY = re.compile(r"^[A-Z]{2}$")


def questionnaire_validate(questionnaire: Any) -> dict[str, Any]:  # noqa: C901 - one branch per answer type
    """The questionnaire with every question answered in the right type, or an ApplicationError per field."""
    if not isinstance(questionnaire, dict):
        raise ApplicationError(
            _("The questionnaire must be a JSON object."), fields={"questionnaire": [_("Not an object.")]}
        )
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(questionnaire) - set(QUESTIONS))
    for name in unknown:
        errors[name] = [_("Unknown question; the questions are: %(choices)s.") % {"choices": ", ".join(QUESTIONS)}]
    categories = questionnaire.get("data_categories")
    if not isinstance(categories, list) or not categories or not all(isinstance(item, str) for item in categories):
        errors["data_categories"] = [
            _("A non-empty list of: %(choices)s.") % {"choices": ", ".join(DataCategory.values)}
        ]
    elif bad := sorted(set(categories) - set(DataCategory.values)):
        errors["data_categories"] = [
            _("Unknown categories %(unknown)s; choose from %(choices)s.")
            % {"unknown": ", ".join(bad), "choices": ", ".join(DataCategory.values)}
        ]
    if questionnaire.get("subject_scale") not in SubjectScale.values:
        errors["subject_scale"] = [_("One of: %(choices)s.") % {"choices": ", ".join(SubjectScale.values)}]
    for name in BOOLEAN_QUESTIONS:
        if not isinstance(questionnaire.get(name), bool):
            errors[name] = [_("Answer true or false.")]
    retention = questionnaire.get("retention_days")
    if isinstance(retention, bool) or not isinstance(retention, int) or not 0 <= retention <= MAX_RETENTION_DAYS:
        errors["retention_days"] = [_("A whole number of days from 0 to %(max)s.") % {"max": MAX_RETENTION_DAYS}]
    countries = questionnaire.get("transfer_countries", [])
    if not isinstance(countries, list) or not all(isinstance(item, str) and COUNTRY.match(item) for item in countries):
        errors["transfer_countries"] = [_('A list of ISO 3166 alpha-2 country codes, e.g. ["US"].')]
    elif questionnaire.get("cross_border_transfer") is True and not countries:
        errors["transfer_countries"] = [_("Name the countries the data is transferred to.")]
    if errors:
        raise ApplicationError(_("The questionnaire is incomplete or invalid."), fields={"questionnaire": [errors]})
    return {
        **{name: questionnaire[name] for name in QUESTIONS if name in questionnaire},
        "data_categories": sorted(set(categories)),
        "transfer_countries": sorted(set(countries)),
    }


def assess(questionnaire: dict[str, Any]) -> tuple[int, str, list[str]]:
    """(score 0-100, level, suggested mitigations) of a validated questionnaire."""
    score = SCALE_WEIGHTS[questionnaire["subject_scale"]]
    score += sum(CATEGORY_WEIGHTS.get(category, 0) for category in questionnaire["data_categories"])
    mitigations = []
    for question, weight, mitigation in RULES:
        if questionnaire[question]:
            score += weight
            mitigations.append(mitigation)
    if questionnaire["retention_days"] > LONG_RETENTION_DAYS:
        score += LONG_RETENTION[0]
        mitigations.append(LONG_RETENTION[1])
    if questionnaire["subject_scale"] in (SubjectScale.UNDER_1M, SubjectScale.OVER_1M):
        mitigations.append(LARGE_SCALE)
    if len(questionnaire["data_categories"]) >= 4:
        mitigations.append(MANY_CATEGORIES)
    score = min(score, 100)
    level = RiskLevel.LOW if score < 30 else RiskLevel.MEDIUM if score < 60 else RiskLevel.HIGH
    return score, level, mitigations
