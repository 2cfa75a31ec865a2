"""The Kannel adapter against the real app, database, queue and worker.

Kannel's sendsms interface is played by a small HTTP server on 127.0.0.1 that
records what it is asked to send.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_from_bytes, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lapor.channels import sms
from lapor.channels.kannel import KannelConfig
from lapor.channels.sms import HELP_TEXT, reply_not_found
from lapor.clock import utcnow
from lapor.extensions import db, redis_ext
from lapor.models import Agency, OutboxItem, OutgoingMessage, Report

OWNER = "081234567890"
OWNER_E164 = "+6281234567890"
STRANGER = "089876543210"


class FakeSendsms(ThreadingHTTPServer):
    """Kannel's /cgi-bin/sendsms: answers `status` and records each request's parameters."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SendsmsHandler)
        self.requests: list[dict[str, str]] = []
        self.status, self.body = 202, "0: Accepted for delivery"
        self.delay = 0.0  # seconds before answering, for a gateway that is slow

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cgi-bin/sendsms"


class _SendsmsHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(dict(parse_qsl(urlsplit(self.path).query)))
        time.sleep(self.server.delay)
        body = self.server.body.encode()
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def fake_sendsms():
    server = FakeSendsms()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def sms_app(settings, fake_sendsms):
    """The real app with its channels; CSRF stays on, as the gateway has no token to send."""
    from lapor import channels
    from lapor.app import create_app

    app = create_app(settings, TESTING=True)
    channels.init_app(app)  # a no-op once create_app wires the channels itself
    app.config["LAPOR_KANNEL"] = KannelConfig(
        sendsms_url=fake_sendsms.url, username="lapor", password="rahasia", sender="1708",
        dlr_url="http://lapor.internal/channels/sms/kannel/dlr",
    )
    return app


@pytest.fixture
def gateway(sms_app, demo, fake_sendsms):
    fake_sendsms.requests.clear()
    fake_sendsms.status, fake_sendsms.body = 202, "0: Accepted for delivery"
    fake_sendsms.delay = 0.0
    yield sms_app.test_client()
    sms_app.config["LAPOR_KANNEL"] = replace(sms_app.config["LAPOR_KANNEL"], secret=None)


@pytest.fixture
def work(sms_app):
    from workers.worker import work as run

    return lambda: run(sms_app, burst=True)


@pytest.fixture
def query(sms_app):
    """Run `fn(session)` in a fresh app context, so it sees what others committed."""

    def run(fn):
        with sms_app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    return run


def send(client, text, sender=OWNER, msg_id=None, method="GET", **extra):
    params = {"from": sender, "to": "1708", "text": text, "id": msg_id or str(uuid.uuid4()),
              "ts": "1795479040", **extra}
    if method == "POST":
        return client.post("/channels/sms/kannel", data=params)
    return client.get("/channels/sms/kannel?" + urlencode(params))


def reports(query):
    return query(lambda s: s.scalars(select(Report).order_by(Report.id)).all())


def messages(query):
    """Replies to inbound SMS; notifications about a report are looked at separately."""
    return query(lambda s: s.scalars(select(OutgoingMessage).where(
        OutgoingMessage.in_reply_to.like("sms:%")).order_by(OutgoingMessage.id)).all())


def timeline(query, report_id):
    """The report's state, agency code and (kind, message) events, as committed."""

    def read(session):
        report = session.get(Report, report_id)
        events = [(event.kind, event.message) for event in report.events]
        return report.state, report.agency.code if report.agency else None, events

    return query(read)


def report_by_sms(client, query, work, text="TANGKAB jalan rusak di depan pasar"):
    assert send(client, text).status_code == 200
    work()
    return reports(query)[-1]


