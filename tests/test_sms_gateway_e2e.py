"""End to end through the real Kannel, all on 127.0.0.1:

fakesmsc (the phone network) → bearerbox → smsbox → Lapor's sms-service URL;
the worker routes the report and hands the reply to smsbox's sendsms →
bearerbox → fakesmsc, which prints it; the fake SMSC's delivery report comes back.
"""

from __future__ import annotations

import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from lapor.channels.kannel import KannelConfig
from lapor.extensions import db
from lapor.models import OutgoingMessage, Report


def _find(name: str, *places: str) -> str | None:
    return shutil.which(name) or next((p for p in places if Path(p).is_file()), None)


BEARERBOX = _find("bearerbox", "/usr/sbin/bearerbox")
SMSBOX = _find("smsbox", "/usr/sbin/smsbox")
FAKESMSC = _find("fakesmsc", "/usr/lib/kannel/test/fakesmsc")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (BEARERBOX and SMSBOX and FAKESMSC),
        reason="Kannel is not installed (needs bearerbox, smsbox and fakesmsc: "
               "apt-get install kannel kannel-extras)",
    ),
]

OWNER, STRANGER, SHORT_NUMBER = "081234567890", "089876543210", "1708"
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$")

KANNEL_CONF = """\
group = core
admin-port = {admin_port}
admin-interface = "127.0.0.1"
admin-password = "{password}"
admin-allow-ip = "127.0.0.1"
admin-deny-ip = "*.*.*.*"
smsbox-port = {smsbox_port}
smsbox-interface = "127.0.0.1"
box-allow-ip = "127.0.0.1"
box-deny-ip = "*.*.*.*"
log-file = "{dir}/bearerbox.log"
log-level = 0

group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = {smsc_port}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox_port}
sendsms-port = {sendsms_port}
sendsms-interface = "127.0.0.1"
global-sender = {short_number}
mo-recode = true
http-request-retry = 5
http-queue-delay = 1
log-file = "{dir}/smsbox.log"
log-level = 0

group = sendsms-user
username = lapor
password = "{password}"
user-allow-ip = "127.0.0.1"
max-messages = 3
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:{web_port}/channels/sms/kannel?from=%p&to=%P&text=%a&id=%I&ts=%T&coding=%c&charset=%C&secret={secret}"
"""


