"""POST /api/v1/tenants/{guild_id}/nlp/parse-bet/: the contract's body, and 400s a person can act on.
(Who may call it is in tests/api/test_authorization_matrix.py.)"""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def parse(api_client, tenant, make_key):
    _key, secret = make_key(["bets:write"], tenant=tenant)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/tenants/{tenant.guild_id}/nlp/parse-bet/"
    return lambda body, **kwargs: api_client.post(url, body, format="json", **kwargs)


def test_the_parse_is_the_contract_body(parse, catalogue):
    response = parse({"text": "Celtics o221.5 -110 2u 🔥"})
    assert response.status_code == 200
    body = response.json()
    assert body["bets"] == [
        {
            "legs": [
                {
                    "team": "Boston Celtics",
                    "game_external_id": catalogue["Boston Celtics"].external_id,
                    "market": "total",
                    "selection": "over",
                    "line": "221.5",
                    "american_odds": -110,
                }
            ],
            "stake_units": "2",
            "confidence": 1.0,
        }
    ]
    assert body["unparsed"] == [] and body["language"] is None and body["sentiment"] is None


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"text": "x" * 4001}, "text_too_long", "The text has 4,001 characters; the parser reads at most 4,000."),
        ({"text": "  "}, "text_empty", "The text is empty: paste the bet as the capper wrote it."),
        ({}, "text_missing", "Send the message to parse in the 'text' field."),
        ({"text": 5}, "text_invalid", "The text must be a string."),
    ],
)
def test_bad_text_is_a_400_with_a_clear_message(parse, body, code, message):
    response = parse(body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"] == message
