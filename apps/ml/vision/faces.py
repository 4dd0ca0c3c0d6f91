"""Faces in uploads are blurred before anything else happens to the image (OCR, a preview, any storage).

Detection uses OpenCV's Haar cascade for frontal faces, shipped inside opencv-python-headless
(`cv2.data.haarcascades`). It only finds where a face is: nothing here recognises who it is or reads an
expression — there is no lawful purpose for that on a bet slip, and no such model is packaged.
"""

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from django.utils.translation import gettext as _

from apps.ml.vision.errors import OcrUnavailableError

CASCADE_FILE = "haarcascade_frontalface_default.xml"
DETECT_WIDTH = 1000  # detection runs on a copy at most this wide (speed); boxes are scaled back


@lru_cache(maxsize=1)
def _cascade():
    # without the detector no image is processed at all: an unblurred face must never go further
    classifier = getattr(cv2, "CascadeClassifier", None)
    if classifier is None or not (Path(cv2.data.haarcascades) / CASCADE_FILE).is_file():
        raise OcrUnavailableError(
            _(
                "Face detection is unavailable (OpenCV %(version)s without its Haar cascades), so no image is read. An "
                "operator installs the pinned opencv-python-headless (requirements.txt)."
            )
            % {"version": cv2.__version__}
        )
    return classifier(str(Path(cv2.data.haarcascades) / CASCADE_FILE))


def faces_detect(bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, width, height) of the frontal faces the cascade finds, in the image's coordinates."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    scale = min(1.0, DETECT_WIDTH / width)
    if scale < 1.0:
        gray = cv2.resize(gray, (DETECT_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    found = _cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    return [tuple(int(round(value / scale)) for value in box) for box in found]


def faces_blur(bgr: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A copy with each box (grown by a fifth on every side, to take hair and chin) blurred beyond recognition."""
    result = bgr.copy()
    height, width = result.shape[:2]
    for x, y, box_width, box_height in boxes:
        grow_x, grow_y = box_width // 5, box_height // 5
        left, top = max(0, x - grow_x), max(0, y - grow_y)
        right, bottom = min(width, x + box_width + grow_x), min(height, y + box_height + grow_y)
        region = result[top:bottom, left:right]
        # pixelate to a 6x6 grid, then smooth: no feature survives either step
        small = cv2.resize(region, (6, 6), interpolation=cv2.INTER_AREA)
        blocky = cv2.resize(small, (right - left, bottom - top), interpolation=cv2.INTER_NEAREST)
        kernel = max(3, (min(right - left, bottom - top) // 4) | 1)
        result[top:bottom, left:right] = cv2.GaussianBlur(blocky, (kernel, kernel), 0)
    return result
