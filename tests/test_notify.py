"""Notifications: reporters by SMS and email, staff by email in working hours, each once."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lapor import workflow
from lapor.extensions import db
from lapor.mailer import SmtpSettings
from lapor.models import OutboxItem, OutgoingMessage, Report, User
from lapor.notify import notify
from lapor.queue import NotYet, relay_outbox
from lapor.workflow import SYSTEM
from tests import factories as f
from tests.test_api_reports import REPORT, submit


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def mail_server(app, monkeypatch, handler):
    """A real SMTP server on 127.0.0.1 answering with `handler`, Lapor's mail server while the
    block runs, stopped after it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "LAPOR_SMTP", SmtpSettings(
        host="127.0.0.1", port=port, username=None, password=None, starttls=False,
        sender="Lapor <noreply@lapor.test>"))
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 for this test, stopped after it."""
    with mail_server(app, monkeypatch, Inbox()) as inbox:
        yield inbox


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _messages(app):
    with app.app_context():
        return [(m.channel, m.recipient, m.state) for m in
                db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id))]


def test_reporter_hears_of_the_disposition_by_sms_and_email(client, app, demo, run_worker, smtp):
    created = submit(client)
    run_worker()
    assert _messages(app) == [
        ("sms", "+6281234567890", "failed"),  # no SMS gateway configured in this test
        ("email", "siti@example.id", "sent"),
    ]
    with app.app_context():
        sms = db.session.scalars(select(OutgoingMessage).where(OutgoingMessage.channel == "sms")).one()
        assert sms.last_error == "LAPOR_KANNEL_SENDSMS_URL is not set"
        assert sms.body == (f"Laporan {created['tracking_id']} diteruskan ke "
                            "Pemerintah Kabupaten Tangerang")
    [email] = smtp.messages
    assert email["To"] == "siti@example.id"
    assert _subject(email) == f"Perkembangan laporan {created['tracking_id']}"
    assert "diteruskan ke Pemerintah Kabupaten Tangerang" in email.get_payload(decode=True).decode()


def test_reporter_who_wrote_in_english_reads_english(client, app, demo, run_worker, smtp):
    reporter = {"email": "ann@example.org"}
    response = client.post("/api/v1/reports", json={**REPORT, "reporter": reporter},
                           headers={"Accept-Language": "en"})
    tracking_id = response.get_json()["tracking_id"]
    run_worker()
    [email] = smtp.messages
    assert _subject(email) == f"News about report {tracking_id}"


def test_a_notification_is_made_once_however_often_its_job_runs(client, app, demo, run_worker, smtp):
    submit(client)
    run_worker()
    with app.app_context():
        item = db.session.scalars(select(OutboxItem).where(OutboxItem.topic == "notify")).one()
        assert notify(item.payload, datetime.now(UTC)) == "0 message(s)"
    assert len(_messages(app)) == 2


def _staff_emails(app):
    with app.app_context():
        for username, email in (("tangkab", "tangkab@pemda.test"), ("banten", "banten@pemprov.test"),
                                ("kemenhub", "kemenhub@kemenhub.test")):
            db.session.scalars(select(User).where(User.username == username)).one().email = email
        db.session.commit()


def test_escalation_emails_the_agency_and_its_coordinators_in_working_hours(app, demo, smtp, run_worker):
    _staff_emails(app)
    with app.app_context():
        report = f.report("received", anonymous=True, reporter_name="Budi Rahasia")
        workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
        workflow.escalate(report, SYSTEM, f.NOW, "followup", "intervention")
        db.session.commit()
        item = db.session.scalars(
            select(OutboxItem).where(OutboxItem.topic == "notify",
                                     OutboxItem.payload["audience"].as_string() == "staff")
        ).one()
        assert notify(item.payload, f.NOW) == "2 message(s)"  # Monday 10:00 WIB
        db.session.commit()
    run_worker()
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == ["banten@pemprov.test", "tangkab@pemda.test"]
    body = smtp.messages[0].get_payload(decode=True).decode()
    assert "Intervensi" in body and "Intervention" in body
    assert "Budi" not in body


def test_staff_email_waits_for_office_hours(app, demo):
    _staff_emails(app)
    saturday = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)
    with app.app_context():
        report = f.report("disposed", now=saturday - timedelta(days=5))
        event = workflow.escalate(report, SYSTEM, saturday, "followup", "intervention")
        db.session.commit()
        payload = db.session.scalars(
            select(OutboxItem.payload).where(OutboxItem.topic == "notify")).first()
        with pytest.raises(NotYet) as wait:
            notify(payload, saturday)
        assert wait.value.at == datetime(2026, 3, 9, 8, 0, tzinfo=wait.value.at.tzinfo)  # Mon 08:00 WIB
        assert event is not None


def test_deferred_work_is_not_relayed_before_its_time(app, demo):
    with app.app_context():
        later = datetime.now(UTC) + timedelta(hours=5)
        db.session.add(OutboxItem(topic="notify", payload={"event_id": 0, "audience": "staff"},
                                  created_at=datetime.now(UTC) - timedelta(hours=1), available_at=later))
        db.session.commit()
        assert relay_outbox(datetime.now(UTC)) == 0
        assert relay_outbox(later + timedelta(seconds=1)) == 1


class Refusing:
    """A mail server that refuses every recipient, naming the address in its answer."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return f"550 5.1.1 <{address}>: Recipient address rejected"


def test_a_refused_address_is_named_nowhere_the_failure_is_kept_or_shown(client, app, demo, cli, monkeypatch):
    """An anonymous reporter's address refused by the mail server: the error on the message,
    on the work, in `lapor status` does not repeat it."""
    with mail_server(app, monkeypatch, Refusing()):
        created = client.post("/api/v1/reports", json={**REPORT, "anonymous": True, "reporter": {
            "name": "Wulan", "phone": "081277778888", "email": "Wulan.K@contoh.id"}})
        assert created.status_code == 201
        from workers.jobs import process_outbox

        with app.app_context():
            report = db.session.scalars(select(Report)).one()
            workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
            db.session.commit()
            for item_id in db.session.scalars(select(OutboxItem.id).where(OutboxItem.topic == "notify")).all():
                process_outbox(item_id)
            sends = db.session.scalars(select(OutboxItem.id).where(OutboxItem.topic == "send_email")).all()
            assert sends
            for item_id in sends:
                with pytest.raises(Exception, match="SMTPRecipientsRefused"):
                    process_outbox(item_id)
            email = db.session.scalars(select(OutgoingMessage).where(OutgoingMessage.channel == "email")).one()
            kept = [email.last_error] + [db.session.get(OutboxItem, item_id).last_error for item_id in sends]
        output = cli("status").output
    assert "550" in email.last_error and "send_email" in output
    for text in [*kept, output]:
        assert "wulan" not in (text or "").lower(), text


def test_a_subject_with_line_breaks_is_sent_on_one_line(app, demo, smtp):
    from lapor.mailer import send_email

    with app.app_context():
        message = OutgoingMessage(channel="email", recipient="dinas@tangerangkab.go.id", body="Isi",
                                  subject="Eskalasi: Jalan rusak\r\nBcc: siapa@contoh.id", created_at=f.NOW)
        db.session.add(message)
        db.session.commit()
        assert send_email({"message_id": message.id}, f.NOW) == "sent"
        db.session.commit()
    [email] = smtp.messages
    assert _subject(email) == "Eskalasi: Jalan rusak Bcc: siapa@contoh.id" and email["Bcc"] is None
