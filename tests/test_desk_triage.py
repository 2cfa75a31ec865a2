"""The dispatchers' triage queue: what waits there, and each action through its form."""

from __future__ import annotations

from datetime import timedelta

from lapor import workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Report
from tests import factories as f
from tests.test_desk_support import get, load, make, post, sign_in
from tests.test_web_citizen import text


def triaged(app, title, received, data=None, **fields) -> str:
    """A report routing could not place: in the queue with the router's explanation."""
    with app.app_context():
        report = f.report("received", holder=None, now=received, title=title, **fields)
        workflow.triage(report, workflow.SYSTEM, received, routing=data or {"method": "no_agency"})
        db.session.commit()
        return report.tracking_id


def test_the_queue_lists_reports_waiting_for_a_dispatcher_oldest_first(client, app, demo):
    now = utcnow()
    newer = triaged(app, "Lampu jalan mati", now - timedelta(hours=1))
    older = triaged(app, "Sampah menumpuk", now - timedelta(days=3))
    disposed = make(app, "disposed", title="Sudah ditangani")
    sign_in(client, demo, "dispatcher")
    page = get(client, "/staff/triase/")
    assert "Antrean verifikasi" in page
    assert page.index(older) < page.index(newer)
    assert disposed not in page
    assert "menunggu 3 hari" in page and "tidak ada aturan yang cocok" in page
    assert 'class="due due-late"' in page  # 1 HK to dispose, long gone for the older one


def test_the_forms_say_that_their_notes_are_public(client, app, demo):
    """A disposition or archive note goes on the public timeline and to the reporter: the
    dispatcher is told so beside the box, not left to think it goes to the agency alone."""
    triaged(app, "Lampu jalan mati", utcnow())
    sign_in(client, demo, "dispatcher")
    page = get(client, "/staff/triase/")
    assert page.count("Catatan, terlihat oleh pelapor dan publik") >= 2


def test_suggested_agencies_are_one_click_dispositions(client, app, demo):
    tid = triaged(app, "Kereta terlambat", utcnow(), data={
        "method": "rules_tie",
        "candidates": [{"agency": "DITJENKA", "rule": 7, "keywords": ["kereta"]},
                       {"agency": "KEMENHUB", "rule": 3}, {"agency": "NOPE"}],
    })
    sign_in(client, demo, "dispatcher")
    page = get(client, "/staff/triase/")
    assert "Disposisikan ke Direktorat Jenderal Perkeretaapian" in page
    assert "Disposisikan ke Kementerian Perhubungan" in page and "NOPE" not in page
    assert "Kata yang cocok: kereta" in page and "Aturan: 7" in page
    response = post(client, f"/staff/triase/{tid}/dispose", {"agency": "DITJENKA"})
    assert response.location.endswith("/staff/triase/")
    report = load(app, tid)
    assert report.state == "disposed" and report.agency.code == "DITJENKA"
    assert f"Laporan {tid} sudah didisposisikan." in get(client, response.location)


def test_dispose_without_an_agency_is_shown_beside_the_form(client, app, demo):
    tid = triaged(app, "Jalan rusak", utcnow())
    sign_in(client, demo, "dispatcher")
    page = text(post(client, f"/staff/triase/{tid}/dispose", {"agency": "", "note": "cek"}, status=422))
    assert "Wajib diisi." in page and ">cek</textarea>" in page
    page = text(post(client, f"/staff/triase/{tid}/dispose?lang=en", {"agency": "ZZZ"}, status=422))
    assert "Unknown agency &#39;ZZZ&#39;." in page
    assert load(app, tid).state == "received"


def test_archive_with_a_reason_and_a_note(client, app, demo):
    tid = triaged(app, "Halo", utcnow())
    sign_in(client, demo, "dispatcher")
    page = text(post(client, f"/staff/triase/{tid}/archive", {"reason": "bogus"}, status=422))
    assert "Pilih salah satu." in page
    post(client, f"/staff/triase/{tid}/archive", {"reason": "duplicate", "note": "Sama dengan ABCD2345"})
    report = load(app, tid)
    assert (report.state, report.archive_reason) == ("archived", "duplicate")
    assert report.events[-1].message == "Sama dengan ABCD2345"
    assert f'id="r-{tid}"' not in get(client, "/staff/triase/")