@pytest.fixture(scope="module")
def e2e_app(settings):
    from lapor import channels
    from lapor.app import create_app

    app = create_app(settings, TESTING=True)
    channels.init_app(app)  # a no-op once create_app wires the channels itself
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, what: str, timeout: float = 30, logs: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    detail = ""
    if logs is not None:
        detail = "".join(f"\n--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(logs.glob("*.log")))
    raise AssertionError(f"timed out waiting for {what}{detail}")


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _received(log: Path) -> list[tuple[str, str]]:
    """(receiver, text) of every message fakesmsc got from Kannel."""
    messages = []
    for line in log.read_text(errors="replace").splitlines():
        found = GOT.search(line)
        if found:
            _sender, receiver, kind, data = found.groups()
            text = unquote_to_bytes(data).decode("utf-16-be") if kind == "ucs-2" else data
            messages.append((receiver, text))
    return messages


class Gateway:
    """Lapor on a local HTTP server (behind `wrap`, a WSGI middleware, if given) and a real
    Kannel in front of it; handsets are fakesmsc processes. Stop it with `close()`."""

    def __init__(self, app, tmp_path: Path, wrap=None):
        self.app, self.dir, self.processes = app, tmp_path, []
        self.server = make_server("127.0.0.1", 0, wrap(app) if wrap else app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        password, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(16)
        self.ports = {name: _free_port() for name in ("admin_port", "smsbox_port", "smsc_port", "sendsms_port")}
        conf = tmp_path / "kannel.conf"
        conf.write_text(KANNEL_CONF.format(dir=tmp_path, password=password, secret=secret, web_port=self.server.port,
                                           short_number=SHORT_NUMBER, **self.ports))
        app.config["LAPOR_KANNEL"] = KannelConfig(
            sendsms_url=f"http://127.0.0.1:{self.ports['sendsms_port']}/cgi-bin/sendsms",
            username="lapor", password=password, sender=SHORT_NUMBER, secret=secret,
            dlr_url=f"http://127.0.0.1:{self.server.port}/channels/sms/kannel/dlr",
        )
        self.start("bearerbox-out", BEARERBOX, str(conf))
        self.wait_for(lambda: _listening(self.ports["smsbox_port"]), "bearerbox")
        self.start("smsbox-out", SMSBOX, str(conf))
        self.wait_for(lambda: _listening(self.ports["sendsms_port"]), "smsbox")

    def start(self, name: str, *args: str) -> Path:
        log = self.dir / f"{name}.log"
        with log.open("wb") as out:
            self.processes.append(subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL, cwd=self.dir))
        return log

    def phone(self, name: str, sender: str, text: str) -> Path:
        """A handset: fakesmsc sends one SMS, then prints whatever Kannel delivers to it."""
        return self.start(name, FAKESMSC, "-H", "127.0.0.1", "-r", str(self.ports["smsc_port"]),
                          "-m", "1", f"{sender} {SHORT_NUMBER} text {text}")

    def hang_up(self) -> None:
        process = self.processes.pop()
        process.terminate()
        process.wait(10)

    def wait_for(self, predicate, what: str, timeout: float = 30):
        return _wait_for(predicate, what, timeout, logs=self.dir)

    def count(self, model, *where) -> int:
        with self.app.app_context():
            try:
                return db.session.scalar(select(func.count()).select_from(model).where(*where))
            finally:
                db.session.remove()

    def replies(self) -> int:
        """Answers to inbound SMS (notifications about the report are counted apart)."""
        return self.count(OutgoingMessage, OutgoingMessage.in_reply_to.like("sms:%"))

    def close(self) -> None:
        for process in reversed(self.processes):  # handsets, then smsbox, then bearerbox
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(e2e_app, demo, tmp_path):
    """A function starting the gateway in front of Lapor (optionally behind a middleware)."""
    started = []

    def start(wrap=None) -> Gateway:
        started.append(Gateway(e2e_app, tmp_path, wrap))
        return started[-1]

    yield start
    for each in started:
        each.close()


def reply_to(log: Path, number: str, containing: str = "") -> str | None:
    texts = [text for receiver, text in _received(log) if receiver == number and containing in text]
    return texts[0] if texts else None


def test_sms_round_trip_through_real_kannel(e2e_app, gateway):
    from workers.worker import work

    kannel = gateway()
    phone, hang_up, replies, count = kannel.phone, kannel.hang_up, kannel.replies, kannel.count
    tmp_path = kannel.dir
    # 1. A report to TANGKAB: stored, routed, answered with its tracking ID.
    handset = phone("owner-report", OWNER, "TANGKAB jalan rusak di depan pasar")
    _wait_for(lambda: replies() == 1, "the report's reply", logs=tmp_path)
    work(e2e_app, burst=True)
    with e2e_app.app_context():
        report = db.session.scalars(select(Report)).one()
        tracking_id = report.tracking_id
        assert (report.channel, report.reporter_phone) == ("sms", "+6281234567890")
        assert report.body == "jalan rusak di depan pasar"
        # TANGKAB's own rules pass a road complaint on to its public-works office.
        assert (report.state, report.agency.code) == ("disposed", "DPUPRTANGKAB")
        db.session.remove()
    reply = _wait_for(lambda: reply_to(handset, "+6281234567890", "Nomor laporan"),
                      "the reply SMS", logs=tmp_path)
    assert f"Nomor laporan: {tracking_id}" in reply
    notice = _wait_for(lambda: reply_to(handset, "+6281234567890", "diteruskan ke"),
                       "the disposition notice", logs=tmp_path)
    assert notice == f"Laporan {tracking_id} diteruskan ke Dinas PUPR Kabupaten Tangerang"

    def delivered():
        with e2e_app.app_context():
            try:
                states = db.session.scalars(select(OutgoingMessage.state)).all()
                return states == ["delivered", "delivered"]
            finally:
                db.session.remove()

    _wait_for(delivered, "the delivery reports", logs=tmp_path)
    assert len(_received(handset)) == 2  # the sms-service itself answered nothing
    hang_up()

    # 2. CEK from the reporter's own number: the status.
    handset = phone("owner-check", OWNER, f"CEK {tracking_id}")
    _wait_for(lambda: replies() == 2, "the CEK reply", logs=tmp_path)
    work(e2e_app, burst=True)
    status = _wait_for(lambda: reply_to(handset, "+6281234567890"), "the status SMS",
                       logs=tmp_path)
    assert status == (f"Laporan {tracking_id}: Didisposisikan, "
                      "ditangani Dinas PUPR Kabupaten Tangerang.")
    hang_up()

    # 3. CEK from another number: the answer for an unknown ID, nothing more.
    handset = phone("stranger-check", STRANGER, f"CEK {tracking_id}")
    _wait_for(lambda: replies() == 3, "the stranger's reply", logs=tmp_path)
    work(e2e_app, burst=True)
    refusal = _wait_for(lambda: reply_to(handset, "+6289876543210"), "the refusal SMS",
                        logs=tmp_path)
    assert refusal.startswith(f"Laporan {tracking_id} tidak ditemukan untuk nomor ini.")
    assert "Didisposisikan" not in refusal and "Tangerang" not in refusal
    assert count(Report) == 1


class FirstTryUnavailable:
    """Lapor answering its first inbound SMS 503, as it does while its database restarts."""

    def __init__(self, app):
        self.app, self.refused = app, 0

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/channels/sms/kannel" and not self.refused:
            self.refused += 1
            start_response("503 Service Unavailable", [("Retry-After", "5"), ("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)


def test_an_sms_lapor_could_not_take_is_retried_by_kannel_and_makes_one_report(e2e_app, gateway):
    from workers.worker import work

    outage = []
    kannel = gateway(wrap=lambda app: outage.append(FirstTryUnavailable(app)) or outage[0])
    handset = kannel.phone("owner-report", OWNER, "TANGKAB lampu jalan mati di depan pasar")
    kannel.wait_for(lambda: kannel.replies() == 1, "the report's reply after Kannel's retry")
    assert outage[0].refused == 1
    work(e2e_app, burst=True)  # routes the report and sends its reply
    reply = kannel.wait_for(lambda: reply_to(handset, "+6281234567890", "Nomor laporan"), "the reply SMS")
    assert kannel.count(Report) == 1
    with e2e_app.app_context():
        assert db.session.scalars(select(Report.body)).one() == "lampu jalan mati di depan pasar"
        assert db.session.scalars(select(Report.tracking_id)).one() in reply
        db.session.remove()


class Counting:
    """Counts Kannel's requests for inbound SMS, passing them on to Lapor."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/channels/sms/kannel":
            self.calls += 1
        return self.app(environ, start_response)


def test_an_operator_promotion_is_taken_once_and_not_retried(e2e_app, gateway):
    # Kannel retries every answer but a 2xx, a 4xx included (measured: 1 + http-request-retry
    # requests for a 400, a second apart here): an SMS nobody can answer must be taken, not refused.
    counter = []
    kannel = gateway(wrap=lambda app: counter.append(Counting(app)) or counter[0])
    kannel.phone("promo", "TELKOMSEL", "Paket internet 10GB hanya Rp10rb")
    kannel.wait_for(lambda: counter[0].calls >= 1, "the promotion delivered")
    time.sleep(5)  # five of the fixture's one-second retry delays
    assert counter[0].calls == 1
    assert kannel.count(Report) == 0 and kannel.count(OutgoingMessage) == 0
