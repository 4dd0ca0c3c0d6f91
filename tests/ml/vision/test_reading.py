"""Slips read end to end (quality, faces, preprocessing, Tesseract, the parser) against what was drawn."""

import pytest
from PIL import Image, ImageDraw

from apps.ml.vision.errors import ImageUnusableError
from apps.ml.vision.faces import faces_detect
from apps.ml.vision.services import bet_slip_read, bet_slip_text
from apps.ml.vision.synthetic import slip_read_mistakes, slips_generate
from tests.ml.nlp.catalogue import demo_catalogue_build
from tests.ml.vision.drawing import face_draw, png, text_image

pytestmark = pytest.mark.django_db

# The bench (bench/ml_ocr.py) reads 100; the suite reads a smaller set (a few seconds of tesseract).
SUITE_SLIPS = 20


@pytest.fixture
def catalogue():
    return demo_catalogue_build()


def test_nine_in_ten_generated_slips_are_read_fully_correct(catalogue):
    slips = slips_generate(SUITE_SLIPS, seed=20261207)
    failures = {}
    for index, slip in enumerate(slips):
        read = bet_slip_read(content=slip.image)
        assert read["image_quality"]["usable"] is True
        assert read["faces_blurred"] == 0
        mistakes = slip_read_mistakes(slip, read)
        if mistakes:
            failures[index] = (slip.description, mistakes)
    assert len(failures) <= SUITE_SLIPS // 10, failures


def test_a_read_answers_the_parsers_shape_with_the_image_quality(catalogue):
    image = text_image(["BET SLIP", "SINGLE", "Boston Celtics -3.5 (-110)", "Stake: 2u"])
    read = bet_slip_read(content=png(image))
    assert set(read) == {
        "bets", "unparsed", "language", "sentiment", "keywords", "entities",
        "image_quality", "ocr_text", "preprocessing", "faces_blurred",
    }  # fmt: skip
    (bet,) = read["bets"]
    (leg,) = bet["legs"]
    assert (leg["team"], leg["market"], leg["line"], leg["american_odds"]) == ("Boston Celtics", "spread", "-3.5", -110)
    assert leg["game_external_id"] == catalogue["Boston Celtics"].external_id
    assert bet["stake_units"] == "2"
    assert "Boston Celtics -3.5 (-110)" in read["ocr_text"].splitlines()
    assert set(read["image_quality"]) == {"width", "height", "blur_variance", "contrast", "usable", "reasons"}
    assert read["image_quality"]["reasons"] == []


def test_a_face_on_a_slip_is_blurred_before_the_slip_is_read(catalogue):
    """A screenshot with the capper's picture beside the bet: the face is blurred, the bet still read."""
    image = text_image(["BET SLIP", "Denver Nuggets ML +145", "Risk 1.5u"], width=900).resize((900, 420))
    face_draw(image, centre=(780, 210), size=140)
    slip = bet_slip_text(content=png(image))
    assert slip.faces_blurred == 1
    assert faces_detect(slip.blurred) == []  # what the rest of the pipeline (and any preview) sees
    read = bet_slip_read(content=png(image))
    (leg,) = read["bets"][0]["legs"]
    assert (leg["team"], leg["market"], leg["american_odds"]) == ("Denver Nuggets", "moneyline", 145)
    assert read["faces_blurred"] == 1


def test_an_image_without_a_slip_gives_no_bets(catalogue):
    """Shapes and no text: refused as holding no text, or (when Tesseract makes out a stray mark) no bet."""
    image = Image.new("RGB", (600, 300), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    for x, colour in ((120, (200, 40, 40)), (300, (40, 120, 200)), (480, (40, 160, 60))):
        draw.ellipse((x - 60, 90, x + 60, 210), fill=colour)
    try:
        read = bet_slip_read(content=png(image))
    except ImageUnusableError as refusal:
        assert refusal.code == "image_no_text"
    else:
        assert read["bets"] == []
