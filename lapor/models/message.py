"""Outgoing messages: every SMS and email Lapor sends, from queued to delivered or failed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lapor.extensions import db
from lapor.models.types import UTCDateTime

MESSAGE_STATES = ("pending", "sent", "delivered", "failed")


class OutgoingMessage(db.Model):
    __tablename__ = "outgoing_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="sms")  # sms, email
    recipient: Mapped[str] = mapped_column(String(254))  # E.164 number or email address
    subject: Mapped[str | None] = mapped_column(String(200))  # email only
    body: Mapped[str] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)
    # What this message answers: an inbound SMS ("sms:<gateway id>") or a timeline
    # event ("event:<id>:<channel>:<recipient>"); a retry finds the message already made.
    in_reply_to: Mapped[str | None] = mapped_column(String(120), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    gateway_ref: Mapped[str | None] = mapped_column(String(120))  # the SMSC's message ID
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
