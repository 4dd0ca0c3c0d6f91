"""Bet-slip OCR (apps/ml/vision, issue #16 item 4): upload limits and the image quality bar."""

from dbsbm.settings.environment import env_int, env_str

# An upload over this many bytes is refused with 413 before it is decoded.
ML_VISION_MAX_BYTES = env_int("ML_VISION_MAX_BYTES", 5 * 1024 * 1024)
# Pillow refuses images with more pixels than this (decompression bombs: a small file that expands hugely).
ML_VISION_MAX_PIXELS = env_int("ML_VISION_MAX_PIXELS", 25_000_000)
# The quality bar: smaller, blurrier (variance of the Laplacian) or fainter (RMS contrast) images are refused.
ML_VISION_MIN_WIDTH = env_int("ML_VISION_MIN_WIDTH", 200)
ML_VISION_MIN_HEIGHT = env_int("ML_VISION_MIN_HEIGHT", 60)
ML_VISION_MIN_BLUR_VARIANCE = float(env_str("ML_VISION_MIN_BLUR_VARIANCE", "200"))
ML_VISION_MIN_CONTRAST = float(env_str("ML_VISION_MIN_CONTRAST", "0.06"))
# Tesseract's time budget for one image (seconds); past it the upload is refused with a message.
ML_VISION_OCR_TIMEOUT_SECONDS = env_int("ML_VISION_OCR_TIMEOUT_SECONDS", 10)
