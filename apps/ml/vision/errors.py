"""The refusals of the bet-slip reader: each names what is wrong with the upload and what would do."""

from apps.core.errors import ApplicationError


class ImageInvalidError(ApplicationError):
    """Not an image the reader accepts (not PNG/JPEG/WebP, truncated, or a decompression bomb)."""

    code = "image_invalid"


class ImageTooLargeError(ApplicationError):
    status_code = 413
    code = "image_too_large"


class ImageUnusableError(ApplicationError):
    """An image, but too small, blurred or faint to read reliably; `fields["image"]` lists the reasons."""

    code = "image_unusable"


class OcrUnavailableError(ApplicationError):
    """Tesseract or OpenCV's face detector is missing: nothing is read (an operator installs them)."""

    status_code = 503
    code = "ocr_unavailable"
