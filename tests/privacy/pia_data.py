"""Questionnaires of the privacy impact assessment tests."""

# the answers of a low-risk processing (score 2)
LOW = {
    "data_categories": ["identifier"],
    "subject_scale": "under_1k",
    "automated_decisions": False,
    "profiling": False,
    "cross_border_transfer": False,
    "special_categories": False,
    "retention_days": 90,
    "new_technology": False,
}
