"""Open311 GeoReport v2: every JSON answer checked against the published schemas, all XML parsed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import REPORT_TYPES, Category, Report
from lapor.models.apikey import issue_key
from tests import factories

BASE = "/open311/v2"
SCHEMA_DIRS = (Path(__file__).parents[2] / "shared" / "open311", Path("/work/shared/open311"))
REQUEST = {
    "service_code": "jalan",
    "description": "Sampah menumpuk di depan Pasar Cikupa, sudah dua minggu tidak diangkut.",
    "lat": "-6.2146",
    "long": "106.4977",
    "address_string": "Jl. Raya Serang km 20, Cikupa",
    "first_name": "Siti",
    "last_name": "Aminah",
    "email": "siti@example.id",
    "phone": "081234567890",
    "media_url": "https://foto.example.id/lubang.jpg",
}
# The spec's error list; no schema file describes it.
ERRORS_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
}
DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")


@pytest.fixture(scope="module")
def schemas():
    """Validators of the GeoReport documents, from the schema files beside the repository."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    folder = next((path for path in SCHEMA_DIRS if (path / "request.json").exists()), None)
    if folder is None:
        pytest.skip(f"GeoReport v2 schemas not found in {' or '.join(map(str, SCHEMA_DIRS))}")
    documents = {path.name: json.loads(path.read_text()) for path in folder.glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(doc, default_specification=DRAFT202012))
        for name, doc in documents.items()
    )
    definitions = documents["swagger.json"]["definitions"]
    # Swagger 2.0 cannot say "or null"; the JSON Schemas beside it let every optional field be null.
    for name in ("RequestResponse", "TokenResponse"):
        receipt = definitions[name]
        nullable = {key: {"anyOf": [prop, {"type": "null"}]}
                    for key, prop in receipt["properties"].items()}
        documents[name] = {"type": "array", "items": {**receipt, "properties": nullable}}
    documents["errors"] = ERRORS_SCHEMA
    return {name: Draft202012Validator(doc, registry=registry) for name, doc in documents.items()}


