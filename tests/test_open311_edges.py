"""Open311 GeoReport v2 conformance at the edges a 311 client reaches: malformed media URLs,
server-side failures in the spec's error format, media URLs answered as URIs, and the deadline
that runs as expected_datetime."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError

import lapor.channels.open311 as open311
from lapor.channels.open311_views import local_iso
from tests.test_open311 import (  # noqa: F401  (schemas is a fixture)
    BASE,
    REQUEST,
    schemas,
    seed_reports,
    stored,
    valid,
    xml,
)

# RFC 3986 URI (what JSON Schema's "format": "uri" of request.json's media_url means): ASCII only,
# reserved / unreserved characters and percent-escapes, a scheme first.
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def post(client, api_key, fmt="json", **changes):
    fields = {**REQUEST, "api_key": api_key, **changes}
    fields = {key: value for key, value in fields.items() if value is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=fields)


def receipt_of(schemas, response) -> dict:  # noqa: F811
    """The POST receipt."""
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return valid(schemas, "RequestResponse", response, response.status_code)[0]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("media_url", ["http://[foto.example.id/lubang.jpg", "https://[::1/lubang.jpg"])
def test_media_url_that_cannot_be_parsed_is_refused_with_400(client, schemas, api_key, fmt, media_url):  # noqa: F811
    """A malformed media_url (an unclosed "[" that urlsplit refuses) is a 400 error list, not a
    500: GeoReport's "400 - various errors" for what the client must fix."""
    response = post(client, api_key, fmt, media_url=media_url)
    if fmt == "json":
        (error,) = valid(schemas, "errors", response, 400)
        assert "media_url" in error["description"]
    else:
        assert xml(response, "errors", 400).findtext("error/code") == "400"


def test_one_report_text_cannot_break_the_public_request_list(client, schemas, app, demo):  # noqa: F811
    """No citizen's text can make GET requests.json / .xml answer 500 for everyone: a body that
    ends in "Media: http://[..." (possible through the JSON API or the web form) stays in the
    description, and the list answers 200."""
    created = client.post("/api/v1/reports", json={
        "title": "Lampu jalan mati",
        "body": "Lampu jalan mati sejak Senin malam.\n\nMedia: http://[lihat-foto",
    })
    assert created.status_code == 201, created.get_json()
    tracking_id = created.get_json()["tracking_id"]
    body = valid(schemas, "requests.json", client.get(f"{BASE}/requests.json"))
    assert [item["service_request_id"] for item in body] == [tracking_id]
    assert body[0]["media_url"] is None  # not a URL: it stays in the description
    xml(client.get(f"{BASE}/requests.xml"), "service_requests")
    valid(schemas, "requests.json", client.get(f"{BASE}/requests/{tracking_id}.json"))


def _crash(*args, **kwargs):
    raise RuntimeError("a bug somewhere below the view")


def _database_down(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("connection refused"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("fault", "status"), [(_crash, 500), (_database_down, 503)])
def test_server_side_errors_answer_in_the_georeport_error_format(
        client, schemas, demo, monkeypatch, fmt, fault, status):  # noqa: F811
    """A 500 or 503 under /open311/v2/ is in GeoReport's error format, as .xml too, so a client
    can read it at the moment it needs to decide whether to retry (the 503 with Retry-After)."""
    monkeypatch.setattr(open311.access, "public_report", fault)
    response = client.get(f"{BASE}/requests/ABCD1234.{fmt}")
    if fmt == "json":
        (error,) = valid(schemas, "errors", response, status)
        assert error["code"] == status
    else:
        assert xml(response, "errors", status).findtext("error/code") == str(status)


@pytest.mark.parametrize("media_url", [
    "https://foto.example.id/lubang-di-jalan-é.jpg",
    "https://foto.example.id/<lubang>|{1}.jpg",
])
def test_media_url_answered_is_a_uri(client, schemas, api_key, media_url):  # noqa: F811
    """media_url is answered back as a URI (request.json: `format: uri`, RFC 3986), whatever the
    client sent: letters of other scripts and characters a URI may not hold are percent-encoded
    (or the request refused with 400)."""
    response = post(client, api_key, media_url=media_url)
    if response.status_code == 400:
        valid(schemas, "errors", response, 400)
        return
    receipt = receipt_of(schemas, response)
    (view,) = valid(schemas, "requests.json",
                    client.get(f"{BASE}/requests/{receipt['service_request_id']}.json"))
    assert view["media_url"] and URI.match(view["media_url"]), view["media_url"]


def test_expected_datetime_of_an_unverified_report_is_its_current_deadline(client, schemas, app, demo):  # noqa: F811
    """While a report is `received` (in triage), expected_datetime is the deadline that runs, the
    disposition one (DESIGN: "expected_datetime = current deadline"), as the desk and the
    reporter's page show it."""
    (tracking_id,) = seed_reports(app, (0, "received", {}))
    report = stored(app, tracking_id=tracking_id)
    assert report.disposition_due_at != report.followup_due_at
    (view,) = valid(schemas, "requests.json", client.get(f"{BASE}/requests/{tracking_id}.json"))
    assert view["expected_datetime"] == local_iso(report.disposition_due_at, "Asia/Jakarta")