def test_sms_with_agency_keyword_is_stored_and_routed_to_that_agency(gateway, query, work):
    msg_id = str(uuid.uuid4())
    response = send(gateway, "TANGKAB jalan rusak di depan pasar", msg_id=msg_id)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    [report] = reports(query)
    assert report.tracking_id in response.get_data(as_text=True)
    assert (report.channel, report.channel_ref) == ("sms", f"sms:{msg_id}")
    assert report.reporter_phone == OWNER_E164
    assert report.body == report.title == "jalan rusak di depan pasar"
    assert report.state == "received"
    tangkab = query(lambda s: s.scalars(select(Agency.id).where(Agency.code == "TANGKAB")).one())
    assert report.requested_agency_id == tangkab
    work()
    state, agency, _events = timeline(query, report.id)
    # TANGKAB's own rules pass a road complaint on to its public-works office.
    assert (state, agency) == ("disposed", "DPUPRTANGKAB")


def test_sms_without_keyword_waits_in_national_triage(gateway, query, work):
    assert send(gateway, "ASPIRASI tambah lampu jalan di kampung kami").status_code == 200
    work()
    [report] = reports(query)
    assert (report.type, report.requested_agency_id) == ("aspiration", None)
    assert report.state == "received"
    assert report.routed_at is not None and report.body == "tambah lampu jalan di kampung kami"


def test_reply_with_tracking_id_is_queued_then_sent_through_sendsms(gateway, query, work,
                                                                   fake_sendsms):
    send(gateway, "TANGKAB jalan rusak di depan pasar")
    [report], [reply] = reports(query), messages(query)
    assert (reply.state, reply.recipient, reply.report_id) == ("pending", OWNER_E164, report.id)
    assert f"Nomor laporan: {report.tracking_id}" in reply.body
    topics = query(lambda s: s.scalars(select(OutboxItem.topic).order_by(OutboxItem.id)).all())
    assert topics == ["route_report", "send_sms"]
    work()
    [sent] = [r for r in fake_sendsms.requests if r["text"] == reply.body]
    assert [r["text"] for r in fake_sendsms.requests if r is not sent] == [
        f"Laporan {report.tracking_id} diteruskan ke Dinas PUPR Kabupaten Tangerang"
    ]  # the disposition notice, sent when the worker routed the report
    assert sent["to"] == OWNER_E164
    assert (sent["username"], sent["password"], sent["from"]) == ("lapor", "rahasia", "1708")
    assert sent["charset"] == "UTF-8" and "coding" not in sent
    assert sent["dlr-mask"] == "27"
    assert sent["dlr-url"] == (f"http://lapor.internal/channels/sms/kannel/dlr?msg={reply.id}"
                               "&status=%d&smsc_ref=%F&answer=%A")
    [reply] = messages(query)
    assert (reply.state, reply.attempts, reply.last_error) == ("sent", 1, None)
    assert reply.sent_at is not None


def test_gateway_retries_of_one_message_make_one_report_and_one_reply(gateway, query, work,
                                                                      fake_sendsms):
    msg_id = str(uuid.uuid4())
    answers = [send(gateway, "TANGKAB jalan rusak", msg_id=msg_id).get_data(as_text=True)
               for _ in range(3)]
    assert len(set(answers)) == 1
    assert len(reports(query)) == 1 and len(messages(query)) == 1
    work()
    reply_bodies = {m.body for m in messages(query)}
    assert len([r for r in fake_sendsms.requests if r["text"] in reply_bodies]) == 1
    # the same text under another gateway ID is another SMS
    send(gateway, "TANGKAB jalan rusak")
    assert len(reports(query)) == 2


@pytest.mark.parametrize("msg_id", ["", "x" * 500, "bad\x00id"])
def test_retries_without_a_usable_gateway_id_are_still_recognised(gateway, query, msg_id):
    params = {"from": OWNER, "to": "1708", "text": "TANGKAB jalan rusak", "ts": "1795479040",
              "id": msg_id}
    for _ in range(2):
        response = gateway.get("/channels/sms/kannel?" + urlencode(params))
        assert response.status_code == 200
    [report] = reports(query)
    assert report.channel_ref.startswith("sms:h") and len(report.channel_ref) < 120
    assert len(messages(query)) == 1


