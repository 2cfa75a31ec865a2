"""Email through SMTP: settings from the environment, one message per outbox job."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from lapor.extensions import db
from lapor.models import OutgoingMessage
from lapor.queue import at_the_gateway, is_last_attempt, unnamed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str

    @classmethod
    def from_env(cls, env=None) -> SmtpSettings:
        env = os.environ if env is None else env
        return cls(
            host=env.get("LAPOR_SMTP_HOST") or None,
            port=int(env.get("LAPOR_SMTP_PORT", "587")),
            username=env.get("LAPOR_SMTP_USERNAME") or None,
            password=env.get("LAPOR_SMTP_PASSWORD") or None,
            starttls=env.get("LAPOR_SMTP_STARTTLS", "on") == "on",
            sender=env.get("LAPOR_MAIL_FROM", "Lapor <noreply@lapor.localhost>"),
        )


def init_app(app) -> None:
    app.config.setdefault("LAPOR_SMTP", SmtpSettings.from_env())


class SendError(Exception):
    """The mail server refused or could not be reached; RQ retries the job."""


def send_email(payload: dict, now: datetime) -> str:
    """Send one queued email; failures are recorded on the message and raised for a retry."""
    message = db.session.get(OutgoingMessage, payload["message_id"])
    if message is None:
        return "missing"
    if message.state != "pending":
        return f"{message.state}-before"
    settings: SmtpSettings = current_app.config["LAPOR_SMTP"]
    if not settings.host:
        # No mail server configured: say so on the message instead of retrying in vain.
        message.state, message.last_error = "failed", "LAPOR_SMTP_HOST is not set"
        return "not configured"
    with at_the_gateway(message, now):
        try:
            _deliver(settings, message)
        except SendError as exc:
            message.last_error = str(exc)[:2000]
            if is_last_attempt():
                message.state = "failed"
            db.session.commit()
            log.warning("email %s not sent (attempt %d): %s", message.id, message.attempts, exc)
            raise
    message.state = "sent"
    message.sent_at = now
    message.last_error = None
    return "sent"


def _deliver(settings: SmtpSettings, message: OutgoingMessage) -> None:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.recipient
    # One line: a report's title may hold line breaks, which a header may not.
    email["Subject"] = " ".join((message.subject or "").split()) or "Lapor"
    email["Message-ID"] = make_msgid(domain="lapor")
    email.set_content(message.body)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=20) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(unnamed(f"{exc.__class__.__name__}: {exc}", message.recipient)) from exc
