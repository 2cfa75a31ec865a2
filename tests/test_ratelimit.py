"""Public intake and sign-in are rate limited per address; reading is not."""

from __future__ import annotations

from dataclasses import replace

from lapor.app import create_app
from tests.test_api_reports import REPORT


def _strict_app(app, **limits):
    settings = app.config["LAPOR"]
    return create_app(replace(settings), TESTING=True, WTF_CSRF_ENABLED=False, **limits)


def test_intake_beyond_the_limit_gets_a_clear_429(app, demo):
    client = _strict_app(app, LAPOR_RATE_INTAKE="3 per minute").test_client()
    codes = [client.post("/api/v1/reports", json=REPORT).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = client.post("/api/v1/reports", json=REPORT)
    assert refused.get_json()["message"] == "Terlalu banyak permintaan; coba lagi sebentar lagi."
    assert "Retry-After" in refused.headers
    assert client.get("/api/v1/reports").status_code == 200  # reading is not limited


def test_sign_in_attempts_are_throttled(app, demo):
    client = _strict_app(app, LAPOR_RATE_LOGIN="2 per minute").test_client()
    attempts = [
        client.post("/api/v1/auth/token", json={"username": "admin", "password": "guess"}).status_code
        for _ in range(3)
    ]
    assert attempts == [401, 401, 429]


def test_other_addresses_are_counted_apart(app, demo):
    client = _strict_app(app, LAPOR_RATE_INTAKE="1 per minute").test_client()
    first = client.post("/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    second = client.post("/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert (first.status_code, second.status_code) == (201, 201)