def test_retry_after_a_crash_between_report_and_reply_answers_the_same_report(gateway, query,
                                                                             monkeypatch):
    from lapor.channels import sms

    def crash(*args):
        raise RuntimeError("the process died after intake committed the report")

    msg_id = str(uuid.uuid4())
    with monkeypatch.context() as patch:
        patch.setattr(sms, "reply_received", crash)
        assert send(gateway, "TANGKAB jalan rusak", msg_id=msg_id).status_code == 500
    assert len(reports(query)) == 1 and messages(query) == []
    assert send(gateway, "TANGKAB jalan rusak", msg_id=msg_id).status_code == 200
    [report], [reply] = reports(query), messages(query)
    assert reply.report_id == report.id and report.tracking_id in reply.body


def test_form_post_is_accepted_without_a_csrf_token(gateway, query):
    assert gateway.post("/", data={"title": "x"}).status_code == 400  # CSRF is on elsewhere
    response = send(gateway, "TANGKAB sampah menumpuk di pasar", method="POST")
    assert response.status_code == 200
    assert reports(query)[0].body == "sampah menumpuk di pasar"


def test_post_url_body_in_ucs2_with_kannel_headers(gateway, query):
    text = "TANGKAB Jalan berlubang 😡 — bahaya"
    response = gateway.post(
        "/channels/sms/kannel?id=" + str(uuid.uuid4()), data=text.encode("utf-16-be"),
        headers={"Content-Type": "text/plain; charset=UTF-16BE", "X-Kannel-From": OWNER,
                 "X-Kannel-To": "1708", "X-Kannel-Time": "1795479040"})
    assert response.status_code == 200
    [report] = reports(query)
    assert report.body == "Jalan berlubang 😡 — bahaya" and report.reporter_phone == OWNER_E164


def test_unicode_and_emoji_survive_in_utf8_and_in_ucs2(gateway, query):
    body = "Jalan berlubang 😡 dekat masjid — anak-anak jatuh 🚲, ñ ü ß 中文"
    send(gateway, f"TANGKAB {body}", charset="UTF-8", coding="0")
    raw = quote_from_bytes(f"TANGKAB {body}".encode("utf-16-be"))
    path = f"/channels/sms/kannel?from={OWNER}&id={uuid.uuid4()}&charset=UTF-16BE&coding=2"
    assert gateway.get(f"{path}&text={raw}").status_code == 200
    assert [r.body for r in reports(query)] == [body, body]


def test_long_text_survives_whole(gateway, query):
    body = " ".join(f"kata{i}" for i in range(120))  # about 800 characters, several SMS
    send(gateway, f"TANGKAB {body}")
    [report] = reports(query)
    assert len(body) > 160 and report.body == body
    assert report.title.endswith("...") and len(report.title) <= 83


@pytest.mark.parametrize("sender", ["081234567890", "6281234567890", "+6281234567890",
                                    "+62 812-3456-7890"])
def test_every_spelling_of_a_number_is_stored_in_e164(gateway, query, sender):
    assert send(gateway, "TANGKAB jalan rusak", sender=sender).status_code == 200
    assert reports(query)[0].reporter_phone == OWNER_E164


@pytest.mark.parametrize("sender", ["12345", "", "+14155550100", "0211234567"])
def test_a_sender_lapor_cannot_answer_is_taken_and_dropped(gateway, query, sender):
    # 200, not a 4xx: Kannel retries every other status (tests/test_sms_gateway_e2e.py).
    response = send(gateway, "TANGKAB jalan rusak", sender=sender)
    assert response.status_code == 200
    assert "Indonesian mobile number" in response.get_data(as_text=True)
    assert reports(query) == [] and messages(query) == []


@pytest.mark.parametrize("text", ["BANTUAN", "bantuan", "", "   ", "TANGKAB", "CEK", "BALAS X"])
def test_help_empty_and_keyword_only_get_the_help_text(gateway, query, text):
    response = send(gateway, text)
    assert response.get_data(as_text=True) == HELP_TEXT
    assert reports(query) == []
    assert [(m.body, m.report_id) for m in messages(query)] == [(HELP_TEXT, None)]


