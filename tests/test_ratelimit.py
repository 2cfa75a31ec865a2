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


def test_a_citizens_form_past_the_address_limit_comes_back_to_send_again(app, demo):
    from tests.test_faults import resend_fields
    from tests.test_web_citizen import FORM

    client = _strict_app(app, LAPOR_RATE_INTAKE="1 per minute").test_client()
    assert client.post("/", data=FORM).status_code == 303
    refused = client.post("/", data={**FORM, "title": "Jalan berlubang di depan balai desa"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    page = refused.get_data(as_text=True)
    assert "Terlalu banyak permintaan" in page and "Jalan berlubang di depan balai desa" in page
    action, fields = resend_fields(page)
    assert action == "/" and ("title", "Jalan berlubang di depan balai desa") in fields


def test_sign_in_attempts_are_throttled(app, demo):
    client = _strict_app(app, LAPOR_RATE_LOGIN="2 per minute").test_client()
    attempts = [
        client.post("/api/v1/auth/token", json={"username": "admin", "password": "guess"}).status_code
        for _ in range(3)
    ]
    assert attempts == [401, 401, 429]


def test_the_desk_and_the_api_share_one_sign_in_budget_per_address(app, demo):
    """An address that has used its guesses on the desk's form is refused by the API's token
    door too (and intake keeps its own, separate budget)."""
    client = _strict_app(app, LAPOR_RATE_LOGIN="3 per day").test_client()
    doors = [client.post("/staff/", data={"username": "tangkab", "password": "x"}).status_code for _ in range(2)]
    doors.append(client.post("/api/v1/auth/token", json={"username": "tangkab", "password": "x"}).status_code)
    doors.append(client.post("/api/v1/auth/token", json={"username": "tangkab", "password": "x"}).status_code)
    doors.append(client.post("/staff/", data={"username": "tangkab", "password": "x"}).status_code)
    assert doors == [401, 401, 401, 429, 429]
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201


def test_other_addresses_are_counted_apart(app, demo):
    client = _strict_app(app, LAPOR_RATE_INTAKE="1 per minute").test_client()
    first = client.post("/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    second = client.post("/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert (first.status_code, second.status_code) == (201, 201)


def test_one_phone_number_is_limited_across_channels_and_spellings(app, demo):
    from tests.test_web_citizen import FORM

    client = _strict_app(app, LAPOR_RATE_PHONE="3 per minute").test_client()
    spellings = ["081234567890", "+62 812-3456-7890", "6281234567890"]
    codes = [client.post("/api/v1/reports", json={**REPORT, "reporter": {"phone": phone}},
                         environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
             for i, phone in enumerate(spellings)]
    assert codes == [201, 201, 201]
    refused = client.post("/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": "10.0.9.9"})
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "Terlalu banyak laporan dari nomor telepon ini; coba lagi nanti."
    form = client.post("/", data={**FORM, "reporter_phone": "0812 3456 7890"},
                       environ_base={"REMOTE_ADDR": "10.0.9.8"})
    assert form.status_code == 429
    page = form.get_data(as_text=True)
    assert "Terlalu banyak laporan dari nomor telepon ini" in page and FORM["body"] in page  # text kept
    other = client.post("/api/v1/reports", json={**REPORT, "reporter": {"phone": "081399998888"}})
    assert other.status_code == 201
    anonymous = client.post("/api/v1/reports", json={**REPORT, "reporter": {}})
    assert anonymous.status_code == 201  # no number, nothing to count


def test_sms_past_the_phone_limit_is_told_once_and_then_dropped(app, demo):
    import uuid
    from urllib.parse import urlencode

    from sqlalchemy import func, select

    from lapor.extensions import db
    from lapor.models import OutgoingMessage, Report

    client = _strict_app(app, LAPOR_RATE_PHONE="2 per minute").test_client()

    def sms(text):
        params = {"from": "+6281234567890", "to": "1708", "text": text, "id": str(uuid.uuid4())}
        return client.get("/channels/sms/kannel?" + urlencode(params)).get_data(as_text=True)

    replies = [sms(f"TANGKAB jalan rusak nomor {i}") for i in range(4)]
    assert "Nomor laporan" in replies[0] and "Nomor laporan" in replies[1]
    assert replies[2].startswith("Terlalu banyak laporan dari nomor ini")
    assert replies[3] == ""  # told once an hour, not at every message
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id))) == 2
        assert db.session.scalar(select(func.count(OutgoingMessage.id))) == 3
    assert "tidak ditemukan" in sms("CEK ABCDEFGH")  # commands are not counted as reports


def test_with_the_limit_storage_down_reports_from_a_phone_are_let_through(app, demo):
    from tests.test_outbox import DEAD_REDIS

    settings = replace(app.config["LAPOR"], redis_url=DEAD_REDIS)
    down = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False, LAPOR_RATE_PHONE="1 per minute")
    codes = [down.test_client().post("/api/v1/reports", json=REPORT).status_code for _ in range(3)]
    assert codes == [201, 201, 201]
