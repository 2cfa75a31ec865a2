"""The Kannel SMS gateway both ways: its sms-service calls us; we call its sendsms.

Replies go out through sendsms (retried, with delivery reports), so the
sms-service sends nothing itself. kannel.conf: in `smsbox`, `mo-recode = true`,
`http-request-retry = 60` and `http-queue-delay = 30` (so a message we answer 503 is retried);
in `sendsms-user`, `max-messages = 3` and `concatenation = true`; in `sms-service`,
`keyword = default`, `max-messages = 0` and a get-url of http://LAPOR +
    /channels/sms/kannel?from=%p&to=%P&text=%a&id=%I&ts=%T&coding=%c&charset=%C&secret=S

Environment, read when the app is created: LAPOR_KANNEL_SENDSMS_URL,
LAPOR_KANNEL_USERNAME, LAPOR_KANNEL_PASSWORD, LAPOR_SMS_SENDER (the short number),
LAPOR_SMS_SECRET (URL-safe; Kannel passes it as ?secret=) and LAPOR_SMS_DLR_URL
(/channels/sms/kannel/dlr as Kannel reaches it; unset: no delivery reports).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qsl, quote, urlencode
from urllib.request import ProxyHandler, build_opener

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lapor import access, intake, ratelimit, workflow
from lapor.channels import Channel, register, sms
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Agency, OutgoingMessage, Report
from lapor.phones import normalise_phone
from lapor.queue import add_work, at_the_gateway, is_last_attempt, unnamed
from lapor.workflow import CITIZEN, NewReport, StateConflict

log = logging.getLogger(__name__)
bp = Blueprint("sms_kannel", __name__)
TOPIC = "send_sms"
DLR_MASK = 1 | 2 | 8 | 16  # delivered to the phone, not delivered, accepted by the SMSC, rejected
RANK = {"pending": 0, "sent": 1, "failed": 2, "delivered": 3}  # a state never moves down
ANSWER_KINDS = ("followed_up", "resolved", "info_requested")
_GATEWAY_ID = re.compile(r"[\w.:@+=/-]{1,100}")  # Kannel's %I is a UUID; anything else is hashed


@dataclass(frozen=True)
class KannelConfig:
    sendsms_url: str | None = None
    username: str | None = None
    password: str | None = None
    sender: str | None = None
    secret: str | None = None
    dlr_url: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> KannelConfig:
        env = os.environ if environ is None else environ
        return cls(*(env.get(name) or None for name in (
            "LAPOR_KANNEL_SENDSMS_URL", "LAPOR_KANNEL_USERNAME", "LAPOR_KANNEL_PASSWORD",
            "LAPOR_SMS_SENDER", "LAPOR_SMS_SECRET", "LAPOR_SMS_DLR_URL")))


def settings() -> KannelConfig:
    # An app built without channels.init_app (a bare worker) reads the environment once, here.
    return current_app.config.setdefault("LAPOR_KANNEL", KannelConfig.from_env())


class SendError(Exception):
    """Kannel did not take a message; the job fails and RQ retries it."""


# Inbound: Kannel's sms-service.

@bp.route("/channels/sms/kannel", methods=["GET", "POST"])
def inbound():
    if not _authorised():
        return _text("forbidden", 403)
    fields = _fields()
    phone = normalise_phone(fields.get("from"))
    gateway_id = fields.get("id", "")
    ref = "sms:" + (gateway_id if _GATEWAY_ID.fullmatch(gateway_id) else _digest(fields))
    if phone is None:  # an operator's promotion (alphanumeric sender), a short code, a foreign number
        return _dropped(f"SMS {ref}", "'from' must be an Indonesian mobile number")
    reply = answer(phone, fields["text"], ref, utcnow())
    return _text(reply.body if reply is not None else "")


def answer(phone: str, text: str, ref: str, now: datetime) -> OutgoingMessage | None:
    """Carry out one inbound SMS once, however often the gateway delivers it; return the reply
    (None when a number past its limit was already told so within the hour)."""
    done = _reply_to(ref)
    if done is not None:
        return done
    agencies = _agencies_by_keyword()
    command = sms.parse_sms(text, agencies)
    try:
        report, body = _carry_out(command, phone, ref, agencies, now)
        if body is None:
            log.info("SMS from a number past its limit dropped (%s)", ref)
            return None
        reply = OutgoingMessage(channel="sms", recipient=phone, body=body, in_reply_to=ref,
                                report_id=report.id if report else None, state="pending",
                                attempts=0, created_at=now)
        db.session.add(reply)
        db.session.flush()
        add_work(TOPIC, {"message_id": reply.id}, now)
        db.session.commit()  # the reply is queued as this commits
    except IntegrityError:
        db.session.rollback()  # a concurrent delivery of the same SMS answered it first
        done = _reply_to(ref)
        if done is None:
            raise
        return done
    return reply


def _carry_out(command: sms.Command, phone, ref, agencies, now) -> tuple[Report | None, str | None]:
    """The report the command concerns and the reply; no reply (None) for a number past its
    limit that was already told so within the hour."""
    if command.kind == "help":
        return None, sms.HELP_TEXT
    if command.kind == "report":
        try:
            report = _receive(command, phone, ref, agencies.get(command.keyword), now)
        except ratelimit.TooManyReports:  # refused before anything was written
            try:
                ratelimit.count_report_from(phone, "phone_refusal")
            except ratelimit.TooManyReports:
                return None, None
            return None, sms.reply_too_many()
        return report, sms.reply_received(report.tracking_id, command.keyword)
    report = _own_report(command.tracking_id, phone, for_update=command.kind == "reply")
    if report is None:
        return None, sms.reply_not_found(command.tracking_id)
    if command.kind == "check":
        agency = report.agency.name if report.agency else None
        latest = _latest_answer(report)
        return report, sms.reply_status(report.tracking_id, report.state, agency, latest)
    if report.state == "resolved":  # the reporter's answer to the final follow-up
        satisfied, comment = sms.answer_to_final(command.text)
        if satisfied is None:
            return report, sms.reply_how_to_answer(report.tracking_id)
        workflow.confirm(report, CITIZEN, now, satisfied, comment)
        return report, sms.reply_answered(report.tracking_id, satisfied)
    try:
        workflow.reporter_reply(report, CITIZEN, now, command.text)
    except StateConflict:
        return report, sms.reply_not_accepted(report.tracking_id, report.state)
    return report, sms.reply_forwarded(report.tracking_id)


def _receive(command: sms.Command, phone, ref, agency, now) -> Report:
    report = intake.find_by_channel_ref(ref)  # made by a delivery that died before replying
    if report is not None:
        return report
    new = NewReport(title=sms.title_for(command.text), body=command.text, type=command.type,
                    channel="sms", channel_ref=ref, requested_agency=agency, reporter_phone=phone)
    try:
        report, _token = intake.receive(new, now)
    except IntegrityError:
        db.session.rollback()
        report = intake.find_by_channel_ref(ref)
        if report is None:
            raise
    return report


def _own_report(tracking_id: str, phone: str, for_update: bool = False) -> Report | None:
    """The report, if this number made it; otherwise None, exactly as for an unknown ID."""
    query = select(Report).where(Report.tracking_id == tracking_id)
    report = db.session.scalars(access.locked(query) if for_update else query).first()
    if report is None or normalise_phone(report.reporter_phone) != phone:
        return None
    return report


def _latest_answer(report: Report) -> str | None:
    for event in reversed(report.events):
        if event.public and event.message and event.kind in ANSWER_KINDS:
            return event.message
    return None


def _agencies_by_keyword() -> dict[str, Agency]:
    agencies = db.session.scalars(select(Agency).where(Agency.sms_keyword.is_not(None)))
    return {agency.sms_keyword.upper(): agency for agency in agencies}


def _reply_to(ref: str) -> OutgoingMessage | None:
    query = select(OutgoingMessage).where(OutgoingMessage.in_reply_to == ref)
    return db.session.scalars(query).first()


def _fields() -> dict[str, str]:
    """Kannel's parameters, from the query, a form, or a post-url body with X-Kannel headers."""
    raw = _form_bytes(request.query_string)
    if request.method == "POST":
        if request.mimetype == "application/x-www-form-urlencoded":
            raw.update(_form_bytes(request.get_data()))
        elif "text" not in raw:
            raw["text"] = request.get_data()
            raw.setdefault("charset", request.mimetype_params.get("charset", "").encode())
            for name in ("from", "to", "time", "coding"):
                header = request.headers.get(f"X-Kannel-{name.title()}")
                if header is not None:
                    raw.setdefault("ts" if name == "time" else name, header.encode())
    fields = {k: v.decode("utf-8", "replace").strip() for k, v in raw.items() if k != "text"}
    text = raw.get("text", b"")
    fields["text"] = sms.decode_text(text, fields.get("charset"), fields.get("coding"))
    return fields