def test_owner_checks_status_with_cek_from_any_spelling_of_the_number(gateway, query, work):
    report = report_by_sms(gateway, query, work)
    answer = send(gateway, f"cek {report.tracking_id.lower()}", sender="+62 812 3456 7890")
    assert answer.get_data(as_text=True) == (
        f"Laporan {report.tracking_id}: Didisposisikan, ditangani Dinas PUPR Kabupaten Tangerang.")
    assert messages(query)[-1].report_id == report.id


def test_stranger_gets_exactly_the_unknown_id_answer(gateway, query, work):
    report = report_by_sms(gateway, query, work)
    stranger = send(gateway, f"CEK {report.tracking_id}", sender=STRANGER).get_data(as_text=True)
    unknown = send(gateway, "CEK ZZZZ9999", sender=OWNER).get_data(as_text=True)
    assert stranger == reply_not_found(report.tracking_id)
    assert unknown.replace("ZZZZ9999", report.tracking_id) == stranger
    assert "Didisposisikan" not in stranger and "Tangerang" not in stranger
    assert messages(query)[-2].report_id is None  # nothing links the stranger to the report


def test_balas_from_owner_answers_the_agency_and_resumes_the_clock(gateway, query, work):
    from lapor import workflow
    from tests.factories import staff

    report = report_by_sms(gateway, query, work)

    def ask(session):
        workflow.request_info(session.get(Report, report.id), staff("tangkab"), utcnow(),
                              "Mohon kirim foto lokasi")
        session.commit()

    query(ask)
    check = send(gateway, f"CEK {report.tracking_id}").get_data(as_text=True)
    assert "Menunggu pelapor" in check and "Tanggapan: Mohon kirim foto lokasi" in check
    msg_id = str(uuid.uuid4())
    for _ in range(2):  # a gateway retry adds nothing
        answer = send(gateway, f"BALAS {report.tracking_id} Foto sudah saya kirim 📷",
                      msg_id=msg_id)
    assert "sudah diteruskan" in answer.get_data(as_text=True)
    state, _agency, events = timeline(query, report.id)
    assert state == "in_progress"
    assert events[-1] == ("reporter_replied", "Foto sudah saya kirim 📷")
    assert [kind for kind, _ in events].count("reporter_replied") == 1


def test_balas_from_a_stranger_changes_nothing(gateway, query, work):
    report = report_by_sms(gateway, query, work)
    answer = send(gateway, f"BALAS {report.tracking_id} palsu", sender=STRANGER)
    assert answer.get_data(as_text=True) == reply_not_found(report.tracking_id)
    _state, _agency, events = timeline(query, report.id)
    assert [kind for kind, _ in events] == ["submitted", "disposed"]


def test_balas_to_a_report_in_triage_adds_to_it_as_the_receipt_invites(gateway, query, work):
    report = report_by_sms(gateway, query, work, text="jalan rusak")
    answer = send(gateway, f"BALAS {report.tracking_id} di depan pasar Cikupa").get_data(as_text=True)
    assert answer == f"Balasan Anda untuk laporan {report.tracking_id} sudah diteruskan ke instansi. Terima kasih."
    state, _, events = timeline(query, report.id)
    assert state == "received" and ("reporter_replied", "di depan pasar Cikupa") in events


def test_balas_to_an_archived_report_is_refused_politely(gateway, query, work):
    from lapor import workflow
    from tests.factories import staff

    report = report_by_sms(gateway, query, work, text="jalan rusak")

    def archive(session):
        workflow.archive(session.get(Report, report.id), staff("dispatcher"), utcnow(), "spam")
        session.commit()

    query(archive)
    answer = send(gateway, f"BALAS {report.tracking_id} tambahan").get_data(as_text=True)
    assert answer == (f"Laporan {report.tracking_id} berstatus Diarsipkan; "
                      "balasan lewat SMS belum dapat diterima.")


def test_a_status_reply_with_emoji_still_goes_as_one_sms(gateway, query, work, fake_sendsms):
    from lapor import workflow
    from tests.factories import staff

    report = report_by_sms(gateway, query, work)

    def answer(session):
        workflow.follow_up(session.get(Report, report.id), staff("tangkab"), utcnow(),
                           "Sudah diperbaiki 🙏")
        session.commit()

    query(answer)
    fake_sendsms.requests.clear()
    send(gateway, f"CEK {report.tracking_id}")
    work()
    [sent] = [r for r in fake_sendsms.requests if "Tanggapan:" in r["text"]]
    # As UCS-2 the reply would be two SMS (over 70 characters): it goes in the GSM alphabet,
    # one SMS, without the emoji.
    assert "coding" not in sent and sent["text"].endswith("Tanggapan: Sudah diperbaiki")
    assert sms.fits_one_sms(sent["text"])


