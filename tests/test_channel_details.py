"""Channel details citizens and 311 apps meet: SMS charsets, words, answers and lengths; Open311's
expected date, status filter and errors."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import quote_from_bytes, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lapor.channels.sms import HELP, decode_text, fit_one_sms, fits_one_sms, is_gsm7, parse_sms, reply_status
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Report
from tests import factories

OWNER = "081234567890"
OWNER_E164 = "+6281234567890"
KEYWORDS = {"TANGKAB", "KEMENHUB"}


def send(client, text, sender=OWNER, msg_id=None, **extra):
    params = {"from": sender, "to": "1708", "text": text, "id": msg_id or str(uuid.uuid4()),
              "ts": "1795479040", **extra}
    return client.get("/channels/sms/kannel?" + urlencode(params))


def all_reports(app):
    with app.app_context():
        rows = db.session.scalars(select(Report).order_by(Report.id)).all()
        db.session.expunge_all()
        return rows


# --- SMS: charsets -----------------------------------------------------------------------

def test_windows_1252_text_is_decoded_as_windows_1252():
    # Kannel names WINDOWS-1252 for 7-bit text; 0x80-0x9F are €, curly quotes, dashes there.
    text = "Jum’at kemarin “banjir” – biaya €5"
    assert decode_text(text.encode("cp1252"), "WINDOWS-1252", "0") == text


def test_windows_1252_sms_arrives_intact_through_the_gateway(client, demo, app):
    text = "TANGKAB Sejak Jum’at jalan “ambles” – bahaya"
    raw = quote_from_bytes(text.encode("cp1252"))
    path = (f"/channels/sms/kannel?from={OWNER}&to=1708&id={uuid.uuid4()}"
            f"&charset=WINDOWS-1252&coding=0&text={raw}")
    assert client.get(path).status_code == 200
    [report] = all_reports(app)
    assert report.body == "Sejak Jum’at jalan “ambles” – bahaya"


# --- SMS: grammar --------------------------------------------------------------------------

def test_bantuan_with_a_question_mark_is_the_help_command_not_a_report():
    assert parse_sms("BANTUAN?", KEYWORDS) == HELP
    assert parse_sms("Bantuan?", KEYWORDS) == HELP


def test_bantuan_with_a_question_mark_makes_no_report(client, demo, app):
    send(client, "BANTUAN?")
    assert all_reports(app) == []


def test_cek_with_a_trailing_question_mark_checks_the_report():
    command = parse_sms("CEK ABCD2345?", KEYWORDS)
    assert (command.kind, command.tracking_id) == ("check", "ABCD2345")


# --- SMS: BALAS on a resolved report -------------------------------------------------------

def _resolved_by_sms(app):
    with app.app_context():
        report = factories.report("resolved", holder="TANGKAB", channel="sms",
                                  reporter_phone=OWNER_E164, now=utcnow() - timedelta(hours=2))
        db.session.commit()
        return report.tracking_id


def _state_and_messages(app, tracking_id):
    with app.app_context():
        report = db.session.scalars(select(Report).filter_by(tracking_id=tracking_id)).one()
        return report.state, [(e.kind, e.message) for e in report.events]


def test_sms_reporter_not_satisfied_reopens_the_resolved_report_with_the_reason(client, demo, app):
    tracking_id = _resolved_by_sms(app)
    answer = send(client, f"BALAS {tracking_id} tidak puas, belum diperbaiki, lubangnya masih ada")
    assert "dibuka kembali" in answer.get_data(as_text=True)
    state, events = _state_and_messages(app, tracking_id)
    assert state == "in_progress"
    assert ("reopened", "belum diperbaiki, lubangnya masih ada") in events


def test_sms_reporter_satisfied_closes_the_resolved_report(client, demo, app):
    tracking_id = _resolved_by_sms(app)
    assert "ditutup" in send(client, f"BALAS {tracking_id} PUAS").get_data(as_text=True)
    assert _state_and_messages(app, tracking_id)[0] == "closed"


def test_an_sms_answer_that_says_neither_is_told_how_and_changes_nothing(client, demo, app):
    tracking_id = _resolved_by_sms(app)
    answer = send(client, f"BALAS {tracking_id} terima kasih pak").get_data(as_text=True)
    assert f"BALAS {tracking_id} PUAS" in answer and f"BALAS {tracking_id} TIDAK PUAS" in answer
    state, events = _state_and_messages(app, tracking_id)
    assert state == "resolved" and "terima kasih pak" not in {message for _, message in events}


# --- SMS lengths ---------------------------------------------------------------------------

def _fits_one_sms(text: str) -> bool:
    return len(text) <= (160 if is_gsm7(text) else 70)


@given(st.text(max_size=300), st.text(max_size=300), st.text(max_size=100))
@settings(max_examples=300, deadline=None)
def test_whatever_the_parts_the_text_goes_as_one_sms(head, middle, tail):
    text = fit_one_sms(head, middle, tail)
    assert fits_one_sms(text)
    if fits_one_sms(head + " ".join(middle.split()) + tail):
        assert text == head + " ".join(middle.split()) + tail


def test_the_final_follow_up_sms_says_how_to_answer_by_sms(app, demo):
    from lapor import workflow
    from lapor.models import OutgoingMessage, ReportEvent
    from lapor.notify import notify

    with app.app_context():
        report = factories.report("disposed", holder="DPUPRTANGKAB", channel="sms", reporter_phone=OWNER_E164)
        workflow.follow_up(report, factories.staff("pupr"), utcnow(), "Jalan sudah ditambal. " * 20, final=True)
        db.session.commit()
        event = db.session.scalars(select(ReportEvent).where(ReportEvent.kind == "resolved")).one()
        notify({"event_id": event.id, "audience": "reporter"}, utcnow())
        [text] = db.session.scalars(select(OutgoingMessage.body).where(OutgoingMessage.channel == "sms")).all()
        tracking_id = report.tracking_id
    assert text.startswith(f"Laporan {tracking_id} selesai ditindaklanjuti Dinas PUPR Kabupaten Tangerang: Jalan")
    assert text.endswith(f"... Puas? BALAS {tracking_id} PUAS, atau BALAS {tracking_id} TIDAK PUAS <alasan>")
    assert fits_one_sms(text) and is_gsm7(text)


def test_truncated_notification_sms_stays_in_the_gsm_alphabet_and_one_sms():
    from lapor.notify import _sms_text

    headline = "Laporan ABCD2345 ditindaklanjuti Dinas PUPR Kabupaten Tangerang"
    text = _sms_text(headline, "Tim sudah meninjau lokasi dan akan menambal jalan. " * 5)
    assert is_gsm7(text), text  # "…" is not GSM-7: a 160-character UCS-2 text is 3 SMS
    assert _fits_one_sms(text)


def test_status_reply_with_a_non_gsm_answer_still_fits_one_sms():
    latest = "Tim kami sudah ke lokasi hari Jum’at dan penambalan dijadwalkan pekan depan, mohon bersabar."
    reply = reply_status("ABCD2345", "in_progress", "Dinas PUPR Kabupaten Tangerang", latest)
    assert "ABCD2345" in reply
    assert _fits_one_sms(reply), (len(reply), is_gsm7(reply))


# --- Open311 -------------------------------------------------------------------------------

def test_open311_expected_datetime_is_not_a_stale_deadline_while_paused(client, demo, app):
    """While waiting for the reporter the follow-up clock is paused and its deadline moves by the
    time spent waiting (DESIGN 4); the deadline stored before the pause is not the current one."""
    from lapor import workflow

    with app.app_context():
        report = factories.report("disposed", holder="TANGKAB", now=utcnow() - timedelta(days=10))
        workflow.request_info(report, factories.staff("tangkab"), utcnow() - timedelta(days=9, hours=20),
                              "Mohon kirim foto lokasi")
        db.session.commit()
        tracking_id, state = report.tracking_id, report.state
    assert state == "waiting_reporter"
    (view,) = client.get(f"/open311/v2/requests/{tracking_id}.json").get_json()
    expected = view["expected_datetime"]
    assert expected is None or datetime.fromisoformat(expected) > utcnow(), expected


def test_open311_status_declared_twice_means_both_statuses(client, demo, app):
    with app.app_context():
        closed = factories.report("closed", holder="TANGKAB", now=utcnow() - timedelta(days=2))
        opened = factories.report("disposed", holder="TANGKAB", now=utcnow() - timedelta(days=1))
        db.session.commit()
        ids = [opened.tracking_id, closed.tracking_id]
    response = client.get("/open311/v2/requests.json?status=open&status=closed")
    assert [item["service_request_id"] for item in response.get_json()] == ids


def test_open311_method_not_allowed_answers_in_the_spec_error_format(client, demo):
    response = client.delete("/open311/v2/requests.json")
    assert response.status_code == 405
    body = response.get_json()
    assert isinstance(body, list) and body[0]["code"] == 405 and body[0]["description"], body
    xml = client.put("/open311/v2/requests.xml")
    assert xml.status_code == 405 and xml.mimetype == "text/xml", xml.get_data(as_text=True)


def test_open311_past_the_phone_limit_is_a_429_in_the_spec_error_format(app, demo, api_key):
    from dataclasses import replace

    from lapor.app import create_app
    from tests.test_open311 import REQUEST

    client = create_app(replace(app.config["LAPOR"]), TESTING=True, LAPOR_RATE_PHONE="1 per minute").test_client()
    first = client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": api_key})
    second = client.post("/open311/v2/requests.json", data={**REQUEST, "api_key": api_key})
    assert first.status_code == 201
    assert second.status_code == 429
    assert second.get_json() == [{"code": 429, "description": "Terlalu banyak laporan dari nomor telepon ini; "
                                                             "coba lagi nanti."}]


def test_phone_numbers_are_taken_as_people_write_them(client, demo):
    from tests.test_api_reports import REPORT

    codes = {phone: client.post("/api/v1/reports", json={**REPORT, "reporter": {"phone": phone}}).status_code
             for phone in ("(0812) 3456-7890", "0812.3456.7891", "+62 812 3456 7892", "0812", "0812abc34567",
                           "(((((((((((")}
    assert codes == {"(0812) 3456-7890": 201, "0812.3456.7891": 201, "+62 812 3456 7892": 201, "0812": 422,
                     "0812abc34567": 422, "(((((((((((": 422}
