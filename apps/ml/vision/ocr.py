"""Tesseract (Debian's tesseract-ocr, `make ocr`) through pytesseract, on a preprocessed slip."""

import os
import re

import numpy as np
import pytesseract
from django.conf import settings
from django.utils.translation import gettext as _

from apps.ml.vision.errors import ImageUnusableError, OcrUnavailableError

# One thread per tesseract process: on a small shared machine its OpenMP threads only contend (measured slower).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

# --oem 1: the LSTM engine; --psm 6: one uniform block of text (a slip's lines, top to bottom)
TESSERACT_CONFIG = "--oem 1 --psm 6"
# characters Tesseract confuses on slips, put back: dashes for the minus sign, curly quotes
CONFUSIONS = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "|": " "})
# Letters Tesseract reads for digits; put back only inside tokens that are numbers by their shape: a stake
# ("lu", "su", "2.su", "lunits") or a signed line or price ("-llO", "(+l45)")
DIGIT_FOR = str.maketrans({"l": "1", "I": "1", "O": "0", "o": "0", "S": "5", "s": "5"})
UNITS_TOKEN = re.compile(r"^([0-9lIOoSs]+(?:\.[0-9lIOoSs]+)?)(u|units?)$")
NUMBER_BEFORE_UNITS = re.compile(r"(?<![\w.])([0-9lIOoSs]+(?:\.[0-9lIOoSs]+)?)(?= units?\b)")
SIGNED_TOKEN = re.compile(r"^(\(?)([+-])([0-9lIOoSs]+(?:\.[0-9lIOoSs]+)?)(\)?)$")


def ocr_text(binary: np.ndarray) -> str:
    """The slip's text, one line per printed line, blank lines dropped."""
    try:
        raw = pytesseract.image_to_string(
            binary, lang="eng", config=TESSERACT_CONFIG, timeout=int(settings.ML_VISION_OCR_TIMEOUT_SECONDS)
        )
    except pytesseract.TesseractNotFoundError:
        raise OcrUnavailableError(
            _("The OCR engine (tesseract) is not installed on this server; an operator runs `make ocr`.")
        ) from None
    except RuntimeError as error:  # pytesseract's timeout
        if "timeout" not in str(error).lower():
            raise
        raise ImageUnusableError(
            _("Reading the image took longer than %(seconds)s s. Crop it to the bet slip and send it again.")
            % {"seconds": settings.ML_VISION_OCR_TIMEOUT_SECONDS},
            fields={"image": [_("OCR timed out")]},
        ) from None
    lines = (numerals_restore(re.sub(r"\s+", " ", line.translate(CONFUSIONS)).strip()) for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


def _token_restore(token: str) -> str:
    units = UNITS_TOKEN.match(token)
    if units and (len(units.group(1)) == 1 or any(character.isdigit() for character in units.group(1))):
        number = units.group(1).translate(DIGIT_FOR)
        return f"{number}u" if units.group(2) == "u" else f"{number} {units.group(2)}"
    signed = SIGNED_TOKEN.match(token)
    if signed:
        return f"{signed.group(1)}{signed.group(2)}{signed.group(3).translate(DIGIT_FOR)}{signed.group(4)}"
    return token


def numerals_restore(line: str) -> str:
    """The line with digits Tesseract read as letters put back in number-shaped tokens ("lu" -> "1u")."""
    line = " ".join(_token_restore(token) for token in line.split(" "))
    return NUMBER_BEFORE_UNITS.sub(lambda match: match.group(1).translate(DIGIT_FOR), line)