def test_a_short_reply_outside_the_gsm_alphabet_goes_out_as_ucs2(gateway, query, work, fake_sendsms):
    from lapor.queue import add_work

    def queue(session):
        message = OutgoingMessage(channel="sms", recipient="+6281234567890", body="Terima kasih 🙏",
                                  in_reply_to="test:ucs2", state="pending", attempts=0, created_at=utcnow())
        session.add(message)
        session.flush()
        add_work("send_sms", {"message_id": message.id}, utcnow())
        session.commit()

    query(queue)
    work()
    [sent] = [r for r in fake_sendsms.requests if r["text"] == "Terima kasih 🙏"]
    assert sent["coding"] == "2" and sent["charset"] == "UTF-8"


def test_delivery_reports_move_the_message_forward_only(gateway, query, work):
    send(gateway, "BANTUAN")
    work()
    [message] = messages(query)
    dlr = "/channels/sms/kannel/dlr?"
    assert gateway.get(dlr + f"msg={message.id}&status=8&answer=ACK/").status_code == 200
    assert messages(query)[0].state == "sent"
    response = gateway.get(dlr + f"msg={message.id}&status=1&smsc_ref=abc-123&answer=")
    assert response.status_code == 200
    assert gateway.get(dlr + f"msg={message.id}&status=8").status_code == 200  # late, reordered
    [message] = messages(query)
    assert (message.state, message.gateway_ref) == ("delivered", "abc-123")
    assert message.delivered_at is not None
    # Reports that can never apply are taken and dropped (Kannel would retry a 4xx), and say why.
    for query_string, why in (("msg=999999&status=1", "unknown message"), ("msg=x&status=1", "must be numbers")):
        response = gateway.get(dlr + query_string)
        assert response.status_code == 200 and why in response.get_data(as_text=True)
    assert messages(query)[0].state == "delivered"


def test_rejected_delivery_report_marks_the_message_failed(gateway, query, work):
    send(gateway, "BANTUAN")
    work()
    [message] = messages(query)
    gateway.get(f"/channels/sms/kannel/dlr?msg={message.id}&status=16&answer=NACK/0x0000000b")
    [message] = messages(query)
    assert (message.state, message.last_error) == ("failed", "DLR 16: NACK/0x0000000b")


def test_failed_send_is_recorded_retried_and_finally_marked_failed(gateway, query, work,
                                                                   fake_sendsms, sms_app):
    from workers.jobs import process_outbox

    fake_sendsms.status, fake_sendsms.body = 403, "Authorization failed for sendsms"
    send(gateway, "BANTUAN")
    work()  # the first attempt fails; RQ schedules a retry
    [message] = messages(query)
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.last_error == (
        "Kannel refused the message: HTTP 403 Authorization failed for sendsms")
    send_work = select(OutboxItem).where(OutboxItem.topic == "send_sms")
    item = query(lambda s: s.scalars(send_work).one())
    assert item.processed_at is None and "403" in item.last_error
    with sms_app.app_context(), pytest.raises(Exception, match="HTTP 403"):
        process_outbox(item.id)  # outside RQ nothing retries: this is the last attempt
    [message] = messages(query)
    assert (message.state, message.attempts) == ("failed", 2)
    with sms_app.app_context():
        assert process_outbox(item.id) == "failed-before"  # the relay's late copy sends nothing
    assert len(fake_sendsms.requests) == 2


def test_unreachable_kannel_is_a_recorded_failure(gateway, query, work, sms_app):
    config = sms_app.config["LAPOR_KANNEL"]
    sms_app.config["LAPOR_KANNEL"] = replace(config, sendsms_url="http://127.0.0.1:9/sendsms")
    try:
        send(gateway, "BANTUAN")
        work()
    finally:
        sms_app.config["LAPOR_KANNEL"] = config
    [message] = messages(query)
    assert message.state == "pending" and message.last_error.startswith("Kannel unreachable")


