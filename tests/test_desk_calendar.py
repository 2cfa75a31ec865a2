"""The sysadmins' calendar screen: holidays, closures and extra working days, the same as the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lapor import workflow
from lapor.extensions import db
from lapor.models import CalendarDay, OutboxItem, Report
from lapor.workflow import SYSTEM
from tests import factories as f
from tests.test_desk_support import get, post, sign_in
from tests.test_web_citizen import text


def open_report(app):
    with app.app_context():
        report = f.report("received")
        workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
        db.session.commit()
        return report.id, report.followup_due_at


def due(app, report_id):
    with app.app_context():
        return db.session.get(Report, report_id).followup_due_at


def test_only_sysadmins_open_the_calendar(client, demo):
    for username in ("tangkab", "dispatcher", "banten"):
        sign_in(client, demo, username)
        assert client.get("/staff/kalender/").status_code == 403
        assert client.post("/staff/kalender/", data={"date": "2026-03-03", "kind": "closure"}).status_code == 403
        client.post("/staff/logout")


def test_the_year_shows_national_holidays_and_office_hours(client, demo):
    sign_in(client, demo, "admin")
    page = get(client, "/staff/kalender/?year=2026")
    assert "Kalender kerja 2026" in page and "17 Agustus 2026" in page and "Kemerdekaan" in page
    english = get(client, "/staff/kalender/?year=2026&lang=en")
    assert "Independence Day" in english and "Kemerdekaan" not in english and "Tahun Baru" not in english
    get(client, "/staff/kalender/?lang=id")  # the choice sticks: back to Indonesian
    assert "Hari Raya Idul Fitri" in page or "Idul Fitri" in page
    assert "08.00–16.00 WITA" in page and "08.00–16.00 WIB" in page
    assert "Kalender kerja" in get(client, "/staff/kalender/?year=banyak")
    assert "Kalender kerja 2100" in get(client, "/staff/kalender/?year=99999")


def test_a_closure_recomputes_open_deadlines_through_the_outbox(client, app, demo, run_worker):
    report_id, before = open_report(app)
    assert before == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    sign_in(client, demo, "admin")
    response = post(client, "/staff/kalender/", {"date": "2026-03-03", "kind": "closure", "note": "Banjir"})
    assert response.location.endswith("/staff/kalender/?year=2026")
    page = get(client, response.location)
    assert "Penutupan 2026-03-03 disimpan" in page and "Banjir" in page and "Nasional (semua instansi)" in page
    with app.app_context():
        assert db.session.query(OutboxItem).filter_by(topic="recompute_deadlines").count() == 1
    run_worker()
    assert due(app, report_id) == before + timedelta(days=1)

    with app.app_context():
        day_id = db.session.query(CalendarDay).one().id
    post(client, f"/staff/kalender/{day_id}/hapus", {})
    run_worker()
    assert due(app, report_id) == before
    assert client.post(f"/staff/kalender/{day_id}/hapus").status_code == 404


def test_an_agency_closure_and_the_forms_errors(client, app, demo):
    sign_in(client, demo, "admin")
    post(client, "/staff/kalender/", {"date": "2026-03-03", "kind": "working", "agency": "TANGKAB"})
    with app.app_context():
        day = db.session.query(CalendarDay).one()
        assert (day.day, day.kind, day.agency.code) == (date(2026, 3, 3), "working", "TANGKAB")
    again = text(post(client, "/staff/kalender/", {"date": "2026-03-03", "kind": "closure", "agency": "TANGKAB"},
                      status=422))
    assert "Tanggal 2026-03-03 sudah diatur untuk kalender ini." in again
    bad = text(post(client, "/staff/kalender/", {"date": "3 Maret", "kind": "libur", "agency": "XYZ",
                                                 "note": "n" * 201}, status=422))
    for message in ("Tanggal tidak valid", "Pilih salah satu.", "Instansi &#39;XYZ&#39; tidak dikenal.",
                    "Terlalu panjang (maksimal 200 karakter)."):
        assert message in bad
    far = text(post(client, "/staff/kalender/", {"date": "3000-01-01", "kind": "closure"}, status=422))
    assert "Tahun harus antara 2000 dan 2100." in far
    nul = text(post(client, "/staff/kalender/", {"date": "2026-03-04", "kind": "closure", "agency": "TANG\x00KAB",
                                                 "note": "Banjir\x00"}, status=422))
    assert "Instansi &#39;TANGKAB&#39; tidak dikenal." in nul and "Berisi karakter yang tidak diizinkan." in nul
