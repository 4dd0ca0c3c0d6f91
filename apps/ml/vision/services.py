"""Reading a bet slip from an image: decode and check the file, blur faces, assess quality, preprocess,
Tesseract, then the bet-text parser. Nothing is stored: the upload lives in memory for the request only."""

from dataclasses import dataclass

import cv2
import numpy as np
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.ml.nlp.services import bet_text_parse
from apps.ml.vision.decoding import image_decode
from apps.ml.vision.errors import ImageUnusableError
from apps.ml.vision.faces import faces_blur, faces_detect
from apps.ml.vision.ocr import ocr_text
from apps.ml.vision.preprocess import slip_preprocess
from apps.ml.vision.quality import ImageQuality, image_quality_assess


@dataclass
class SlipText:
    text: str
    quality: ImageQuality
    steps: dict  # what preprocessing did: inverted, scale, deskew_degrees
    faces_blurred: int
    blurred: np.ndarray  # the upload with faces blurred (BGR): the only form of it that may leave this module
    prepared: np.ndarray  # what Tesseract read (binary)


def bet_slip_text(*, content: bytes) -> SlipText:
    """The text of a slip image; refuses files that are not images and images too poor to read, with why."""
    original = image_decode(content)
    # faces first: everything after this line, and anything kept or shown, sees only the blurred image
    faces = faces_detect(original)
    blurred = faces_blur(original, faces)
    del original
    gray = cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY)
    quality = image_quality_assess(gray)
    if not quality.usable:
        raise ImageUnusableError(
            _("The image cannot be read reliably: %(reasons)s") % {"reasons": " ".join(quality.reasons)},
            fields={"image": quality.reasons},
        )
    prepared, steps = slip_preprocess(gray)
    return SlipText(
        text=ocr_text(prepared),
        quality=quality,
        steps=steps,
        faces_blurred=len(faces),
        blurred=blurred,
        prepared=prepared,
    )


def bet_slip_preview_png(*, content: bytes, max_width: int = 800) -> bytes:
    """The upload as the pipeline sees it, faces blurred, as a PNG at most `max_width` wide (for the portal's
    playground, which shows it inline and stores nothing)."""
    blurred = faces_blur(image := image_decode(content), faces_detect(image))
    del image
    height, width = blurred.shape[:2]
    if width > max_width:
        blurred = cv2.resize(blurred, (max_width, round(height * max_width / width)), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".png", blurred)[1].tobytes()


def bet_slip_read(*, content: bytes, tenant=None) -> dict:
    """The parser's answer for the slip's text (`bets`, `unparsed`, ...) plus `image_quality`, `ocr_text`,
    `preprocessing` and `faces_blurred`."""
    slip = bet_slip_text(content=content)
    if not slip.text.strip():
        raise ImageUnusableError(
            _("No text was found in the image. Send a screenshot of the bet slip itself, upright and uncropped."),
            code="image_no_text",
            fields={"image": [_("no text recognised")]},
        )
    try:
        parsed = bet_text_parse(slip.text, tenant=tenant)
    except ApplicationError as error:
        if error.code != "text_too_long":
            raise
        raise ImageUnusableError(
            _("The image holds more text than a bet slip (%(length)s characters). Crop it to the slip.")
            % {"length": f"{len(slip.text):,}"},
            code="image_too_much_text",
            fields={"image": [_("too much text")]},
        ) from None
    return {
        **parsed,
        "image_quality": slip.quality.as_dict(),
        "ocr_text": slip.text,
        "preprocessing": slip.steps,
        "faces_blurred": slip.faces_blurred,
    }