def test_shared_secret_guards_both_endpoints_when_set(gateway, query, sms_app):
    sms_app.config["LAPOR_KANNEL"] = replace(sms_app.config["LAPOR_KANNEL"], secret="s3cr3t-x")
    assert send(gateway, "TANGKAB jalan rusak").status_code == 403
    assert send(gateway, "TANGKAB jalan rusak", secret="wrong").status_code == 403
    assert gateway.get("/channels/sms/kannel/dlr?msg=1&status=1").status_code == 403
    assert reports(query) == []
    assert send(gateway, "TANGKAB jalan rusak", secret="s3cr3t-x").status_code == 200
    assert len(reports(query)) == 1


def test_dlr_url_carries_the_secret(gateway, query, work, sms_app, fake_sendsms):
    sms_app.config["LAPOR_KANNEL"] = replace(sms_app.config["LAPOR_KANNEL"], secret="s3cr3t-x")
    send(gateway, "BANTUAN", secret="s3cr3t-x")
    work()
    assert fake_sendsms.requests[0]["dlr-url"].endswith("&secret=s3cr3t-x")


def test_config_is_read_from_the_environment():
    config = KannelConfig.from_env({
        "LAPOR_KANNEL_SENDSMS_URL": "http://kannel:13013/cgi-bin/sendsms",
        "LAPOR_KANNEL_USERNAME": "lapor", "LAPOR_KANNEL_PASSWORD": "pw",
        "LAPOR_SMS_SENDER": "1708", "LAPOR_SMS_SECRET": "", "LAPOR_SMS_DLR_URL": "http://x/dlr",
    })
    assert config == KannelConfig("http://kannel:13013/cgi-bin/sendsms", "lapor", "pw", "1708",
                                  None, "http://x/dlr")


def test_channel_registry_knows_sms(sms_app):
    from lapor.channels import get_channel

    channel = get_channel("sms")
    assert channel.blueprint.name in sms_app.blueprints
    with pytest.raises(LookupError, match="no channel named 'fax'"):
        get_channel("fax")


# The worker carries out a report's follow-ups (notification, its messages) in the routing job.

WEB_REPORT = {"title": "Jalan rusak di depan pasar", "body": "Jalan berlubang di depan Pasar Cikupa.",
              "agency": "TANGKAB", "reporter": {"phone": OWNER}}


def outbox(query):
    return query(lambda s: [(item.topic, item.processed_at is not None, item.attempts)
                            for item in s.scalars(select(OutboxItem).order_by(OutboxItem.id))])


def jobs_run(sms_app):
    from lapor.queue import all_queues

    with sms_app.app_context():
        return sorted(job_id for queue in all_queues() for job_id in queue.finished_job_registry.get_job_ids())


def test_routing_job_also_notifies_the_reporter_and_sends_the_sms(gateway, query, work,
                                                                 fake_sendsms, sms_app):
    from rq.job import Job

    from lapor.queue import get_queue, outbox_job_id

    assert gateway.post("/api/v1/reports", json=WEB_REPORT).status_code == 201
    [(route_id,)] = query(lambda s: s.execute(select(OutboxItem.id)).all())
    work()
    assert outbox(query) == [("route_report", True, 1), ("notify", True, 1), ("send_sms", True, 1)]
    [notice] = fake_sendsms.requests
    assert notice["to"] == OWNER_E164 and "diteruskan ke Dinas PUPR" in notice["text"]
    assert jobs_run(sms_app) == [outbox_job_id(route_id)]  # one job, not three
    with sms_app.app_context():
        job = Job.fetch(outbox_job_id(route_id), connection=get_queue().connection)
        assert job.return_value() == "disposed; 1 message(s); sent"


