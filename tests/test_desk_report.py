"""The report page: reach, the reporter block, and only the actions the viewer's role allows, each through its form."""

from __future__ import annotations

import re

import pytest

from tests.test_desk_support import get, load, make, post, sign_in
from tests.test_web_citizen import text


def forms(page: str) -> list[str]:
    """The action forms on the page, by action."""
    return re.findall(r'action="/staff/laporan/\w+/aksi/(\w+)"', page)


@pytest.mark.parametrize("username, state, holder, expected", [
    ("dispatcher", "received", None, ["dispose", "archive", "flags"]),
    ("dispatcher", "disposed", "TANGKAB", ["redispose", "flags"]),
    ("tangkab", "disposed", "TANGKAB", ["follow_up", "request_info", "redispose", "return"]),
    ("tangkab", "waiting_reporter", "TANGKAB", ["follow_up"]),  # going on without the answer
    ("pupr", "in_progress", "DPUPRTANGKAB", ["follow_up", "request_info", "redispose", "return"]),
    ("banten", "disposed", "TANGKAB", ["escalate"]),
    ("banten", "closed", "TANGKAB", []),
    ("admin", "received", None, ["dispose", "archive", "flags"]),
])
def test_only_the_actions_the_role_may_take_in_this_state(client, app, demo, username, state, holder, expected):
    tid = make(app, state, holder)
    sign_in(client, demo, username)
    page = get(client, f"/staff/laporan/{tid}")
    assert forms(page) == expected
    if not expected:
        assert "Tidak ada tindakan untuk peran Anda pada status ini." in page


def test_an_agency_admin_never_sees_another_agencys_report(client, app, demo):
    tid = make(app, "disposed", "TANGKAB", title="Jalan kabupaten rusak")
    sign_in(client, demo, "kemenhub")
    for response in (client.get(f"/staff/laporan/{tid}"),
                     client.post(f"/staff/laporan/{tid}/aksi/follow_up", data={"message": "x"}),
                     client.get(f"/staff/laporan/{tid}/lampiran/1")):
        assert response.status_code == 404 and "Jalan kabupaten rusak" not in text(response)
    assert load(app, tid).state == "disposed"


def test_a_follow_up_then_a_final_one(client, app, demo):
    tid = make(app, "disposed")
    sign_in(client, demo, "tangkab")
    response = post(client, f"/staff/laporan/{tid}/aksi/follow_up", {"message": "Tim sudah ke lokasi."})
    assert response.location.endswith(f"/staff/laporan/{tid}")
    page = get(client, response.location)
    assert f"Tindak lanjut untuk {tid} sudah dikirim." in page and "Tim sudah ke lokasi." in page
    assert load(app, tid).state == "in_progress"
    post(client, f"/staff/laporan/{tid}/aksi/follow_up", {"message": "Jalan sudah diperbaiki.", "final": "1"})
    assert load(app, tid).state == "resolved"


def test_errors_stay_beside_the_form_in_the_readers_language(client, app, demo):
    tid = make(app, "disposed")
    sign_in(client, demo, "tangkab")
    page = text(post(client, f"/staff/laporan/{tid}/aksi/follow_up", {"message": "  "}, status=422))
    assert "Wajib diisi." in page and 'id="aksi-follow_up" open' in page
    page = text(post(client, f"/staff/laporan/{tid}/aksi/return?lang=en", {"reason": "x" * 301}, status=422))
    assert "Longer than maximum length 300." in page
    page = text(post(client, f"/staff/laporan/{tid}/aksi/archive", {"reason": "spam"}, status=403))
    assert "Your role (Agency admin) may not take this action (archive)." in page
    page = text(post(client, f"/staff/laporan/{tid}/aksi/archive?lang=id", {"reason": "spam"}, status=403))
    assert "Peran Anda (Admin instansi) tidak boleh melakukan tindakan ini (mengarsipkan)." in page
    assert client.post(f"/staff/laporan/{tid}/aksi/explode", data={}).status_code == 404


