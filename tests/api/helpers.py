"""Helpers of the API tests: the one error shape every refusal has."""


def assert_error(response, status: int, code: str, fields: set[str] | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert set(body["fields"]) == (fields or set())
    return body