def test_a_failing_follow_up_is_recorded_and_retried_as_its_own_job(gateway, query, work,
                                                                   fake_sendsms, sms_app):
    from rq.job import Job

    from lapor.queue import get_queue, outbox_job_id
    from workers.jobs import process_outbox

    fake_sendsms.status, fake_sendsms.body = 503, "Kannel is shutting down"
    assert gateway.post("/api/v1/reports", json=WEB_REPORT).status_code == 201
    work()
    [report] = reports(query)
    assert report.state == "disposed"  # the failed SMS does not undo the routing
    assert outbox(query) == [("route_report", True, 1), ("notify", True, 1), ("send_sms", False, 2)]
    [notice] = query(lambda s: s.scalars(select(OutgoingMessage)).all())
    # Tried in the routing job, then once in its own job: neither was its last attempt.
    assert (notice.state, notice.attempts) == ("pending", 2)
    assert "HTTP 503" in notice.last_error
    send_id = query(lambda s: s.scalars(
        select(OutboxItem.id).where(OutboxItem.topic == "send_sms")).one())
    with sms_app.app_context():
        job = Job.fetch(outbox_job_id(send_id), connection=get_queue().connection)
        assert (job.get_status(), job.retries_left) == ("scheduled", 2)  # RQ's backoff
    fake_sendsms.status, fake_sendsms.body = 202, "0: Accepted for delivery"
    with sms_app.app_context():
        assert process_outbox(send_id) == "sent"  # as the retry will
    [notice] = query(lambda s: s.scalars(select(OutgoingMessage)).all())
    assert (notice.state, notice.attempts, notice.last_error) == ("sent", 3, None)
    assert len(fake_sendsms.requests) == 3


@pytest.mark.parametrize("trouble", ["failing", "slow"])
def test_while_the_gateway_is_in_trouble_routing_jobs_leave_sends_to_the_send_queue(
        trouble, gateway, query, fake_sendsms, sms_app, monkeypatch):
    from rq.job import Job

    from lapor.queue import get_queue, outbox_job_id, sends_are_slow
    from workers import jobs
    from workers.worker import work

    if trouble == "failing":
        fake_sendsms.status, fake_sendsms.body = 503, "Kannel is shutting down"
    else:
        fake_sendsms.delay = 0.3
        monkeypatch.setattr(jobs, "SLOW_SEND_SECONDS", 0.2)
    assert gateway.post("/api/v1/reports", json=WEB_REPORT).status_code == 201
    work(sms_app, burst=True, queues="main")  # the first report's job still tries its SMS itself
    assert len(fake_sendsms.requests) == 1
    with sms_app.app_context():
        assert sends_are_slow("send_sms") and not sends_are_slow("send_email")

    assert gateway.post("/api/v1/reports", json={**WEB_REPORT, "title": "Lampu jalan mati"}).status_code == 201
    work(sms_app, burst=True, queues="main")
    second = reports(query)[1]
    assert second.state == "disposed"  # routed without waiting on the gateway
    assert len(fake_sendsms.requests) == 1  # its SMS was not tried in the routing job
    items = query(lambda s: s.execute(select(OutboxItem.topic, OutboxItem.id).order_by(OutboxItem.id)).all())
    _, first_send_id, route_id, send_id = [i for topic, i in items if topic in ("route_report", "send_sms")]
    with sms_app.app_context():
        route_job = Job.fetch(outbox_job_id(route_id), connection=get_queue().connection)
        assert route_job.return_value() == f"disposed; 1 message(s); send_sms #{send_id} queued"
        retry = [outbox_job_id(first_send_id)] if trouble == "failing" else []  # the first report's SMS
        assert get_queue("send_sms").job_ids == retry + [outbox_job_id(send_id)]
        assert get_queue().job_ids == []

    fake_sendsms.status, fake_sendsms.body, fake_sendsms.delay = 202, "0: Accepted for delivery", 0.0
    work(sms_app, burst=True, queues="send")  # a worker of the send queue sends them
    assert len(fake_sendsms.requests) == 2 + len(retry)
    assert outbox(query)[-1] == ("send_sms", True, 1)
    assert query(lambda s: s.scalars(select(OutgoingMessage.state)).all()) == ["sent", "sent"]