def test_flags_are_set_once_and_never_cleared(client, app, demo):
    tid = triaged(app, "Pungli", utcnow())
    sign_in(client, demo, "dispatcher")
    page = text(post(client, f"/staff/triase/{tid}/flags", {}, status=422))
    assert "Pilih penanda yang akan dipasang." in page
    post(client, f"/staff/triase/{tid}/flags", {"anonymous": "1"})
    report = load(app, tid)
    assert report.anonymous and not report.confidential
    page = get(client, "/staff/triase/")
    assert "sudah dipasang, tidak dapat dicabut" in page and 'name="confidential"' in page


def test_a_returned_report_shows_why_it_came_back(client, app, demo):
    tid = make(app, "disposed")
    with app.app_context():
        report = db.session.query(Report).filter_by(tracking_id=tid).one()
        workflow.return_report(report, f.staff("tangkab"), utcnow(), "Jalan nasional, bukan kabupaten")
        db.session.commit()
    sign_in(client, demo, "dispatcher")
    page = get(client, "/staff/triase/")
    assert tid in page and "Dikembalikan: bukan wewenang" in page
    assert "Jalan nasional, bukan kabupaten" in page


def test_only_dispatchers_and_sysadmins_work_the_queue(client, app, demo):
    tid = triaged(app, "Jalan rusak", utcnow())
    for username in ("tangkab", "banten"):
        sign_in(client, demo, username)
        assert client.get("/staff/triase/").status_code == 403
        assert client.post(f"/staff/triase/{tid}/dispose", data={"agency": "TANGKAB"}).status_code == 403
        client.post("/staff/logout")
    assert load(app, tid).state == "received"
    sign_in(client, demo, "admin")
    assert tid in get(client, "/staff/triase/")
    assert client.post(f"/staff/triase/{tid}/redispose", data={}).status_code == 404


def test_signed_out_the_queue_asks_to_sign_in(client, demo):
    response = client.get("/staff/triase/")
    assert response.status_code == 302 and "next=/staff/triase/" in response.location


def test_a_stale_form_says_why_nothing_happened(client, app, demo):
    tid = triaged(app, "Jalan rusak", utcnow())
    sign_in(client, demo, "dispatcher")
    post(client, f"/staff/triase/{tid}/dispose", {"agency": "TANGKAB"})
    page = text(post(client, f"/staff/triase/{tid}/dispose", {"agency": "KEMENHUB"}, status=409))
    assert f"Laporan {tid} belum diproses." in page
    assert "tidak dapat dilakukan pada laporan berstatus &#39;Didisposisikan&#39;" in page
    assert load(app, tid).agency.code == "TANGKAB"


def test_the_routers_explanation_reads_in_the_pages_language_without_engine_codes(client, app, demo):
    """The queue and the report page say what the rules concluded in words: no None, no
    True/False, no reason codes, no English summary on an Indonesian page."""
    from lapor import routing

    with app.app_context():  # what routing keeps of a text no rule matches
        kept = routing.plan_route("Halo", "Sekadar menyapa saja", "complaint", "web", None).routing
    assert kept["reason"] == "no_match" and kept["target"] is None and kept["why"]
    kept["rules"] = {"owner": "NASIONAL", "version": 3}
    tid = triaged(app, "Sekadar menyapa", utcnow() - timedelta(hours=1), kept)
    sign_in(client, demo, "dispatcher")
    paths = ("/staff/triase/", f"/staff/laporan/{tid}")
    for path in paths:
        page = get(client, path)
        assert "tidak ada aturan yang cocok" in page and "diuji dengan aturan NASIONAL versi 3" in page, path
        for raw in ("None", "False", "no_match", "no rule matched", "target:"):
            assert raw not in page, (path, raw)
    for path in paths:
        page = get(client, path + "?lang=en")
        assert "tried with the NASIONAL rules, version 3" in page and "no_match" not in page