def test_a_nul_character_is_named_beside_the_form_and_the_text_kept(client, app, demo):
    tid = make(app, "disposed")
    sign_in(client, demo, "tangkab")
    message = "Tim sudah ke lokasi\x00 hari ini."
    page = text(post(client, f"/staff/laporan/{tid}/aksi/follow_up", {"message": message}, status=422))
    assert "Berisi karakter yang tidak diizinkan." in page and 'id="aksi-follow_up" open' in page
    assert "Tim sudah ke lokasi" in page  # what they typed is still in the form
    assert load(app, tid).state == "disposed"
    assert load(app, tid).state == "disposed"


def test_ask_the_reporter_and_return_as_not_our_authority(client, app, demo):
    asked, returned = make(app, "disposed"), make(app, "disposed")
    sign_in(client, demo, "tangkab")
    post(client, f"/staff/laporan/{asked}/aksi/request_info", {"message": "Mohon kirim foto lokasi."})
    report = load(app, asked)
    assert report.state == "waiting_reporter" and report.paused_at is not None
    assert "dijeda: menunggu pelapor" in get(client, f"/staff/laporan/{asked}")
    post(client, f"/staff/laporan/{returned}/aksi/return", {"reason": "Kewenangan Kemenhub"})
    report = load(app, returned)
    assert report.state == "received" and report.agency is None
    assert client.get(f"/staff/laporan/{returned}").status_code == 404  # no longer the agency's


def test_agency_admins_pass_reports_only_to_their_own_units(client, app, demo):
    tid = make(app, "disposed")
    sign_in(client, demo, "tangkab")
    page = get(client, f"/staff/laporan/{tid}")
    choices = re.findall(r'<option value="([A-Z]+)"', page.split('aksi-redispose')[1].split("</form>")[0])
    assert set(choices) == {"DPUPRTANGKAB", "DINKESTANGKAB", "DISDUKTANGKAB"}
    page = text(post(client, f"/staff/laporan/{tid}/aksi/redispose", {"agency": "KEMENHUB"}, status=422))
    assert "KEMENHUB bukan unit di bawah instansi Anda." in page
    post(client, f"/staff/laporan/{tid}/aksi/redispose", {"agency": "DPUPRTANGKAB", "note": "Urusan jalan"})
    assert load(app, tid).agency.code == "DPUPRTANGKAB"


def test_a_coordinator_reprimands_by_hand_with_a_note(client, app, demo):
    tid = make(app, "disposed")
    sign_in(client, demo, "banten")
    page = text(post(client, f"/staff/laporan/{tid}/aksi/escalate", {"level": "reprimand"}, status=422))
    assert "Wajib diisi." in page
    page = text(post(client, f"/staff/laporan/{tid}/aksi/escalate", {"level": "warning", "note": "x"}, status=422))
    assert "Pilih salah satu." in page
    response = post(client, f"/staff/laporan/{tid}/aksi/escalate",
                    {"level": "reprimand", "note": "Segera tindak lanjuti."})
    page = get(client, response.location)
    assert f"Teguran untuk {tid} sudah dicatat." in page and "oleh koordinator" in page
    escalation = load(app, tid).escalations[0]
    assert (escalation.level, escalation.manual, escalation.note) == ("reprimand", True, "Segera tindak lanjuti.")


def test_a_coordinator_cannot_escalate_outside_supervision(client, app, demo):
    tid = make(app, "disposed", "KEMENHUB")
    sign_in(client, demo, "banten")
    assert client.post(f"/staff/laporan/{tid}/aksi/escalate",
                       data={"level": "reprimand", "note": "x"}).status_code == 404


def test_the_page_shows_deadlines_routing_and_the_full_timeline(client, app, demo):
    tid = make(app, "disposed")
    sign_in(client, demo, "tangkab")
    page = get(client, f"/staff/laporan/{tid}")
    assert "Tenggat berjalan" in page and ("sisa " in page or "terlambat " in page)
    assert "Batas waktu tindak lanjut" in page and "Kebijakan SLA" in page
    assert "Laporan diterima" in page


def test_dispatchers_set_flags_from_the_report_page(client, app, demo):
    tid = make(app, "disposed", reporter_name="Budi Santoso")
    sign_in(client, demo, "dispatcher")
    assert "Budi Santoso" in get(client, f"/staff/laporan/{tid}")
    post(client, f"/staff/laporan/{tid}/aksi/flags", {"anonymous": "1", "confidential": "1"})
    page = get(client, f"/staff/laporan/{tid}")
    assert "Budi Santoso" not in page and "Anonim" in page and "flags" not in forms(page)