def _form_bytes(data: bytes) -> dict[str, bytes]:
    # latin-1 maps bytes one to one, so the text's own charset can be applied afterwards.
    pairs = parse_qsl(data.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    return {name: value.encode("latin-1") for name, value in pairs}


def _digest(fields: dict[str, str]) -> str:
    # Without a usable %I, a retry is recognised by what it says, who sent it and when.
    parts = "\x1f".join(fields.get(k, "") for k in ("id", "from", "to", "ts", "text"))
    return "h" + hashlib.sha256(parts.encode()).hexdigest()[:32]


def _authorised() -> bool:
    """The shared secret; without one set, only a gateway on this machine is believed: anyone
    else could post as any reporter's number (and read or close their report)."""
    secret = settings().secret
    if secret is None:
        try:
            return ipaddress.ip_address(request.remote_addr or "").is_loopback
        except ValueError:
            return False
    given = request.args.get("secret", "")
    return hmac.compare_digest(given.encode(), secret.encode())


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status, mimetype="text/plain")


def _dropped(what: str, why: str) -> Response:
    """A request Lapor can never act on, taken (200) and logged: Kannel retries every other answer,
    a 4xx as often as a 503, for as long as its http-request-retry allows (measured with Kannel:
    1 + http-request-retry requests for a 400 or a 404)."""
    log.warning("%s dropped: %s", what, why)
    return _text(f"ignored: {why}")


