"""Image quality assessment before any OCR: resolution, sharpness (variance of the Laplacian) and contrast.

Sharpness is measured on the image scaled to at most ASSESS_WIDTH pixels wide, so the same slip sent at two
resolutions scores alike (the variance of the Laplacian falls as an image is enlarged), and with its grey
levels stretched to the full range (the variance also falls with contrast, which is measured on its own).
"""

from dataclasses import asdict, dataclass, field

import cv2
import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

ASSESS_WIDTH = 1000


@dataclass
class ImageQuality:
    width: int
    height: int
    blur_variance: float
    contrast: float  # RMS contrast: the standard deviation of the grey levels over 255
    usable: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def image_quality_assess(gray: np.ndarray) -> ImageQuality:
    """Measure the grey image and say, in words a sender can act on, why it cannot be read (if it cannot)."""
    height, width = gray.shape[:2]
    scaled = gray
    if width > ASSESS_WIDTH:
        scaled = cv2.resize(gray, (ASSESS_WIDTH, max(1, round(height * ASSESS_WIDTH / width))), cv2.INTER_AREA)
    # stretched to the full grey range first, so a faint but sharp image is called faint, not blurred
    low, high = np.percentile(scaled, (0.5, 99.5))
    stretched = np.clip((scaled.astype(np.float64) - low) * (255.0 / max(high - low, 1.0)), 0, 255)
    blur_variance = float(cv2.Laplacian(stretched, cv2.CV_64F).var())
    contrast = float(gray.std() / 255.0)
    reasons = []
    min_width, min_height = int(settings.ML_VISION_MIN_WIDTH), int(settings.ML_VISION_MIN_HEIGHT)
    if width < min_width or height < min_height:
        reasons.append(
            _(
                "The image is %(width)sx%(height)s pixels; at least %(min_width)sx%(min_height)s are needed. Send the "
                "screenshot at its original size, not a thumbnail."
            )
            % {"width": width, "height": height, "min_width": min_width, "min_height": min_height}
        )
    min_blur = float(settings.ML_VISION_MIN_BLUR_VARIANCE)
    if blur_variance < min_blur:
        reasons.append(
            _(
                "The image is blurred (variance of the Laplacian %(blur_variance).1f, at least %(min_blur)g needed). "
                "Hold the camera still and focus on the slip, or send a screenshot instead of a photo."
            )
            % {"blur_variance": blur_variance, "min_blur": min_blur}
        )
    min_contrast = float(settings.ML_VISION_MIN_CONTRAST)
    if contrast < min_contrast:
        reasons.append(
            _(
                "The contrast is too low (%(contrast).3f, at least %(min_contrast)g needed). Photograph the slip in "
                "even light, without glare, or send a screenshot."
            )
            % {"contrast": contrast, "min_contrast": min_contrast}
        )
    return ImageQuality(
        width=width,
        height=height,
        blur_variance=round(blur_variance, 1),
        contrast=round(contrast, 3),
        usable=not reasons,
        reasons=reasons,
    )
