"""Limits: oversized, malformed and hostile input gets a clear 4xx in the user's language.

Never a 500, never a hang, and a citizen's text is never silently lost.
"""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select

from lapor.extensions import db
from lapor.models import Report
from tests.test_api_reports import REPORT
from tests.test_desk_support import sign_in
from tests.test_open311 import BASE
from tests.test_web_citizen import FORM, text

API = "/api/v1/reports"


def count_reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Report.id)))


def assert_clear_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["code"] == status and body["message"]
    return body


def test_request_body_over_the_limit_is_a_413_in_indonesian(client, demo, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(API, data=b"{" + b" " * limit + b"}", content_type="application/json")
    body = assert_clear_json_error(response, 413)
    assert "terlalu besar" in body["message"]
    assert count_reports(app) == 0


def test_oversized_form_is_a_413_page_in_the_citizens_language(client, demo, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    upload = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * limit), "foto.png")
    response = client.post("/?lang=en", data={**FORM, "attachments": [upload]},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "too large" in text(response).lower()


@pytest.mark.parametrize(("field", "size", "where"), [
    ("title", 201, ("title",)), ("body", 10_001, ("body",)), ("location", 301, ("location",)),
    ("agency", 33, ("agency",)),
])
def test_fields_over_their_length_are_named_in_the_422(client, demo, app, field, size, where):
    response = client.post(API, json={**REPORT, field: "x" * size})
    body = assert_clear_json_error(response, 422)
    assert set(where) <= set(body["errors"])
    assert count_reports(app) == 0


def test_reporter_fields_over_their_length_are_named(client, demo):
    response = client.post(API, json={**REPORT, "reporter": {"name": "n" * 201, "email": "a" * 250 + "@x.id"}})
    body = assert_clear_json_error(response, 422)
    assert "reporter" in body["errors"]


@pytest.mark.parametrize("payload", [
    b'{"title": "Jalan \xff\xfe rusak", "body": "Jalan berlubang di depan pasar"}',  # not UTF-8
    b"[1, 2, 3]", b'"teks saja"', b"null", b"12",  # JSON, but not an object
    b"[" * 100_000 + b"]" * 100_000,  # nested past any parser's recursion limit
    b'{"title": "a", "title": ' + b'"x" ' * 10 + b"}",  # not JSON at all
])
def test_malformed_json_is_a_clear_4xx(client, demo, app, payload):
    response = client.post(API, data=payload, content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert response.get_json()["message"]
    assert count_reports(app) == 0


def test_form_text_with_invalid_utf8_is_kept_with_replacement_characters(client, demo, app):
    boundary = "batas"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
             + (v.encode() if k != "body" else b"Sampah menumpuk \xff\xfe di depan Pasar Cikupa") + b"\r\n"
             for k, v in FORM.items()]
    data = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = client.post("/", data=data, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303
    with app.app_context():
        body = db.session.scalars(select(Report.body)).one()
    assert body.startswith("Sampah menumpuk") and "\ufffd" in body


def test_json_text_with_half_a_surrogate_pair_is_kept_with_a_replacement_character(client, demo, app, api_key):
    # "\ud83d" alone is valid JSON and decodes to a string UTF-8 cannot hold.
    title = b'"Jalan \\ud83d rusak"'
    api = client.post(API, content_type="application/json", data=b'{"title": ' + title + b', "agency": "TANGKAB", '
                      b'"body": "Lubang besar \\udc80 di depan Pasar Cikupa \\ud83d\\ude00"}')
    assert api.status_code == 201, api.get_json()
    open311 = client.post(f"{BASE}/requests.json", content_type="application/json", data=(
        b'{"api_key": "' + api_key.encode() + b'", "service_code": "jalan", "address_string": "Pasar",'
        b' "description": "Jalan rusak \\udbff parah di depan pasar Cikupa"}'))
    assert open311.status_code == 201, open311.get_json()
    with app.app_context():
        stored = {r.title: r.body for r in db.session.scalars(select(Report))}
    assert stored["Jalan \ufffd rusak"] == "Lubang besar \ufffd di depan Pasar Cikupa \U0001f600"
    assert "Jalan rusak \ufffd parah di depan pasar Cikupa" in stored.values()


@pytest.mark.parametrize("query", [
    {"per_page": "1" + "0" * 40}, {"page": "-1"}, {"page": "x" * 10_000}, {"state": "s" * 100_000},
])
def test_huge_or_wrong_query_parameters_on_the_api_are_422(client, token, query):
    response = client.get(API, query_string=query, headers=token("admin"))
    assert_clear_json_error(response, 422)


@pytest.mark.parametrize("path", ["/api/v1/calendar/days?agency=A%00B", "/api/v1/rules?agency=A%00B",
                                  "/api/v1/scorecards?agency=%00"])
def test_a_nul_character_in_a_query_is_a_422_on_every_database(client, token, path):
    # PostgreSQL refuses NUL in text outright; that is the request's fault, not an outage (503).
    assert_clear_json_error(client.get(path, headers=token("admin")), 422)


@pytest.mark.parametrize("path", ["/requests.json?service_request_id=A%00B", "/requests/A%00B.json",
                                  "/services/A%00B.json", "/requests.xml?jurisdiction_id=%00"])
def test_a_nul_character_in_an_open311_query_is_answered_in_the_spec_format(client, demo, path):
    response = client.get(BASE + path)  # SQLite holds NUL, so it may find nothing instead (200, 404)
    assert response.status_code in (200, 400, 404), response.get_data(as_text=True)[:300]
    if ".xml" in path:
        assert response.mimetype == "text/xml"
    else:
        assert isinstance(response.get_json(), list)


def test_a_nul_character_in_an_agency_code_is_named_on_its_field(client, demo):
    body = assert_clear_json_error(client.post(API, json={**REPORT, "agency": "TANG\x00KAB"}), 422)
    assert body["errors"] == {"agency": ["Berisi karakter yang tidak diizinkan."]}


@pytest.mark.parametrize("method,path,status", [
    ("PUT", "/api/v1/rules/66739246442683392000", 404),
    # werkzeug says 405 when the path's route for another method (PUT) was tried first
    ("DELETE", "/api/v1/rules/2147483648", 405),
    ("DELETE", "/api/v1/calendar/days/99999999999999999999", 404),
])
def test_ids_no_row_can_have_are_a_4xx_not_a_database_error(client, token, method, path, status):
    response = client.open(path, method=method, json={}, headers=token("admin"))
    assert_clear_json_error(response, status)


def test_attachment_ids_no_row_can_have_are_a_404_page(client, demo):
    response = client.get("/laporan/LPR-AAAA-AAAA/lampiran/99999999999999999999")
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.parametrize("path", [
    "/lacak?id=" + "A" * 100_000,
    "/statistik?days=" + "9" * 5_000,
    "/laporan/" + "A" * 10_000,
    "/?lang=" + "x" * 10_000,
])
def test_huge_query_parameters_on_pages_are_answered_plainly(client, demo, path):
    response = client.get(path)
    assert response.status_code in (200, 302, 303, 404), path[:40]
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/staff/", "/staff/pemantauan/", "/staff/rekap/"])
@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=9999-12-31&to=0001-01-01"])
def test_dates_no_calendar_reaches_are_filters_ignored_on_staff_pages(client, demo, path, query):
    sign_in(client, demo, "admin")
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("query", ["start=0001-01-01T00:00:00%2B14:00", "end=9999-12-31T23:59:59-12:00"])
def test_instants_no_calendar_reaches_are_a_422_on_the_api(client, token, query):
    response = client.get(f"/api/v1/scorecards?{query}", headers=token("admin"))
    assert assert_clear_json_error(response, 422)["errors"] in (
        {"start": ["Tahun harus antara 2000 dan 2100."]}, {"end": ["Tahun harus antara 2000 dan 2100."]})


@pytest.mark.parametrize("query", [
    {"service_request_id": ",".join(str(uuid.uuid4()) for _ in range(5_000))},
    {"start_date": "9" * 10_000}, {"status": "open," * 10_000}, {"page_size": "9" * 100},
])
def test_huge_open311_queries_are_answered_in_the_spec_format(client, demo, query):
    response = client.get(f"{BASE}/requests.json", query_string=query)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body, list)
    if response.status_code == 400:
        assert body[0]["code"] == 400 and body[0]["description"]


def test_json_nested_too_deeply_for_open311_is_a_400_in_the_spec_format(client, demo, api_key):
    response = client.post(f"{BASE}/requests.json?api_key={api_key}", data=b"[" * 100_000 + b"]" * 100_000,
                           content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()[0]["code"] == 400


@pytest.mark.parametrize("body", [
    b"<?xml version='1.0'?><service_request><description>Jalan",  # truncated XML
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><x>&b;</x>",  # entity bomb
])
def test_xml_posted_to_open311_is_refused_in_the_spec_format(client, demo, api_key, body):
    response = client.post(f"{BASE}/requests.xml?api_key={api_key}", data=body,
                           content_type="text/xml")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/xml"
    assert b"<code>400</code>" in response.data


def test_oversized_sms_text_is_taken_whole_or_refused_never_a_500(client, demo, app):
    params = {"from": "+6281234567890", "to": "1708", "text": "TANGKAB " + "jalan rusak " * 20_000,
              "id": str(uuid.uuid4()), "ts": "1795479040"}
    response = client.post("/channels/sms/kannel", data=params)
    assert response.status_code in (200, 202, 413, 422), response.get_data(as_text=True)[:300]
    if response.status_code < 300:
        with app.app_context():
            stored = db.session.scalars(select(Report.body)).one()
        assert stored.startswith("jalan rusak")


def test_attachment_over_its_limit_is_an_inline_error_and_the_text_is_kept(client, demo, app):
    from tests.test_attachments import tiny_png

    limit = app.config["LAPOR"].max_attachment_bytes
    big = (io.BytesIO(tiny_png() + b"\0" * limit), "besar.png")
    response = client.post("/", data={**FORM, "attachments": [big]}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert "besar.png" in page and "5 MB" in page
    assert f'value="{FORM["title"]}"' in page and FORM["body"] in page
    assert count_reports(app) == 0


def test_html_in_a_report_is_shown_escaped_to_staff_and_to_311_clients(client, demo, token, run_worker):
    from xml.etree import ElementTree

    from tests.test_web_staff import sign_in

    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    created = client.post(API, json={**REPORT, "title": f"Jalan {attack}", "body": f"Isi {attack}"}).get_json()
    tid = created["tracking_id"]
    run_worker()
    sign_in(client, demo, "tangkab")
    for path in ("/staff/", f"/staff/laporan/{tid}", "/"):
        page = text(client.get(path))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
        assert attack not in page and "<img src=x" not in page, path
    xml = client.get(f"{BASE}/requests/{tid}.xml").data
    description = ElementTree.fromstring(xml).find("request/description").text
    assert attack in description  # carried as text, never as markup
    assert b"<script>" not in xml
    assert client.get(f"{BASE}/requests/{tid}.json").get_json()[0]["description"].endswith(attack)