def test_sends_are_carried_out_in_the_routing_job_again_once_the_pause_is_over(
        gateway, query, fake_sendsms, sms_app, work):
    from lapor.queue import SLOW_SEND_PAUSE, _slow_key, note_slow_sends, slow_sends_left

    with sms_app.app_context():
        assert slow_sends_left("send_sms") is None
        note_slow_sends("send_sms")
        assert 0 < slow_sends_left("send_sms") <= SLOW_SEND_PAUSE
        redis_ext.client().delete(_slow_key("send_sms"))  # as its expiry does
    assert gateway.post("/api/v1/reports", json=WEB_REPORT).status_code == 201
    work()
    assert outbox(query) == [("route_report", True, 1), ("notify", True, 1), ("send_sms", True, 1)]
    assert len(jobs_run(sms_app)) == 1  # the routing job sent the SMS itself


def test_follow_ups_beyond_the_jobs_share_are_queued(gateway, query, work, fake_sendsms, sms_app,
                                                     monkeypatch):
    from lapor.queue import outbox_job_id
    from workers import jobs

    monkeypatch.setattr(jobs, "FOLLOW_UPS_MAX", 0)
    assert gateway.post("/api/v1/reports", json=WEB_REPORT).status_code == 201
    work()
    assert outbox(query) == [("route_report", True, 1), ("notify", True, 1), ("send_sms", True, 1)]
    ids = query(lambda s: s.scalars(select(OutboxItem.id).order_by(OutboxItem.id)).all())
    assert jobs_run(sms_app) == sorted(outbox_job_id(i) for i in ids)
    assert len(fake_sendsms.requests) == 1


def test_generated_gateway_requests_get_an_answer_never_a_5xx(gateway, no_rate_limits):
    """Any bytes in any of the gateway's fields, sent as Kannel's get-url or post-url would."""
    raw = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode), st.sampled_from([
        b"TANGKAB jalan rusak", b"CEK ABCDEFGH", b"BALAS ABCDEFGH halo", b"BANTUAN", b"\xd8\x3d", b"\x00\x00",
        "Jalan rusak 😡".encode("utf-16-be"), b"\xff" * 10, b"9" * 50, b"0", b"2", b"UTF-16BE", b"ISO-8859-1"]))
    names = ["from", "to", "text", "id", "ts", "coding", "charset", "secret"]

    @given(st.dictionaries(st.sampled_from(names), raw, max_size=6), st.booleans(), st.uuids())
    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def deliver(fields, as_post, message_id):
        base = {"from": OWNER.encode(), "to": b"1708", "text": b"TANGKAB jalan rusak", "id": str(message_id).encode()}
        body = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in {**base, **fields}.items())
        response = (gateway.post("/channels/sms/kannel", data=body, content_type="application/x-www-form-urlencoded")
                    if as_post else gateway.get("/channels/sms/kannel?" + body))
        assert response.status_code < 500, (fields, response.status_code)

    deliver()


def test_a_gateways_error_does_not_repeat_the_number_in_any_spelling():
    from lapor.queue import unnamed

    for said in ("+6281234567890", "6281234567890", "081234567890"):
        shown = unnamed(f"HTTP 400 bad destination {said}", "+6281234567890")
        assert "81234567890" not in shown and "<penerima>" in shown
    assert unnamed("no such user <Siti@Example.ID>", "siti@example.id") == "no such user <<penerima>>"


def test_without_a_secret_only_a_gateway_on_this_machine_is_believed(client, demo, app, monkeypatch):
    """Anyone could otherwise post as a reporter's number and read or close their report."""
    import uuid

    from lapor.channels.kannel import KannelConfig

    monkeypatch.setitem(app.config, "LAPOR_KANNEL", KannelConfig())
    sms = {"from": "081234567890", "to": "1708", "id": str(uuid.uuid4()), "text": "BANTUAN"}
    assert client.get("/channels/sms/kannel", query_string=sms,
                      environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    assert client.get("/channels/sms/kannel", query_string={**sms, "id": str(uuid.uuid4())},
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/channels/sms/kannel/dlr", query_string={"msg": "1", "status": "1"},
                      environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
