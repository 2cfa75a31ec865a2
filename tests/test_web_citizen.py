"""The citizens' site, through the real app, database and worker."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lapor import access, workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Report
from tests.factories import staff

FORM = {
    "title": "Sampah menumpuk di depan pasar",
    "body": "Sampah menumpuk di depan Pasar Cikupa, sudah dua minggu tidak diangkut.",
    "type": "complaint",
    "agency": "TANGKAB",
    "location": "Pasar Cikupa",
    "reporter_name": "Siti Aminah",
    "reporter_phone": "081234567890",
    "reporter_email": "siti@example.id",
}
PRIVATE_LINK = re.compile(r"/laporan/([A-Z0-9]{8})\?akses=([\w-]+)")


def text(response) -> str:
    return response.get_data(as_text=True)


def private_link(page: str) -> tuple[str, str]:
    found = PRIVATE_LINK.search(page)
    assert found, page
    return found.group(1), found.group(2)


def submit(client, **changes) -> tuple[str, str]:
    """Send the form as a browser does; return the tracking ID and the private token."""
    data = {k: v for k, v in {**FORM, **changes}.items() if v is not None}
    response = client.post("/", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, text(response)
    return private_link(text(client.get(response.location)))


def private(client, tid, token, **query) -> str:
    response = client.get(f"/laporan/{tid}", query_string={"akses": token, **query})
    assert response.status_code == 200
    return text(response)


def staff_does(app, tid, action, *args, username="tangkab"):
    """A staff member moves the report through the workflow, as the desk will."""
    with app.app_context():
        actor = staff(username)
        report = access.staff_report(actor, tid, for_update=True)
        getattr(workflow, action)(report, actor, utcnow(), *args)
        db.session.commit()


def stored(app, tid) -> Report:
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tid)).one()
        assert report.events  # loaded now, readable after the session is gone
        db.session.expunge(report)
        return report


def count_reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Report))


@pytest.fixture
def routed(client, demo, run_worker):
    """A web report the worker has dispositioned to TANGKAB: (tracking ID, token)."""
    tid, token = submit(client)
    run_worker()
    return tid, token


# The home page and the form


def test_home_shows_the_report_form_in_indonesian(client, demo):
    page = text(client.get("/"))
    assert '<html lang="id">' in page
    for words in ("Sampaikan laporan Anda", "Judul laporan", "Isi laporan", "Pengaduan", "Aspirasi",
                  "Permintaan informasi", "Tanggal kejadian", "Lokasi kejadian", "Pilih instansi",
                  "Pemerintah Kabupaten Tangerang", "Pilih kategori", "Jalan dan jembatan",
                  'type="file"', 'enctype="multipart/form-data"', 'maxlength="200"',
                  "Anonim", "Rahasia",
                  "Identitas Anda disembunyikan", "tidak ditampilkan di halaman publik",
                  "Nomor telepon", "Lacak laporan", "Laporan terbaru", 'name="csrf_token"'):
        assert words in page, words
    assert "//cdn" not in page and "https://" not in page


def test_submitted_form_is_stored_as_a_web_report_and_routed(client, demo, app, run_worker):
    from tests.test_attachments import tiny_png

    png = tiny_png()
    tid, token = submit(client, category="jalan", event_date="2026-01-05",
                        attachments=[(io.BytesIO(png), "lubang.png")])
    report = stored(app, tid)
    assert (report.channel, report.state, report.title) == ("web", "received", FORM["title"])
    assert (report.reporter_name, report.reporter_phone) == ("Siti Aminah", "081234567890")
    assert str(report.event_date) == "2026-01-05" and report.location == "Pasar Cikupa"
    assert report.policy_code == "reguler"  # from the category
    run_worker()
    page = private(client, tid, token)
    assert "Didisposisikan" in page and "Pemerintah Kabupaten Tangerang" in page
    assert "lubang.png" in page and "Jalan dan jembatan" in page and "5 Januari 2026" in page


def test_confirmation_shows_the_tracking_id_and_private_link_once(client, demo):
    response = client.post("/", data=FORM)
    assert response.status_code == 303
    page = text(client.get(response.location))
    tid, token = private_link(page)
    assert f'<p class="tracking-id">{tid}</p>' in page
    assert f"http://localhost/laporan/{tid}?akses={token}" in page
    assert "hanya ditampilkan sekali" in page
    again = client.get(response.location)
    assert again.status_code == 302 and token not in text(again)
    assert again.location.endswith(f"/laporan/{tid}")


def test_invalid_form_shows_errors_beside_the_fields_and_keeps_the_text(client, demo, app):
    response = client.post("/", data={**FORM, "title": "x", "reporter_phone": "bukan nomor",
                                      "reporter_email": "siti@", "event_date": "2999-01-01"})
    assert response.status_code == 422
    page = text(response)
    assert "Laporan belum terkirim" in page
    assert '<p class="error" id="title-error">Panjang harus antara 5 dan 200 karakter.</p>' in page
    assert '<p class="error" id="reporter_phone-error">Nomor telepon tidak valid.</p>' in page
    assert '<p class="error" id="reporter_email-error">Alamat email tidak valid.</p>' in page
    assert "Tanggal kejadian tidak boleh di masa depan." in page
    assert f">{FORM['body']}</textarea>" in page  # the citizen's text is not lost
    assert 'value="bukan nomor"' in page and '<option value="TANGKAB" selected>' in page
    assert count_reports(app) == 0


def test_missing_body_is_required_in_english_when_english_is_chosen(client, demo):
    response = client.post("/?lang=en", data={**FORM, "body": "  "})
    assert response.status_code == 422
    page = text(response)
    assert "Your report has not been sent yet" in page
    assert '<p class="error" id="body-error">Missing data for required field.</p>' in page


def test_fake_png_that_is_text_is_refused_and_the_text_kept(client, demo, app):
    fake = (io.BytesIO(b"ini bukan gambar, hanya teks"), "foto.png")
    response = client.post("/", data={**FORM, "attachments": [fake]},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert "Jenis lampiran &#39;foto.png&#39; tidak diizinkan (hanya JPEG, PNG, PDF)." in page
    assert "Pilih ulang lampiran Anda" in page
    assert f'value="{FORM["title"]}"' in page
    assert count_reports(app) == 0


def test_unknown_agency_from_a_tampered_form_is_an_inline_error(client, demo):
    response = client.post("/", data={**FORM, "agency": "NOPE", "category": "nope"})
    assert response.status_code == 422
    page = text(response)
    assert "Instansi &#39;NOPE&#39; tidak dikenal." in page
    assert "Kategori &#39;nope&#39; tidak dikenal." in page


def test_home_lists_recent_public_reports_with_state_labels(client, demo, run_worker):
    public, _ = submit(client, title="Lampu jalan padam total")
    hidden, _ = submit(client, title="Pungutan liar di kelurahan", confidential="1")
    run_worker()
    page = text(client.get("/"))
    assert "Lampu jalan padam total" in page and f"/laporan/{public}" in page
    assert "Didisposisikan" in page
    assert "Pungutan liar" not in page and hidden not in page


# Tracking


def test_tracking_box_leads_to_the_public_page(client, demo):
    tid, _ = submit(client)
    response = client.get("/lacak", query_string={"id": f" {tid.lower()} "})
    assert response.status_code == 302 and response.location.endswith(f"/laporan/{tid}")


def test_unknown_tracking_id_is_a_friendly_404_in_the_citizens_language(client, demo):
    response = client.get("/lacak?id=ZZZZZZZZ")
    assert response.status_code == 404
    page = text(response)
    assert "Laporan tidak ditemukan." in page and "Periksa kembali nomor pelacakan" in page
    assert 'action="/lacak"' in page
    english = text(client.get("/lacak?id=ZZZZZZZZ&lang=en"))
    assert "Report not found." in english and "check your tracking number" in english


def test_public_page_shows_progress_but_never_the_reporter(client, demo, routed):
    tid, _ = routed
    response = client.get(f"/laporan/{tid}")
    page = text(response)
    assert response.status_code == 200
    assert FORM["title"] in page and "Didisposisikan ke Pemerintah Kabupaten Tangerang" in page
    for secret in ("Siti", "081234567890", "siti@example.id", "akses=", 'action="/laporan'):
        assert secret not in page


def test_confidential_report_is_404_publicly_and_opens_with_the_private_link(client, demo):
    tid, token = submit(client, confidential="1")
    assert client.get(f"/laporan/{tid}").status_code == 404
    assert client.get(f"/lacak?id={tid}").status_code == 404
    assert "Rahasia" in private(client, tid, token)


def test_wrong_token_is_404_without_a_hint(client, demo):
    tid, _ = submit(client, confidential="1")
    response = client.get(f"/laporan/{tid}?akses=tebakan")
    assert response.status_code == 404 and FORM["title"] not in text(response)


def test_private_view_shows_identity_times_in_wib_and_deadline(client, demo, app, routed):
    tid, token = routed
    page = private(client, tid, token)
    assert "Tampilan pribadi pelapor" in page
    assert "Siti Aminah" in page and "081234567890" in page
    report = stored(app, tid)
    local = report.received_at.astimezone(ZoneInfo("Asia/Jakarta"))
    assert f"pukul {local:%H.%M} WIB" in page
    assert "Batas waktu tindak lanjut" in page
    response = client.get(f"/laporan/{tid}", query_string={"akses": token})
    assert response.headers["Cache-Control"] == "no-store"


# The reporter's forms, state by state


def forms_on(page: str, tid: str) -> set[str]:
    names = ("balas", "konfirmasi", "nilai")
    return {name for name in names if f'action="/laporan/{tid}/{name}"' in page}


def test_private_view_offers_the_forms_that_fit_each_state(client, demo, app, routed):
    tid, token = routed
    assert forms_on(private(client, tid, token), tid) == {"balas"}
    staff_does(app, tid, "request_info", "Mohon kirim foto lokasi.")
    page = private(client, tid, token)
    assert forms_on(page, tid) == {"balas"}
    assert "Instansi menunggu jawaban Anda" in page and "Mohon kirim foto lokasi." in page
    client.post(f"/laporan/{tid}/balas", data={"akses": token, "message": "Foto terlampir."})
    staff_does(app, tid, "follow_up", "Jalan sudah ditambal.", True)
    assert forms_on(private(client, tid, token), tid) == {"konfirmasi"}
    client.post(f"/laporan/{tid}/konfirmasi", data={"akses": token, "satisfied": "true"})
    assert forms_on(private(client, tid, token), tid) == {"nilai"}
    client.post(f"/laporan/{tid}/nilai", data={"akses": token, "rating": "4"})
    assert forms_on(private(client, tid, token), tid) == set()


def test_citizen_answers_the_agencys_question_and_the_report_moves_on(client, demo, app, routed):
    tid, token = routed
    staff_does(app, tid, "request_info", "Mohon kirim foto lokasi.")
    response = client.post(f"/laporan/{tid}/balas",
                           data={"akses": token, "message": "Sudah saya foto."})
    assert response.status_code == 303
    assert response.location.endswith(f"/laporan/{tid}?akses={token}")
    page = text(client.get(response.location))
    assert "Balasan Anda sudah dikirim ke instansi." in page
    assert "Balasan pelapor" in page and "Sudah saya foto." in page
    assert stored(app, tid).state == "in_progress"


def test_empty_reply_is_an_inline_error_and_nothing_changes(client, demo, app, routed):
    tid, token = routed
    response = client.post(f"/laporan/{tid}/balas", data={"akses": token, "message": "   "})
    assert response.status_code == 422
    assert '<p class="error" id="message-error">Wajib diisi.</p>' in text(response)
    assert [e.kind for e in stored(app, tid).events] == ["submitted", "disposed"]


def test_citizen_can_answer_not_satisfied_and_the_report_reopens(client, demo, app, routed):
    tid, token = routed
    staff_does(app, tid, "follow_up", "Jalan sudah ditambal.", True)
    answer = {"akses": token, "satisfied": "false", "comment": "Masih berlubang."}
    response = client.post(f"/laporan/{tid}/konfirmasi", data=answer)
    assert response.status_code == 303
    page = text(client.get(response.location))
    assert "Laporan Anda dibuka kembali" in page
    assert "Pelapor belum puas; dibuka kembali" in page and "Masih berlubang." in page
    assert stored(app, tid).state == "in_progress"


def test_citizen_confirms_satisfied_then_rates_once(client, demo, app, routed):
    tid, token = routed
    staff_does(app, tid, "follow_up", "Jalan sudah diaspal.", True)
    client.post(f"/laporan/{tid}/konfirmasi", data={"akses": token, "satisfied": "true"})
    assert stored(app, tid).state == "closed"
    response = client.post(f"/laporan/{tid}/nilai",
                           data={"akses": token, "rating": "5", "comment": "Cepat sekali."})
    page = text(client.get(response.location))
    assert "Terima kasih atas penilaian Anda." in page and "Pelapor memberi nilai 5/5" in page
    assert stored(app, tid).rating == 5
    again = client.post(f"/laporan/{tid}/nilai", data={"akses": token, "rating": "1"})
    assert again.status_code == 409
    assert "Laporan ini sudah dinilai." in text(again)
    assert stored(app, tid).rating == 5


def test_confirmation_without_a_choice_asks_for_one(client, demo, app, routed):
    tid, token = routed
    staff_does(app, tid, "follow_up", "Selesai.", True)
    response = client.post(f"/laporan/{tid}/konfirmasi", data={"akses": token, "comment": "Hmm"})
    assert response.status_code == 422
    page = text(response)
    assert '<p class="error" id="satisfied-error">Wajib diisi.</p>' in page
    assert ">Hmm</textarea>" in page


def test_refused_action_shows_its_message_on_the_page(client, demo, routed):
    tid, token = routed
    response = client.post(f"/laporan/{tid}/konfirmasi", data={"akses": token, "satisfied": "true"})
    assert response.status_code == 409
    page = text(response)
    assert "Tindakan tidak dapat dilakukan" in page
    assert "Tindakan &#39;menyatakan puas&#39; tidak dapat dilakukan pada laporan berstatus " \
           "&#39;Didisposisikan&#39;." in page
    assert "Traceback" not in page and "state_conflict" not in page


def test_actions_need_the_reporters_token(client, demo, app, routed):
    tid, _ = routed
    response = client.post(f"/laporan/{tid}/balas", data={"akses": "tebakan", "message": "Halo"})
    assert response.status_code == 404
    assert len(stored(app, tid).events) == 2


# Escaping, language, CSRF


def test_report_text_is_always_escaped(client, demo, app, run_worker):
    script = "<script>alert(1)</script>"
    tid, token = submit(client, title=f"Judul {script}", body=f"Isi laporan {script}")
    run_worker()
    client.post(f"/laporan/{tid}/balas", data={"akses": token, "message": f"Balasan {script}"})
    public, home = text(client.get(f"/laporan/{tid}")), text(client.get("/"))
    for page in (private(client, tid, token), public, home):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert script not in page


def test_language_switch_on_every_page_and_remembered(client, demo, routed):
    tid, token = routed
    english = client.get("/?lang=en")
    assert '<html lang="en">' in text(english) and "Submit your report" in text(english)
    assert "lang=en" in english.headers["Set-Cookie"]
    assert "Submit your report" in text(client.get("/"))  # the cookie remembers
    page = private(client, tid, token)
    assert "Reporter&#39;s private view" in page and "Dispositioned to" in page
    assert f'href="/laporan/{tid}?akses={token}&amp;lang=id"' in page
    assert "Sampaikan laporan Anda" in text(client.get("/?lang=id"))


def test_pages_open_in_indonesian_whatever_the_browser_prefers(client, demo):
    page = text(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}))
    assert "Submit your report" not in page
    assert "Submit your report" in text(client.get("/?lang=en"))


def test_page_answering_a_post_switches_language_to_its_get_address(client, demo, routed):
    tid, token = routed
    page = text(client.post(f"/laporan/{tid}/balas", data={"akses": token, "message": ""}))
    assert f'href="/laporan/{tid}?akses={token}&amp;lang=en"' in page


@pytest.fixture
def csrf_client(settings, app, demo):
    """A client of an app with CSRF protection on, as in production."""
    from lapor.app import create_app

    return create_app(settings, TESTING=True).test_client()


@pytest.mark.parametrize("path", ["/", "/staff/", "/staff/logout", "/laporan/ABCDEFGH/balas"])
def test_form_post_without_the_csrf_token_is_refused_with_a_clear_400_page(csrf_client, path):
    response = csrf_client.post(path, data={**FORM, "username": "admin", "password": "x"})
    assert response.status_code == 400
    page = text(response)
    assert "Formulir kedaluwarsa; muat ulang halaman dan coba lagi." in page
    assert '<html lang="id">' in page


def test_form_post_with_the_csrf_token_from_the_page_is_accepted(csrf_client, app):
    page = text(csrf_client.get("/"))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = csrf_client.post("/", data={**FORM, "csrf_token": csrf})
    assert response.status_code == 303
    assert count_reports(app) == 1


def test_a_reports_times_are_shown_in_its_agencys_zone(client, demo, app, run_worker):
    """Jayapura counts its deadlines in its own office hours (WIT): its reporters read them, and
    its site lists its reports, in WIT; a report no agency has yet reads in WIB."""
    wit = ZoneInfo("Asia/Jayapura")
    tid, token = submit(client, agency="JAYAPURA")
    run_worker()
    report = stored(app, tid)
    due = report.followup_due_at.astimezone(wit)
    assert f"pukul {due:%H.%M} WIT" in private(client, tid, token)
    assert f"pukul {due:%H.%M} WIT" in text(client.get(f"/laporan/{tid}"))
    received = report.received_at.astimezone(wit)
    site = text(client.get("/", headers={"Host": "jayapura.lapor.test"}))
    assert tid in site and f"pukul {received:%H.%M} WIT" in site
    waiting, token = submit(client)  # not routed yet: no agency has it
    assert "WIB" in private(client, waiting, token) and "WIT" not in private(client, waiting, token)


def test_a_refused_reply_keeps_the_text_the_citizen_wrote(client, demo, app, run_worker):
    """The agency resolves the report while the citizen writes an answer to its question: the
    answer is refused (the report is resolved now), and what was written stays on the page."""
    tid, token = submit(client)
    run_worker()
    staff_does(app, tid, "request_info", "Mohon kirim foto lokasi.")
    staff_does(app, tid, "follow_up", "Jalan sudah ditambal.", True)
    message = "Lubang kedua ada di depan toko bangunan Sinar Jaya, belum ditambal sama sekali."
    response = client.post(f"/laporan/{tid}/balas", data={"akses": token, "message": message})
    assert response.status_code == 409 and message in text(response)
    assert response.headers["Cache-Control"].startswith("no-store")


def test_a_private_link_cut_short_shows_a_public_report_publicly_and_a_confidential_one_not_at_all(client, demo):
    tid, token = submit(client)
    cut = client.get(f"/laporan/{tid}", query_string={"akses": token[:10]})
    page = text(cut)
    assert cut.status_code == 200 and FORM["title"] in page and "Tautan pribadi ini tidak lengkap" in page
    assert FORM["reporter_name"] not in page and FORM["reporter_phone"] not in page
    assert 'name="message"' not in page  # no reply form: that needs the whole link
    secret, token = submit(client, confidential="1")
    assert client.get(f"/laporan/{secret}", query_string={"akses": token[:10]}).status_code == 404
    assert client.get(f"/laporan/{secret}", query_string={"akses": token}).status_code == 200


def test_the_follow_up_deadline_is_shown_only_while_it_runs(client, demo, app, run_worker):
    """Met by the agency's first follow-up: after it the page no longer shows a deadline that
    may be past by now, as if the agency were late."""
    tid, token = submit(client)
    run_worker()
    assert "Batas waktu tindak lanjut" in private(client, tid, token)
    staff_does(app, tid, "follow_up", "Sedang kami periksa ke lokasi.")
    page = private(client, tid, token)
    assert "Diproses" in page and "Batas waktu tindak lanjut" not in page
