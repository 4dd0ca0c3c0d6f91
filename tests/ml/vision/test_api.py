"""POST /api/v1/tenants/{guild_id}/vision/bet-slip/: a slip image in, the parser's answer and image quality out;
bad uploads answer 400/413 with what is wrong and what would do, and nothing is written either way."""

import cv2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.ml.nlp.catalogue import demo_catalogue_build
from tests.ml.vision.drawing import gray_array, png, text_image

pytestmark = pytest.mark.django_db

SLIP = ["BET SLIP", "PARLAY - 2 PICKS", "Kansas City Chiefs -3.5 (-110)", "Miami Heat ML +120", "Risk 1.5u"]


@pytest.fixture
def client(tenant, make_key, client_with_key):
    demo_catalogue_build()
    _, secret = make_key(["bets:write"], tenant=tenant)
    return client_with_key(secret)


def _path(tenant) -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/vision/bet-slip/"


def _upload(content: bytes, name: str = "slip.png", content_type: str = "image/png") -> dict:
    return {"image": SimpleUploadedFile(name, content, content_type=content_type)}


def test_a_slip_image_is_read_into_bets(client, tenant):
    before = take_snapshot()
    response = client.post(_path(tenant), _upload(png(text_image(SLIP))), format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    (bet,) = body["bets"]
    legs = [(leg["team"], leg["market"], leg["line"], leg["american_odds"]) for leg in bet["legs"]]
    assert legs == [("Kansas City Chiefs", "spread", "-3.5", -110), ("Miami Heat", "moneyline", None, 120)]
    assert bet["stake_units"] == "1.5"
    assert body["image_quality"]["usable"] is True
    assert body["image_quality"]["width"] == 720
    assert body["ocr_text"].splitlines()[2:] == SLIP[2:]
    assert body["faces_blurred"] == 0
    assert snapshot_diff(before, take_snapshot()) == {}  # nothing stored


def _refused(client, tenant, upload: dict, status: int, code: str) -> dict:
    before = take_snapshot()
    response = client.post(_path(tenant), upload, format="multipart")
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert snapshot_diff(before, take_snapshot()) == {}
    return body


def test_a_text_file_is_refused_as_not_an_image(client, tenant):
    body = _refused(client, tenant, _upload(b"Chiefs -3.5 2u", "slip.txt", "text/plain"), 400, "image_invalid")
    assert body["message"] == "The file is not an image. Send a PNG, JPEG or WebP screenshot or photo of the bet slip."
    assert body["fields"] == {"image": ["The file is not an image."]}


def test_an_image_over_the_size_limit_is_refused_with_413(client, tenant, settings):
    settings.ML_VISION_MAX_BYTES = 2000
    content = png(text_image(SLIP))
    body = _refused(client, tenant, _upload(content), 413, "image_too_large")
    assert body["message"] == (
        f"The image is {len(content):,} bytes; at most 2,000 bytes are accepted (ML_VISION_MAX_BYTES). "
        "Crop it to the bet slip or save it as a JPEG."
    )


def test_a_decompression_bomb_is_refused(client, tenant, settings):
    settings.ML_VISION_MAX_PIXELS = 200_000
    body = _refused(client, tenant, _upload(png(text_image(SLIP).resize((1200, 400)))), 400, "image_invalid")
    assert "1200x400 pixels, more than the 200,000 accepted" in body["message"]


def test_a_blurred_photo_is_refused_with_the_reason(client, tenant):
    blurred = Image.fromarray(cv2.GaussianBlur(gray_array(png(text_image(SLIP))), (0, 0), 3))
    body = _refused(client, tenant, _upload(png(blurred)), 400, "image_unusable")
    assert body["message"].startswith("The image cannot be read reliably: The image is blurred (variance of")
    (reason,) = body["fields"]["image"]
    assert "send a screenshot instead of a photo" in reason


def test_no_file_is_refused(client, tenant):
    body = _refused(client, tenant, {"other": "x"}, 400, "invalid")
    assert list(body["fields"]) == ["image"]


def test_a_json_body_is_refused(client, tenant):
    response = client.post(_path(tenant), {"image": "aGVsbG8="}, format="json")
    assert response.status_code == 415
