"""OpenCV preprocessing of a slip for Tesseract: dark themes inverted, small text rescaled, the text angle
estimated and undone (deskew), then binarised (Otsu).

Tesseract reads best with dark text on white at a cap height of about 30 pixels, level lines and no grey.
"""

import cv2
import numpy as np

TARGET_TEXT_HEIGHT = 34  # pixels: the median height of a character after rescaling
MAX_SCALE, MIN_SCALE = 4.0, 0.5
MAX_SKEW_DEGREES = 8.0
SKEW_WIDTH = 600  # the angle is searched on a copy this wide (speed)
PADDING = 16
MAX_SCALED_PIXELS = 12_000_000  # enlarging never makes an image bigger than this (memory and Tesseract time)
FAINT_INK_MARGIN = 40  # grey levels below the paper's median that count as ink when looking for rules


def _text_mask(gray: np.ndarray) -> np.ndarray:
    """White where the ink is (Otsu on a lightly smoothed copy), for dark text on a light background."""
    smoothed = cv2.GaussianBlur(gray, (3, 3), 0)
    _, mask = cv2.threshold(smoothed, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return mask


def text_height_estimate(mask: np.ndarray) -> float | None:
    """The median height of the glyph-sized connected components of the ink, or None without any."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    image_height, image_width = mask.shape
    heights = [
        stats[index, cv2.CC_STAT_HEIGHT]
        for index in range(1, count)
        if 4 <= stats[index, cv2.CC_STAT_HEIGHT] <= image_height / 2
        and stats[index, cv2.CC_STAT_WIDTH] <= image_width / 4
        and stats[index, cv2.CC_STAT_AREA] >= 8
    ]
    return float(np.median(heights)) if len(heights) >= 3 else None


def skew_estimate(mask: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise positive) that makes the text lines level: the angle whose
    horizontal projection of the ink is the most peaked (a coarse then a fine search)."""
    height, width = mask.shape
    scale = min(1.0, SKEW_WIDTH / width)
    small = cv2.resize(mask, (max(1, round(width * scale)), max(1, round(height * scale))), cv2.INTER_AREA)
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(small, matrix, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float(np.var(profile))

    coarse = max(np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 1.0), key=score)
    return float(max(np.arange(coarse - 1.0, coarse + 1.01, 0.2), key=score))


def rules_remove(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The slip without its horizontal rules (separators between sections): Tesseract reads them as junk
    characters at the ends of the neighbouring lines."""
    length = max(40, mask.shape[1] // 6)
    rules = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    rules = cv2.dilate(rules, cv2.getStructuringElement(cv2.MORPH_RECT, (41, 7)))
    cleaned = gray.copy()
    cleaned[rules > 0] = int(np.median(gray))  # the paper's grey
    return cleaned


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(
        gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def slip_preprocess(gray: np.ndarray) -> tuple[np.ndarray, dict]:
    """The binarised, upright, rescaled slip, and what was done to it (for the answer and the playground)."""
    inverted = bool(np.median(gray) < 128)
    if inverted:  # a dark theme: white text on black becomes black on white
        gray = cv2.bitwise_not(gray)
    mask = _text_mask(gray)
    text_height = text_height_estimate(mask)
    scale = 1.0
    if text_height:
        scale = float(np.clip(TARGET_TEXT_HEIGHT / text_height, MIN_SCALE, MAX_SCALE))
        scale = min(scale, (MAX_SCALED_PIXELS / (gray.shape[0] * gray.shape[1])) ** 0.5)
    if abs(scale - 1.0) > 0.1:
        interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interpolation)
        mask = _text_mask(gray)
    angle = skew_estimate(mask)
    if abs(angle) >= 0.2:
        gray = _rotate(gray, angle)
        mask = _text_mask(gray)
    # the rules are found in everything clearly darker than the paper (not only what Otsu calls ink): a light
    # grey separator on a noisy photo is a dashed line to Otsu, and no longer long enough to be seen as one
    faint_ink = np.where(gray < np.median(gray) - FAINT_INK_MARGIN, 255, 0).astype(np.uint8)
    gray = rules_remove(gray, faint_ink)
    # a median filter takes off salt-and-pepper noise without rounding the rescaled glyphs' corners much
    # (its window grows with the rescaling, so it spans one original pixel's worth of noise)
    denoised = cv2.medianBlur(gray, 5 if scale >= 2 else 3)
    _, binary = cv2.threshold(denoised, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    binary = cv2.copyMakeBorder(binary, PADDING, PADDING, PADDING, PADDING, cv2.BORDER_CONSTANT, value=255)
    steps = {"inverted": inverted, "scale": round(scale, 2), "deskew_degrees": round(angle, 1)}
    return binary, steps
