"""The image stages on generated pictures: decoding and its refusals, the quality gate, preprocessing, faces."""

import io
import random

import cv2
import numpy as np
import pytest
from PIL import Image

from apps.ml.vision.decoding import image_decode
from apps.ml.vision.errors import ImageInvalidError, ImageTooLargeError
from apps.ml.vision.faces import faces_blur, faces_detect
from apps.ml.vision.preprocess import skew_estimate, slip_preprocess, text_height_estimate
from apps.ml.vision.quality import image_quality_assess
from apps.ml.vision.synthetic import fonts_available, slip_content, slip_render
from tests.ml.vision.drawing import face_draw, gray_array, png, text_image

SLIP_LINES = ["BET SLIP", "SINGLE", "Boston Celtics -3.5 (-110)", "Stake: 2u"]


def test_the_machine_has_several_fonts_to_draw_slips_in():
    assert len(fonts_available()) >= 4  # make ocr installs DejaVu and Liberation


def test_a_png_decodes_to_its_pixels():
    pixels = image_decode(png(text_image(SLIP_LINES)))
    assert pixels.shape == (40 + 4 * 40, 720, 3)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "The file is empty."),
        (b"Boston Celtics -3.5 (-110) 2u", "The file is not an image."),
        (png(text_image(SLIP_LINES), format="GIF"), "The file is a GIF image, which is not accepted."),
        (png(text_image(SLIP_LINES))[:400], "The image is damaged or truncated"),
    ],
    ids=["empty", "text", "gif", "truncated"],
)
def test_what_is_not_a_usable_image_file_is_refused_with_its_reason(content, reason):
    with pytest.raises(ImageInvalidError) as caught:
        image_decode(content)
    assert caught.value.fields["image"][0].startswith(reason)
    assert "Send a PNG, JPEG or WebP" in caught.value.message


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded(settings):
    settings.ML_VISION_MAX_PIXELS = 1_000_000
    bomb = png(Image.new("L", (4000, 4000), 255))  # 16 Mpx of one colour: a few kB of PNG
    assert len(bomb) < 100_000
    with pytest.raises(ImageInvalidError) as caught:
        image_decode(bomb)
    assert "4000x4000 pixels, more than the 1,000,000 accepted" in caught.value.message


def test_an_image_over_the_size_limit_is_refused_with_413(settings):
    settings.ML_VISION_MAX_BYTES = 1000
    with pytest.raises(ImageTooLargeError) as caught:
        image_decode(png(text_image(SLIP_LINES)))
    assert caught.value.status_code == 413
    assert "at most 1,000 bytes are accepted (ML_VISION_MAX_BYTES)" in caught.value.message


def test_a_sharp_slip_passes_the_quality_gate():
    quality = image_quality_assess(gray_array(png(text_image(SLIP_LINES))))
    assert quality.usable and quality.reasons == []
    assert (quality.width, quality.height) == (720, 200)
    assert quality.blur_variance > 1000 and quality.contrast > 0.1


def test_a_blurred_slip_is_refused_saying_it_is_blurred():
    gray = cv2.GaussianBlur(gray_array(png(text_image(SLIP_LINES))), (0, 0), 2)
    quality = image_quality_assess(gray)
    assert not quality.usable
    (reason,) = quality.reasons
    assert reason.startswith("The image is blurred (variance of the Laplacian")
    assert quality.blur_variance < 200


def test_a_faded_slip_is_refused_for_its_contrast():
    gray = (gray_array(png(text_image(SLIP_LINES))).astype(np.float64) * 0.1 + 215).astype(np.uint8)
    quality = image_quality_assess(gray)
    assert [reason.split(" (")[0] for reason in quality.reasons] == ["The contrast is too low"]


def test_a_thumbnail_is_refused_for_its_size():
    quality = image_quality_assess(gray_array(png(text_image(SLIP_LINES).resize((150, 42)))))
    assert quality.reasons[0] == (
        "The image is 150x42 pixels; at least 200x60 are needed. Send the screenshot at its original size, "
        "not a thumbnail."
    )


@pytest.mark.parametrize("angle", [-3.0, -1.5, 2.0, 3.0])
def test_deskew_finds_the_angle_a_slip_was_rotated_by(angle):
    image = text_image(SLIP_LINES).rotate(angle, expand=True, fillcolor=(250, 250, 250))
    mask = 255 - cv2.threshold(gray_array(png(image)), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    assert skew_estimate(mask) == pytest.approx(-angle, abs=0.4)


def test_preprocessing_inverts_a_dark_theme_and_enlarges_small_text():
    slip = slip_content(random.Random(1))
    gray = 255 - gray_array(png(text_image(slip.lines, size=14, width=420)))  # a dark theme: light text on black
    binary, steps = slip_preprocess(gray)
    assert steps["inverted"] is True
    assert steps["scale"] > 2  # 14 px text is brought up towards the 34 px Tesseract reads best
    assert set(np.unique(binary)) == {0, 255}
    assert np.median(binary) == 255  # dark text on white
    height = text_height_estimate(255 - binary)
    assert height == pytest.approx(34, rel=0.3)


def test_a_drawn_face_is_found_and_blurred_beyond_detection():
    image = text_image(SLIP_LINES, width=900)
    image = image.resize((900, 420))
    face_draw(image, centre=(760, 210), size=150)
    bgr = image_decode(png(image))
    (box,) = faces_detect(bgr)
    x, y, width, height = box
    assert 680 < x + width / 2 < 840 and 130 < y + height / 2 < 290

    blurred = faces_blur(bgr, [box])
    assert faces_detect(blurred) == []
    region = (slice(y, y + height), slice(x, x + width))

    def detail(pixels):  # the variance of the Laplacian: edges (eyes, brows, mouth) make it large
        return cv2.Laplacian(cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()

    assert detail(blurred[region]) < detail(bgr[region]) / 4  # no feature edges left, only a smear of colour
    assert np.array_equal(blurred[:, :600], bgr[:, :600])  # the slip's text is untouched


def test_generated_slips_have_no_faces():
    rng = random.Random(5)
    for _ in range(5):
        slip = slip_render(slip_content(rng), rng)
        assert faces_detect(image_decode(slip.image)) == []


def test_exif_orientation_is_applied():
    image = text_image(SLIP_LINES)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: a phone photo held upright
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert image_decode(buffer.getvalue()).shape[:2] == (720, 200)