def valid(schemas, name: str, response, status: int = 200):
    """The JSON body, after checking its status, its type and that it matches schema `name`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    schemas[name].validate(body)
    for item in body if isinstance(body, list) else [body]:
        for field in DATETIME_FIELDS:
            if item.get(field) is not None:
                assert datetime.fromisoformat(item[field]).utcoffset() is not None, item[field]
    return body


def xml(response, root: str, status: int = 200) -> ElementTree.Element:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    document = ElementTree.fromstring(response.data)
    assert document.tag == root
    return document


def post(client, api_key, fmt="json", **changes):
    fields = {**REQUEST, "api_key": api_key, **changes}
    fields = {key: value for key, value in fields.items() if value is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=fields)


def created(client, schemas, api_key, **changes) -> dict:
    return valid(schemas, "RequestResponse", post(client, api_key, **changes), 201)[0]


def stored(app, **where) -> Report:
    with app.app_context():
        report = db.session.scalars(select(Report).filter_by(**where)).one()
        db.session.expunge_all()
        return report


def seed_reports(app, *specs) -> list[str]:
    """Reports from the factory, (days ago, state, fields) each; a `category` is given by code."""
    with app.app_context():
        ids = []
        for age, state, fields in specs:
            fields = dict(fields)
            if "category" in fields:
                fields["category_id"] = db.session.scalars(
                    select(Category.id).where(Category.code == fields.pop("category"))).one()
            report = factories.report(state, now=utcnow() - timedelta(days=age), **fields)
            ids.append(report.tracking_id)
        db.session.commit()
    return ids


def listed(client, schemas, **query) -> list[str]:
    body = valid(schemas, "requests.json", client.get(f"{BASE}/requests.json", query_string=query))
    return [item["service_request_id"] for item in body]


def test_discovery_points_at_this_endpoint_in_both_formats(client):
    document = client.get(f"{BASE}/discovery.json").get_json()
    endpoint = document["endpoints"][0]
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "apikeys create" in document["key_service"]
    tree = xml(client.get(f"{BASE}/discovery.xml"), "discovery")
    formats = tree.iterfind("endpoints/endpoint/formats/format")
    assert [f.text for f in formats] == endpoint["formats"]
    assert tree.findtext("changeset") == document["changeset"]


def test_services_are_the_categories_with_their_sla_promise(client, schemas, demo):
    listing = valid(schemas, "services.json", client.get(f"{BASE}/services.json"))
    services = {service["service_code"]: service for service in listing}
    assert services["jalan"] == {
        "service_code": "jalan", "service_name": "Jalan dan jembatan",
        "description": "Tindak lanjut dalam 5 hari kerja", "metadata": True, "type": "realtime",
        "keywords": "jalan, jembatan", "group": "Infrastruktur",
    }
    assert services["kesehatan"]["description"] == "Tindak lanjut dalam 2 hari kerja"
    assert services["informasi-publik"]["description"] == (
        "Tindak lanjut dalam 10 hari kerja, dapat diperpanjang hingga 17 hari kerja")
    assert services["lainnya"]["service_name"] == "Lainnya"
    tree = xml(client.get(f"{BASE}/services.xml"), "services")
    assert sorted(s.findtext("service_code") for s in tree.iterfind("service")) == sorted(services)
    assert tree.find("service[service_code='jalan']/metadata").text == "true"


def test_service_definition_offers_the_report_type(client, schemas, demo):
    response = client.get(f"{BASE}/services/jalan.json")
    (attribute,) = valid(schemas, "service-definition.json", response)["attributes"]
    assert (attribute["code"], attribute["datatype"], attribute["required"]) == (
        "type", "singlevaluelist", False)
    assert [v["key"] for v in attribute["values"]] == list(REPORT_TYPES)
    tree = xml(client.get(f"{BASE}/services/jalan.xml"), "service_definition")
    assert tree.findtext("attributes/attribute/values/value/name") == "Pengaduan"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_the_spec_error_format(client, schemas, demo, fmt):
    response = client.get(f"{BASE}/services/parkir.{fmt}")
    if fmt == "json":
        assert valid(schemas, "errors", response, 404) == [
            {"code": 404, "description": "service_code 'parkir' tidak dikenal."}]
    else:
        assert xml(response, "errors", 404).findtext("error/code") == "404"


def test_posted_request_is_stored_and_routed_to_the_named_agency(
        client, schemas, api_key, app, run_worker):
    receipt = created(client, schemas, api_key, jurisdiction_id="TANGKAB")
    assert receipt["service_notice"] == "Tindak lanjut dalam 5 hari kerja"
    assert receipt["account_id"] is None and receipt["token"]
    run_worker()
    report = stored(app, tracking_id=receipt["service_request_id"])
    assert (report.channel, report.state, report.type) == ("open311", "disposed", "complaint")
    assert report.requested_agency_id == report.agency_id
    assert report.location == "Jl. Raya Serang km 20, Cikupa (-6.2146,106.4977)"
    assert (report.reporter_name, report.reporter_email) == ("Siti Aminah", "siti@example.id")
    (view,) = valid(schemas, "requests.json",
                    client.get(f"{BASE}/requests/{report.tracking_id}.json"))
    wib = datetime.fromisoformat(view["requested_datetime"]).tzinfo
    assert view == {
        "service_request_id": report.tracking_id, "status": "open",
        "status_notes": "Didisposisikan (disposed)", "service_name": "Jalan dan jembatan",
        "service_code": "jalan", "description": REQUEST["description"],
        "agency_responsible": "Pemerintah Kabupaten Tangerang",
        "service_notice": "Tindak lanjut dalam 5 hari kerja",
        "requested_datetime": report.received_at.astimezone(wib).isoformat(timespec="seconds"),
        "updated_datetime": report.updated_at.astimezone(wib).isoformat(timespec="seconds"),
        "expected_datetime": report.followup_due_at.astimezone(wib).isoformat(timespec="seconds"),
        "address": "Jl. Raya Serang km 20, Cikupa", "address_id": None, "zipcode": None,
        "lat": -6.2146, "long": 106.4977, "media_url": REQUEST["media_url"],
    }
    assert view["expected_datetime"].endswith("+07:00")
    schemas["request.json"].validate(view)


def test_json_post_with_attribute_answers_in_xml(client, api_key, app, run_worker):
    body = {**REQUEST, "api_key": api_key, "lat": -6.2, "long": 106.5,
            "attribute": {"type": "aspiration"}}
    receipt = xml(client.post(f"{BASE}/requests.xml", json=body), "service_requests", 201)
    tracking_id = receipt.findtext("request/service_request_id")
    assert receipt.findtext("request/service_notice") == "Tindak lanjut dalam 5 hari kerja"
    run_worker()
    report = stored(app, tracking_id=tracking_id)
    assert (report.type, report.state, report.requested_agency_id) == (
        "aspiration", "received", None)
    assert report.location == "Jl. Raya Serang km 20, Cikupa (-6.2,106.5)"


def test_request_without_category_uses_the_other_service(client, schemas, api_key, app):
    receipt = created(client, schemas, api_key, service_code="lainnya", lat=None, long=None)
    assert stored(app, tracking_id=receipt["service_request_id"]).category_id is None
    response = client.get(f"{BASE}/requests/{receipt['service_request_id']}.json")
    (view,) = valid(schemas, "requests.json", response)
    assert (view["service_code"], view["lat"], view["address"]) == (
        "lainnya", None, REQUEST["address_string"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "not-a-key", "revoked"])
def test_post_without_a_live_api_key_is_403(client, schemas, app, demo, fmt, key):
    if key == "revoked":
        with app.app_context():
            revoked, key = issue_key("Lama", utcnow())
            revoked.revoked_at = utcnow()
            db.session.commit()
    response = post(client, key, fmt)
    if fmt == "json":
        (error,) = valid(schemas, "errors", response, 403)
        assert error["description"] == "api_key tidak ada atau tidak berlaku."
    else:
        assert xml(response, "errors", 403).findtext("error/code") == "403"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize(("changes", "status", "description"), [
    ({"service_code": None}, 400, "service_code: wajib diisi."),
    ({"service_code": "parkir"}, 404, "service_code 'parkir' tidak dikenal."),
    ({"lat": None, "long": None, "address_string": None}, 400,
     "Lokasi wajib diisi: lat dan long, atau address_string."),
    ({"long": None}, 400, "lat dan long harus diisi keduanya"),
    ({"lat": "95"}, 400, "lat -90..90"),
    ({"lat": "nan"}, 400, "lat -90..90"),
    ({"description": "rusak", "media_url": None}, 400, "description: Panjang harus antara 10 dan 10000"),
    ({"email": "bukan-email"}, 400, "email: Alamat email tidak valid."),
    ({"attribute[type]": "gosip"}, 400, "attribute[type]: Harus salah satu dari"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url harus alamat http(s)."),
    ({"jurisdiction_id": "ENTAH"}, 404, "jurisdiction_id 'entah' tidak dikenal."),
])
def test_invalid_request_is_refused_with_what_to_fix(
        client, schemas, api_key, app, changes, status, description):
    errors = valid(schemas, "errors", post(client, api_key, **changes), status)
    assert errors[0]["code"] == status
    assert any(description in e["description"] for e in errors), errors
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"attribute": "type"}'])
def test_post_body_that_is_not_one_json_object_is_400(client, schemas, api_key, body):
    response = client.post(f"{BASE}/requests.json", data=body, content_type="application/json")
    valid(schemas, "errors", response, 400)


def test_requests_list_filters_by_id_service_status_and_agency(client, schemas, app, demo):
    open_road, closed_road, health, elsewhere = seed_reports(
        app,
        (1, "disposed", {"category": "jalan"}),
        (2, "closed", {"category": "jalan"}),
        (3, "in_progress", {"category": "kesehatan"}),
        (4, "disposed", {"category": "jalan", "holder": "KEMENHUB"}),
    )
    assert listed(client, schemas) == [open_road, closed_road, health, elsewhere]
    assert listed(client, schemas, service_code="jalan") == [open_road, closed_road, elsewhere]
    assert listed(client, schemas, status="closed") == [closed_road]
    assert listed(client, schemas, status="open,closed", service_code="kesehatan") == [health]
    assert listed(client, schemas, jurisdiction_id="tangkab.lapor.test", status="open") == [
        open_road, health]
    assert listed(client, schemas, agency="KEMENHUB") == [elsewhere]
    # service_request_id overrides every other filter, in the order asked.
    asked = f"{health}, {open_road},NOPE"
    assert listed(client, schemas, service_request_id=asked, status="closed") == [health, open_road]
    tree = xml(client.get(f"{BASE}/requests.xml?status=closed"), "service_requests")
    assert [r.findtext("status") for r in tree.iterfind("request")] == ["closed"]
    assert tree.findtext("request/status_notes") == "Selesai (closed)"


def test_default_window_is_the_last_90_days_and_dates_move_it(client, schemas, app, demo):
    recent, old = seed_reports(app, (10, "disposed", {}), (120, "disposed", {}))
    assert listed(client, schemas) == [recent]
    start = (utcnow() - timedelta(days=130)).isoformat()
    assert listed(client, schemas, start_date=start) == [old]
    end = (utcnow() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+07:00")
    assert listed(client, schemas, end_date=end) == [old]
    too_long = {"start_date": start, "end_date": utcnow().isoformat()}
    response = client.get(f"{BASE}/requests.json", query_string=too_long)
    errors = valid(schemas, "errors", response, 400)
    assert "paling lama 90 hari" in errors[0]["description"]
    assert xml(client.get(f"{BASE}/requests.xml?start_date=kemarin"), "errors", 400).findtext(
        "error/description") == "start_date bukan tanggal-waktu ISO 8601."


def test_page_and_page_size_page_through_requests(client, schemas, app, demo):
    newest, middle, oldest = seed_reports(app, *((age, "disposed", {}) for age in (1, 2, 3)))
    assert listed(client, schemas, page_size="2") == [newest, middle]
    assert listed(client, schemas, page_size="2", page="2") == [oldest]
    for bad in ({"page_size": "1001"}, {"page": "0"}, {"page": "²"}, {"status": "pending"},
                {"start_date": "9999-12-31T23:59:59+14:00"}):
        valid(schemas, "errors", client.get(f"{BASE}/requests.json", query_string=bad), 400)


def test_requests_page_back_ten_thousand_at_most(client, schemas, app, demo):
    (only,) = seed_reports(app, (1, "disposed", {}))
    assert listed(client, schemas, page_size="1000", page="10") == []  # rows 9,001-10,000: allowed
    assert listed(client, schemas, page_size="1", page="1") == [only]
    deep = client.get(f"{BASE}/requests.json", query_string={"page_size": "1000", "page": "11"})
    errors = valid(schemas, "errors", deep, 400)
    assert "paling banyak 10000" in errors[0]["description"]
    english = client.get(f"{BASE}/requests.xml?page=10001", headers={"Accept-Language": "en"})
    assert "at most 10000" in xml(english, "errors", 400).findtext("error/description")


def test_confidential_reports_never_appear(client, schemas, app, demo):
    (secret,) = seed_reports(app, (1, "disposed", {"confidential": True}))
    assert listed(client, schemas) == []
    assert listed(client, schemas, service_request_id=secret) == []
    errors = valid(schemas, "errors", client.get(f"{BASE}/requests/{secret}.json"), 404)
    assert errors == [{"code": 404, "description": "Laporan tidak ditemukan."}]
    xml(client.get(f"{BASE}/requests/{secret}.xml"), "errors", 404)


def test_archived_report_is_closed_with_its_reason_by_id_only(client, schemas, app, demo):
    (spam,) = seed_reports(app, (1, "archived", {}))
    with app.app_context():
        report = db.session.scalars(select(Report).filter_by(tracking_id=spam)).one()
        report.archive_reason = "duplicate"
        db.session.commit()
    assert listed(client, schemas) == []  # the public lists leave out what dispatchers archived
    (view,) = valid(schemas, "requests.json", client.get(f"{BASE}/requests/{spam}.json"))
    assert (view["status"], view["status_notes"], view["expected_datetime"]) == (
        "closed", "Diarsipkan (archived): Duplikat", None)


def test_reporter_identity_and_contact_never_appear(client, schemas, app, demo):
    reporter = {"reporter_name": "Siti Aminah", "reporter_phone": "081234567890",
                "reporter_email": "siti@example.id"}
    anonymous, named = seed_reports(
        app, (1, "disposed", {**reporter, "anonymous": True}), (2, "disposed", reporter))
    paths = ("requests.json", "requests.xml", f"requests/{anonymous}.json", f"requests/{named}.xml")
    for path in paths:
        page = client.get(f"{BASE}/{path}").get_data(as_text=True)
        assert anonymous in page or named in page
        for secret in ("Siti", "Aminah", "081234567890", "siti@example.id"):
            assert secret not in page, (path, secret)


def test_token_leads_back_to_the_request(client, schemas, api_key):
    receipt = created(client, schemas, api_key)
    token = receipt["token"]
    answer = valid(schemas, "TokenResponse", client.get(f"{BASE}/tokens/{token}.json"))
    assert answer == [{"service_request_id": receipt["service_request_id"], "token": token}]
    tree = xml(client.get(f"{BASE}/tokens/{token}.xml"), "service_requests")
    assert tree.findtext("request/service_request_id") == receipt["service_request_id"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    (error,) = valid(schemas, "errors", client.get(f"{BASE}/tokens/{forged}.json"), 404)
    assert error["description"] == "Token tidak dikenal."


def test_xml_leaves_out_characters_xml_cannot_carry(client, app, demo):
    body = "Lampu jalan mati\x0b\x1f sejak Senin <b>&</b>"
    (tracking_id,) = seed_reports(app, (1, "disposed", {"body": body}))
    tree = xml(client.get(f"{BASE}/requests/{tracking_id}.xml"), "service_requests")
    assert tree.findtext("request/description") == "Lampu jalan mati sejak Senin <b>&</b>"


def test_nul_characters_are_dropped_from_posted_text(client, schemas, api_key, app):
    receipt = created(client, schemas, api_key, description="Jalan rusak\x00 parah di depan pasar",
                      media_url=None)
    report = stored(app, tracking_id=receipt["service_request_id"])
    assert report.body == "Jalan rusak parah di depan pasar"


@pytest.mark.parametrize(("path", "root"), [("nothing.xml", "errors"), ("requests.yaml", None)])
def test_unknown_paths_answer_404_in_the_spec_format(client, schemas, path, root):
    response = client.get(f"{BASE}/{path}")
    if root:
        xml(response, root, 404)
    else:
        valid(schemas, "errors", response, 404)


def test_open311_needs_no_csrf_token(settings, schemas, api_key):
    from lapor.app import create_app

    guarded = create_app(settings, TESTING=True)  # CSRF on, as in production
    assert guarded.config.get("WTF_CSRF_ENABLED", True)
    created(guarded.test_client(), schemas, api_key)


def test_apikeys_create_prints_a_key_that_posts_until_revoked(cli, client, schemas, demo):
    result = cli("apikeys", "create", "--name", "Aplikasi Warga")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert len(key) >= 40 and "\n" not in key
    created(client, schemas, key)
    listing = cli("apikeys", "list").stdout
    assert "\tAplikasi Warga\t" in listing and key not in listing
    key_id = listing.split("\t", 1)[0]
    assert cli("apikeys", "revoke", key_id).exit_code == 0
    valid(schemas, "errors", post(client, key), 403)


def test_a_request_without_description_says_what_and_where(client, schemas, api_key, app):
    """The spec makes the description optional: an app may send a service, a place and a photo."""
    receipt = created(client, schemas, api_key, description=None)
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == receipt["service_request_id"])).one()
        assert report.body.startswith("Jalan dan jembatan di Jl. Raya Serang km 20, Cikupa")
        assert "https://foto.example.id/lubang.jpg" in report.body
