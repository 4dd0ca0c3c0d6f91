"""The parser playground (issue #16 nlp): a verified analyst or officer pastes text and sees the parse."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.ml.nlp.catalogue import demo_catalogue_build

pytestmark = pytest.mark.django_db
URL = "/portal/ml/parser/"


def test_the_playground_is_in_the_machine_learning_section_and_shows_an_example(analyst_client):
    response = analyst_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Machine learning" in page
    assert reverse("portal:ml_parser") == URL
    assert "Parlay 1u" in page  # the example in the text box


def test_a_pasted_message_is_shown_as_a_table_and_as_json(officer_client):
    games = demo_catalogue_build()
    response = officer_client.post(URL, {"text": "Parlay 1u\nLakers -3.5 (\u2212110)\nKings ML"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<th scope="row">Los Angeles Lakers</th>' in page
    assert games["Los Angeles Lakers"].external_id in page
    assert "Not understood" in page and "Kings ML" in page
    assert "&quot;american_odds&quot;: -110" in page


@pytest.mark.parametrize(
    ("text", "message"),
    [("x" * 4001, "at most 4000 characters"), ("", "Paste a message to parse."), ("   ", "The text is empty")],
)
def test_bad_text_is_refused_with_a_message(analyst_client, text, message):
    response = analyst_client.post(URL, {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_user_without_a_verified_second_factor_is_sent_to_the_login(portal_user):
    client = Client()
    client.force_login(portal_user("security_analyst", username="unverified"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")
