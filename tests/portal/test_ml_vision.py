"""The bet-slip OCR playground (issue #16 ocr): a verified analyst or officer uploads a slip and sees the read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.ml.nlp.catalogue import demo_catalogue_build
from tests.ml.vision.drawing import png, text_image

pytestmark = pytest.mark.django_db
URL = "/portal/ml/vision/"


def test_the_page_is_in_the_machine_learning_section(analyst_client):
    response = analyst_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("portal:ml_vision") == URL
    assert "Bet-slip OCR" in page and "Machine learning" in page
    assert 'enctype="multipart/form-data"' in page


def test_an_uploaded_slip_is_shown_with_its_quality_text_and_bets(officer_client):
    demo_catalogue_build()
    image = png(text_image(["BET SLIP", "SINGLE", "Boston Celtics -3.5 (-110)", "Stake: 2u"]))
    response = officer_client.post(URL, {"image": SimpleUploadedFile("slip.png", image, content_type="image/png")})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<th scope="row">Boston Celtics</th>' in page
    assert "720 × 200 px" in page
    assert 'src="data:image/png;base64,' in page  # the blurred image inline, nothing stored
    assert "&quot;american_odds&quot;: -110" in page


def test_a_file_that_is_not_an_image_is_refused_with_the_reason(analyst_client):
    upload = SimpleUploadedFile("slip.txt", b"Celtics -3.5", content_type="text/plain")
    response = analyst_client.post(URL, {"image": upload})
    assert response.status_code == 400
    assert "The file is not an image." in response.content.decode()


def test_a_user_without_a_verified_second_factor_is_sent_to_the_login(portal_user):
    client = Client()
    client.force_login(portal_user("security_analyst", username="unverified"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")
