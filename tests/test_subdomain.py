"""Agency subdomains: `<code>.lapor.test` serves the agency's own form; the main site stays."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lapor.channels.subdomain import agency_label, brand_colours
from lapor.extensions import db
from lapor.models import Report
from tests import factories

AGENCY_SITE = {"Host": "tangkab.lapor.test"}
FORM = {
    "title": "Sampah menumpuk di depan pasar",
    "body": "Sampah menumpuk di depan Pasar Cikupa, sudah dua minggu tidak diangkut.",
    "type": "complaint",
    "location": "Pasar Cikupa",
    "reporter_name": "Siti Aminah",
    "reporter_phone": "081234567890",
}
TRACKING_ID = re.compile(r'<p class="tracking-id">([A-Z0-9]{8})</p>')


def text(response) -> str:
    return response.get_data(as_text=True)


def submit(client, headers=AGENCY_SITE, **changes) -> str:
    """Send the form as a browser on that address does; return the tracking ID it shows."""
    response = client.post("/", data={**FORM, **changes}, headers=headers)
    assert response.status_code == 303, text(response)
    confirmation = text(client.get(response.location, headers=headers))
    found = TRACKING_ID.search(confirmation)
    assert found, confirmation
    return found.group(1)


def stored(app, tracking_id: str) -> Report:
    with app.app_context():
        report = db.session.scalars(select(Report).filter_by(tracking_id=tracking_id)).one()
        db.session.expunge_all()
        return report


def agency_id(app, code: str) -> int:
    with app.app_context():
        return factories.agency(code).id


def test_agency_address_shows_its_own_form_fixed_to_it(client, demo):
    page = text(client.get("/", headers=AGENCY_SITE))
    assert "<title>Pemerintah Kabupaten Tangerang · Lapor</title>" in page
    assert "<h1>Sampaikan laporan Anda kepada Pemerintah Kabupaten Tangerang</h1>" in page
    assert 'value="Pemerintah Kabupaten Tangerang" readonly' in page
    assert 'name="agency"' not in page and "Pilih instansi" not in page
    assert f"--brand: {brand_colours('TANGKAB')['main']};" in page
    assert 'name="title"' in page and 'name="csrf_token"' in page


@pytest.mark.parametrize("host", ["TangKab.Lapor.Test", "tangkab.lapor.test:8443",
                                  "tangkab.lapor.test."])
def test_host_is_matched_without_port_or_case(client, demo, host):
    page = text(client.get("/", headers={"Host": host}))
    assert "Sampaikan laporan Anda kepada Pemerintah Kabupaten Tangerang" in page


def test_report_made_there_is_requested_to_the_agency_and_routed_to_it(
        client, demo, app, run_worker):
    tracking_id = submit(client)
    report = stored(app, tracking_id)
    tangkab = agency_id(app, "TANGKAB")
    assert (report.channel, report.state, report.requested_agency_id) == (
        "subdomain", "received", tangkab)
    assert report.reporter_name == "Siti Aminah"
    run_worker()
    report = stored(app, tracking_id)
    assert (report.state, report.agency_id) == ("disposed", tangkab)
    page = text(client.get(f"/laporan/{tracking_id}", headers=AGENCY_SITE))
    assert "Didisposisikan" in page and "Pemerintah Kabupaten Tangerang" in page


def test_a_tampered_form_cannot_send_the_report_elsewhere(client, demo, app):
    tracking_id = submit(client, agency="KEMENHUB")
    assert stored(app, tracking_id).requested_agency_id == agency_id(app, "TANGKAB")


def test_invalid_form_comes_back_on_the_agency_form_with_its_errors(client, demo, app):
    response = client.post("/", data={**FORM, "title": "x"}, headers=AGENCY_SITE)
    assert response.status_code == 422
    page = text(response)
    assert "Sampaikan laporan Anda kepada Pemerintah Kabupaten Tangerang" in page
    assert 'id="title-error"' in page and FORM["body"] in page
    with app.app_context():
        assert db.session.scalars(select(Report)).first() is None


def test_agency_page_lists_only_its_own_public_reports(client, demo, app):
    with app.app_context():
        for title, holder, confidential in [
            ("Lampu jalan mati di Balaraja", "TANGKAB", False),
            ("Drainase tersumbat di Cikupa", "DPUPRTANGKAB", False),
            ("Rahasia: pungutan liar di kecamatan", "TANGKAB", True),
            ("Jadwal kereta sering terlambat", "KEMENHUB", False),
        ]:
            factories.report("disposed", holder=holder, title=title, confidential=confidential)
        db.session.commit()
    page = text(client.get("/", headers=AGENCY_SITE))
    assert "Laporan terbaru untuk Pemerintah Kabupaten Tangerang" in page
    assert "Lampu jalan mati di Balaraja" in page and "Drainase tersumbat di Cikupa" in page
    assert "pungutan liar" not in page and "kereta" not in page


@pytest.mark.parametrize("path", ["/", "/laporan/ABCDEFGH", "/staff/"])
def test_unknown_agency_address_is_a_friendly_404_in_indonesian(client, demo, path):
    response = client.get(path, headers={"Host": "dinasentah.lapor.test:8080"})
    assert response.status_code == 404
    page = text(response)
    assert "<h1>Situs instansi tidak ditemukan</h1>" in page
    assert "Alamat dinasentah.lapor.test bukan situs instansi yang terdaftar di Lapor." in page
    assert 'href="http://lapor.test:8080/"' in page and "Ke situs utama Lapor" in page


def test_unknown_agency_address_answers_api_clients_in_json(client, demo):
    response = client.get("/api/v1/agencies", headers={"Host": "dinasentah.lapor.test"})
    assert response.status_code == 404
    assert response.get_json()["message"] == "Situs instansi tidak ditemukan"


def test_unknown_agency_address_still_gets_its_stylesheet(client, demo):
    response = client.get("/static/css/lapor.css", headers={"Host": "dinasentah.lapor.test"})
    assert response.status_code == 200
    response.close()


@pytest.mark.parametrize("host", ["lapor.test", "www.lapor.test", "localhost", "127.0.0.1:8000",
                                  "lapor.example"])
def test_main_site_is_unchanged_on_other_hosts(client, demo, app, host):
    page = text(client.get("/", headers={"Host": host}))
    assert "<h1>Sampaikan laporan Anda</h1>" in page and "Pilih instansi" in page
    tracking_id = submit(client, headers={"Host": host}, agency="KEMENHUB")
    report = stored(app, tracking_id)
    assert (report.channel, report.requested_agency_id) == ("web", agency_id(app, "KEMENHUB"))


def test_agency_form_still_needs_its_csrf_token(settings, demo):
    from lapor.app import create_app

    guarded = create_app(settings, TESTING=True)  # CSRF on, as in production
    response = guarded.test_client().post("/", data=FORM, headers=AGENCY_SITE)
    assert response.status_code == 400


@pytest.mark.parametrize(("host", "label"), [
    ("tangkab.lapor.test", "tangkab"),
    ("TANGKAB.LAPOR.TEST:443", "tangkab"),
    ("a.b.lapor.test", "a.b"),
    ("lapor.test", None),
    ("www.lapor.test", None),
    ("www.tangkab.lapor.test", "tangkab"),
    ("evil-lapor.test", None),
    ("[::1]:8000", None),
    ("10.0.0.1", None),
])
def test_agency_label_is_the_part_before_the_base_domain(host, label):
    assert agency_label(host, "lapor.test") == label