# Delivery reports: Kannel fetches the dlr-url given with each message.

@bp.route("/channels/sms/kannel/dlr", methods=["GET", "POST"])
def delivery_report():
    if not _authorised():
        return _text("forbidden", 403)
    try:
        message_id, status = int(request.values["msg"]), int(request.values["status"])
    except (KeyError, ValueError):
        return _dropped("delivery report", "'msg' and 'status' must be numbers")
    found = apply_dlr(message_id, status, request.values.get("smsc_ref"),
                      request.values.get("answer"), utcnow())
    return _text("ok") if found else _dropped(f"delivery report for message {message_id}", "unknown message")


def dlr_state(status: int) -> str | None:
    """The message state a Kannel DLR value means; None for "queued" and the unknown."""
    if status & 1:
        return "delivered"
    if status & (2 | 16):
        return "failed"
    return "sent" if status & 8 else None


def apply_dlr(message_id: int, status: int, smsc_ref: str | None, answer: str | None,
              now: datetime) -> bool:
    message = db.session.get(OutgoingMessage, message_id)
    if message is None:
        return False
    if smsc_ref:
        message.gateway_ref = smsc_ref[:120]
    state = dlr_state(status)
    if state == "delivered":
        _advance(message_id, state, delivered_at=now)
    elif state == "failed":
        _advance(message_id, state, last_error=f"DLR {status}: {answer or 'no detail'}"[:2000])
    elif state == "sent":
        _advance(message_id, state)
    db.session.commit()
    return True


def _advance(message_id: int, state: str, **values) -> bool:
    # One conditional UPDATE: a late or reordered report can never move a message back.
    lower = [name for name, rank in RANK.items() if rank < RANK[state]]
    query = (update(OutgoingMessage)
             .where(OutgoingMessage.id == message_id, OutgoingMessage.state.in_(lower))
             .values(state=state, **values))
    return db.session.execute(query).rowcount == 1


# Outbound: the outbox handler that hands a message to Kannel's sendsms.

def send_sms(payload: dict, now: datetime) -> str:
    """Send one queued message; on failure record it and raise, so RQ retries with backoff."""
    message = db.session.get(OutgoingMessage, payload["message_id"])
    if message is None:
        return "missing"
    if message.state != "pending":
        return f"{message.state}-before"
    if not settings().sendsms_url:
        # No gateway configured: say so on the message instead of retrying in vain.
        _advance(message.id, "failed", last_error="LAPOR_KANNEL_SENDSMS_URL is not set")
        return "not configured"
    with at_the_gateway(message, now):
        try:
            accepted = _sendsms(settings(), message)
        except SendError as exc:
            message.last_error = str(exc)[:2000]
            if is_last_attempt():
                _advance(message.id, "failed")
            db.session.commit()
            log.warning("SMS %s not sent (attempt %d): %s", message.id, message.attempts, exc)
            raise
    message.sent_at = now
    message.last_error = None
    _advance(message.id, "sent")  # a delivery report that came first keeps its later state
    log.info("SMS %s handed to Kannel: %s", message.id, accepted)
    return "sent"


def _sendsms(config: KannelConfig, message: OutgoingMessage) -> str:
    if not config.sendsms_url:
        raise SendError("LAPOR_KANNEL_SENDSMS_URL is not set")
    params = {"username": config.username or "", "password": config.password or "",
              "to": message.recipient, "text": message.body, "charset": "UTF-8"}
    if config.sender:
        params["from"] = config.sender
    if not sms.is_gsm7(message.body):
        params["coding"] = "2"  # UCS-2: emoji and non-Latin scripts survive
    if config.dlr_url:
        params["dlr-mask"] = str(DLR_MASK)
        params["dlr-url"] = _dlr_url(config, message.id)
    url = config.sendsms_url + ("&" if "?" in config.sendsms_url else "?") + urlencode(params)
    # Kannel sits on the operator's network: an internet proxy from the environment must not apply.
    opener = build_opener(ProxyHandler({}))
    try:
        with opener.open(url, timeout=config.timeout) as response:
            return response.read(200).decode("utf-8", "replace").strip()
    except HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace").strip()
        raise SendError(unnamed(f"Kannel refused the message: HTTP {exc.code} {detail}", message.recipient)) from exc
    except (URLError, OSError) as exc:
        raise SendError(f"Kannel unreachable: {getattr(exc, 'reason', exc)}") from exc


def _dlr_url(config: KannelConfig, message_id: int) -> str:
    query = f"msg={message_id}&status=%d&smsc_ref=%F&answer=%A"
    if config.secret:
        query += "&secret=" + quote(config.secret, safe="")
    return config.dlr_url + ("&" if "?" in config.dlr_url else "?") + query


class KannelChannel(Channel):
    name = "sms"
    blueprint = bp

    def init_app(self, app) -> None:
        app.config.setdefault("LAPOR_KANNEL", KannelConfig.from_env())


register(KannelChannel())
