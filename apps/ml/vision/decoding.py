"""Turning an upload into pixels, refusing what is not a usable image file before OpenCV sees it."""

import io
import warnings

import cv2
import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.ml.vision.errors import ImageInvalidError, ImageTooLargeError

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP"}
WHAT_WOULD_DO = gettext_lazy("Send a PNG, JPEG or WebP screenshot or photo of the bet slip.")


def image_max_bytes() -> int:
    return int(settings.ML_VISION_MAX_BYTES)


def image_too_large_error(size: int) -> ImageTooLargeError:
    limit = image_max_bytes()
    return ImageTooLargeError(
        _(
            "The image is %(size)s bytes; at most %(limit)s bytes are accepted (ML_VISION_MAX_BYTES). "
            "Crop it to the bet slip or save it as a JPEG."
        )
        % {"size": f"{size:,}", "limit": f"{limit:,}"},
        fields={"image": [_("at most %(limit)s bytes") % {"limit": limit}]},
    )


def _invalid(reason: str) -> ImageInvalidError:
    return ImageInvalidError(f"{reason} {WHAT_WOULD_DO}", fields={"image": [reason]})


def image_decode(content: bytes) -> np.ndarray:
    """The upload as an upright BGR array; refuses oversize files, other formats, broken files and bombs."""
    if len(content) > image_max_bytes():
        raise image_too_large_error(len(content))
    if not content:
        raise _invalid(_("The file is empty."))
    max_pixels = int(settings.ML_VISION_MAX_PIXELS)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here a bomb is an error at the limit
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise _invalid(
                        _("The file is a %(format)s image, which is not accepted.") % {"format": probe.format}
                    )
                width, height = probe.size
                if width * height > max_pixels:
                    raise _invalid(
                        f"The image is {width}x{height} pixels, more than the {max_pixels:,} accepted "
                        "(a decompression bomb or a needlessly large image)."
                    )
                probe.verify()  # structure and checksums, without decoding every pixel
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                rgb = ImageOps.exif_transpose(image).convert("RGB")
    except ImageInvalidError:
        raise
    except UnidentifiedImageError:
        raise _invalid(_("The file is not an image.")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(_("The image decompresses to too many pixels (a decompression bomb).")) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise _invalid(_("The image is damaged or truncated (%(error)s).") % {"error": error}) from None
    return cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)
