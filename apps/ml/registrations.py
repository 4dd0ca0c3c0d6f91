"""Imported by `MlConfig.ready()`: each area registers its trainers, predictors and signal receivers here
(one import line per area)."""

from apps.ml import (  # noqa: F401 - nlp: the parser's admin and its portal page
    admin_nlp,
    portal_nlp,
    portal_ocr,  # noqa: F401 - ocr: the bet-slip OCR playground page
)
from apps.ml.nlp import receivers  # noqa: F401 - nlp: catalogue and schedule versions
