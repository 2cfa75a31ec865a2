"""The staff desk's sign-in, list and report page, through the real app, database and worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import User
from tests.factories import agency
from tests.test_web_citizen import FORM, submit, text


def sign_in(client, demo, username: str, **extra):
    credentials = {"username": username, "password": demo[username], **extra}
    response = client.post("/staff/", data=credentials)
    assert response.status_code == 303, text(response)
    return response


@pytest.fixture
def reports(client, demo, run_worker):
    """Routed reports: one for TANGKAB, one anonymous for TANGKAB, one for KEMENHUB."""
    tangkab, _ = submit(client, title="Sampah menumpuk di Cikupa")
    anonymous, _ = submit(client, title="Pungli di kantor desa", anonymous="1",
                          reporter_name="Budi Santoso", reporter_phone="081298765432")
    kemenhub, _ = submit(client, title="Terminal bus kotor", agency="KEMENHUB")
    run_worker()
    return {"tangkab": tangkab, "anonymous": anonymous, "kemenhub": kemenhub}


def test_signed_out_desk_is_the_sign_in_form(client, demo):
    response = client.get("/staff/")
    assert response.status_code == 200
    page = text(response)
    assert "Meja petugas" in page and 'name="username"' in page and 'type="password"' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_password_is_a_401_with_a_clear_message(client, demo):
    response = client.post("/staff/", data={"username": "tangkab", "password": "salah"})
    assert response.status_code == 401
    page = text(response)
    assert "Nama pengguna atau kata sandi salah." in page
    assert 'value="tangkab"' in page and "Meja petugas" in page
    english = client.post("/staff/?lang=en", data={"username": "nobody", "password": "x"})
    assert english.status_code == 401 and "Wrong username or password." in text(english)


def test_sign_in_starts_a_fresh_session_and_shows_who_is_signed_in(client, demo):
    with client.session_transaction() as session:
        session["left_over"] = "from before"
    response = sign_in(client, demo, "tangkab")
    assert response.location.endswith("/staff/")
    with client.session_transaction() as session:
        # The cookie holds a session key only: the session itself is kept on the server.
        assert set(session) == {"sid"} and len(session["sid"]) >= 40
    page = text(client.get("/staff/"))
    assert "Demo tangkab" in page and "Admin instansi" in page
    assert "Pemerintah Kabupaten Tangerang" in page and "Laporan dalam wewenang Anda" in page


def test_sign_out_ends_the_session(client, demo):
    sign_in(client, demo, "tangkab")
    response = client.post("/staff/logout")
    assert response.status_code == 303
    page = text(client.get(response.location))
    assert "Anda sudah keluar." in page and 'name="password"' in page
    with client.session_transaction() as session:
        assert "sid" not in session


def test_a_form_sent_after_the_session_ended_comes_back_to_its_page_after_sign_in(client, app, demo):
    from tests.test_desk_support import make

    tid = make(app, "disposed", "TANGKAB")
    refused = client.post(f"/staff/laporan/{tid}/aksi/follow_up", data={"message": "Sudah dicek."})
    assert refused.status_code in (302, 303)
    target = parse_qs(urlparse(refused.location).query)["next"][0]
    assert target == f"/staff/laporan/{tid}"
    signed = sign_in(client, demo, "tangkab", next=target)
    assert client.get(signed.location).status_code == 200
    client.post("/staff/logout")
    calendar = client.post("/staff/kalender/", data={"date": "2026-12-24"})
    assert parse_qs(urlparse(calendar.location).query)["next"][0] == "/staff/kalender/"


@pytest.mark.parametrize("target", ["/staff/\r\nSet-Cookie: x=1", "/staff/\n", "/staff/\x00"])
def test_a_next_with_a_control_character_lands_on_the_desk(client, demo, target):
    response = sign_in(client, demo, "tangkab", next=target)
    assert response.location.endswith("/staff/")


def test_an_unknown_username_is_refused_after_checking_a_password_hash_all_the_same(client, demo, monkeypatch):
    """So the time a refusal takes does not tell whether an account exists (the real hash
    function runs; it is only counted)."""
    from lapor import auth

    checked = []
    real = auth.check_password_hash

    def counted(hashed, password):
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(auth, "check_password_hash", counted)
    for username in ("tidak-ada-orangnya", ""):
        assert client.post("/staff/", data={"username": username, "password": "salah"}).status_code == 401
    assert len(checked) == 2


def test_a_copy_of_the_cookie_taken_before_sign_out_no_longer_signs_in(client, demo):
    sign_in(client, demo, "dispatcher")
    copied = client.get_cookie("session").value
    assert client.post("/staff/logout").status_code == 303
    client.set_cookie("session", copied)
    page = text(client.get("/staff/"))
    assert "Demo dispatcher" not in page and 'name="password"' in page


def test_a_new_password_ends_every_desk_session(client, demo, cli):
    sign_in(client, demo, "tangkab")
    assert "Demo tangkab" in text(client.get("/staff/"))
    assert cli("users", "password", "tangkab", "--password", "kata-sandi-baru-1").exit_code == 0
    assert 'name="password"' in text(client.get("/staff/"))


def test_a_deactivation_ends_every_desk_session_and_letting_back_revives_none(client, demo, cli):
    sign_in(client, demo, "tangkab")
    assert cli("users", "deactivate", "tangkab").exit_code == 0
    assert 'name="password"' in text(client.get("/staff/"))
    assert cli("users", "activate", "tangkab").exit_code == 0
    assert 'name="password"' in text(client.get("/staff/"))


def test_a_session_ends_after_its_idle_time_and_its_lifetime(client, demo, app, monkeypatch):
    from lapor.models import StaffSession

    sign_in(client, demo, "tangkab")
    settings = app.config["LAPOR"]
    with app.app_context():
        row = db.session.scalars(select(StaffSession)).one()
        row.seen_at -= timedelta(seconds=settings.session_idle_seconds - 60)
        db.session.commit()
    assert "Demo tangkab" in text(client.get("/staff/"))  # used in time: its idle time starts again
    with app.app_context():
        row = db.session.scalars(select(StaffSession)).one()
        assert utcnow() - row.seen_at < timedelta(minutes=1)
        row.seen_at -= timedelta(seconds=settings.session_idle_seconds + 60)
        db.session.commit()
    assert 'name="password"' in text(client.get("/staff/"))
    sign_in(client, demo, "tangkab")
    with app.app_context():
        row = db.session.scalars(select(StaffSession).where(StaffSession.ended_at.is_(None))
                                 .order_by(StaffSession.id.desc())).first()
        row.created_at -= timedelta(seconds=settings.session_max_age_seconds + 60)
        db.session.commit()
    assert 'name="password"' in text(client.get("/staff/"))


def test_desk_lists_only_reports_within_reach(client, demo, reports):
    # Their order (overdue first, then due soonest) is tested in test_desk_inbox.py.
    sign_in(client, demo, "tangkab")
    page = text(client.get("/staff/"))
    assert reports["tangkab"] in page and reports["anonymous"] in page
    assert reports["kemenhub"] not in page and "Terminal bus kotor" not in page
    assert "Didisposisikan" in page and "Pemerintah Kabupaten Tangerang" in page
    assert "Siti Aminah" in page


def test_anonymous_reporter_is_never_shown_to_the_agency(client, demo, reports):
    sign_in(client, demo, "tangkab")
    for path in ("/staff/", f"/staff/laporan/{reports['anonymous']}"):
        page = text(client.get(path))
        assert "Budi" not in page and "081298765432" not in page
        assert "Anonim" in page


def test_system_admin_sees_an_anonymous_reporter(client, demo, reports):
    sign_in(client, demo, "admin")
    page = text(client.get(f"/staff/laporan/{reports['anonymous']}"))
    assert "Budi Santoso" in page and "081298765432" in page


def test_report_page_shows_the_timeline_and_the_reporter(client, demo, reports):
    sign_in(client, demo, "tangkab")
    response = client.get(f"/staff/laporan/{reports['tangkab']}")
    assert response.status_code == 200
    page = text(response)
    assert "Sampah menumpuk di Cikupa" in page and FORM["body"] in page
    assert "Laporan diterima" in page and "Didisposisikan ke Pemerintah Kabupaten Tangerang" in page
    assert "Siti Aminah" in page and "siti@example.id" in page
    assert " WIB" in page


def test_report_outside_reach_is_404(client, demo, reports):
    sign_in(client, demo, "tangkab")
    response = client.get(f"/staff/laporan/{reports['kemenhub']}")
    assert response.status_code == 404
    assert "Terminal bus kotor" not in text(response)
    assert client.get("/staff/laporan/ZZZZZZZZ").status_code == 404


def test_signed_out_report_page_asks_to_sign_in_and_returns_there(client, demo, reports):
    path = f"/staff/laporan/{reports['tangkab']}"
    response = client.get(path)
    assert response.status_code == 302 and "/staff/?next=" in response.location
    assert sign_in(client, demo, "tangkab", next=path).location.endswith(path)


def test_sign_in_never_redirects_off_the_desk(client, demo):
    for target in ("https://evil.example/", "//evil.example/staff/", "/staff//evil.example"):
        assert sign_in(client, demo, "tangkab", next=target).location.endswith("/staff/")


def test_staff_read_times_in_their_agencys_zone(client, demo, app, run_worker):
    tid, _ = submit(client, agency="MAKASSAR")
    run_worker()
    with app.app_context():
        user = User(username="makassar", role="agency_admin", agency=agency("MAKASSAR"),
                    full_name="Andi Makassar", created_at=datetime(2026, 3, 2, tzinfo=UTC))
        user.set_password("rahasia-makassar")
        db.session.add(user)
        db.session.commit()
    sign_in(client, {"makassar": "rahasia-makassar"}, "makassar")
    page = text(client.get(f"/staff/laporan/{tid}"))
    assert " WITA" in page and " WIB" not in page


def test_sessions_long_over_are_let_go_at_the_next_sign_in(client, demo, app):
    from lapor.models import StaffSession

    sign_in(client, demo, "tangkab")
    with app.app_context():
        row = db.session.scalars(select(StaffSession)).one()
        row.created_at -= timedelta(days=40)
        db.session.commit()
    sign_in(client, demo, "tangkab")
    with app.app_context():
        [kept] = db.session.scalars(select(StaffSession)).all()
        assert utcnow() - kept.created_at < timedelta(minutes=1)


def test_a_form_refused_because_the_session_ended_gives_back_what_was_typed(csrf_client, app, demo):
    """With the session gone its CSRF token is too: the follow-up is refused, but the text comes
    back to copy (not to send again from the error page, which would pass the check by), with a
    way back to the report through the sign-in."""
    import re

    from tests.test_desk_rules import token_of
    from tests.test_desk_support import make

    tid = make(app, "disposed", "TANGKAB")
    login = text(csrf_client.get("/staff/"))
    csrf_client.post("/staff/", data={"username": "tangkab", "password": demo["tangkab"],
                                      "csrf_token": token_of(login)})
    token = token_of(text(csrf_client.get(f"/staff/laporan/{tid}")))
    csrf_client.delete_cookie("session")
    written = "Tim kami sudah memeriksa saluran di Jalan Raya Serang km 12 bersama warga."
    refused = csrf_client.post(f"/staff/laporan/{tid}/aksi/follow_up", data={"message": written, "csrf_token": token})
    page = text(refused)
    assert refused.status_code == 400 and written in page
    assert 'class="resend"' not in page and refused.headers["Cache-Control"] == "no-store"
    back = re.search(r'href="([^"]*)">Kembali ke meja petugas', page).group(1)
    assert parse_qs(urlparse(back.replace("&amp;", "&")).query)["next"] == [f"/staff/laporan/{tid}"]


def test_a_missing_desk_page_leads_back_to_the_desk_not_to_tracking(client, demo):
    sign_in(client, demo, "tangkab")
    missing = client.get("/staff/laporan/LPR-TIDAKADA")
    page = text(missing)
    assert missing.status_code == 404 and "Kembali ke meja petugas" in page
    assert "nomor pelacakan" not in page


def test_the_language_switch_on_a_refused_form_stays_on_its_page(client, app, demo):
    import re

    from tests.test_desk_support import make

    tid = make(app, "disposed", "TANGKAB")
    sign_in(client, demo, "tangkab")
    refused = client.post(f"/staff/laporan/{tid}/aksi/follow_up", data={"message": ""})
    assert refused.status_code == 422
    assert re.findall(r'href="([^"]*)" hreflang="en"', text(refused)) == [f"/staff/laporan/{tid}?lang=en"]
    client.post("/staff/logout")
    sign_in(client, demo, "admin")
    calendar = client.post("/staff/kalender/", data={"date": "bukan tanggal", "kind": "closure"})
    assert calendar.status_code == 422
    assert re.findall(r'href="([^"]*)" hreflang="en"', text(calendar)) == ["/staff/kalender/?lang=en"]


def test_signing_in_over_someone_elses_session_ends_it(client, demo):
    """On a shared computer the next person signs in without the first signing out: a copy of
    the first person's cookie no longer works."""
    sign_in(client, demo, "tangkab")
    left_behind = client.get_cookie("session").value
    sign_in(client, demo, "dispatcher")
    assert "Demo dispatcher" in text(client.get("/staff/"))
    client.set_cookie("session", left_behind)
    assert 'name="password"' in text(client.get("/staff/"))
