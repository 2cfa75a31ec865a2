"""Outgoing messages: every SMS Lapor sends, from queued to delivered or failed."""

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
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    recipient: Mapped[str] = mapped_column(String(32))  # E.164
    body: Mapped[str] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)
    # The inbound message this answers ("sms:<gateway id>"): a gateway retry finds
    # the reply already made instead of making a second one.
    in_reply_to: Mapped[str | None] = mapped_column(String(120), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    gateway_ref: Mapped[str | None] = mapped_column(String(120))  # the SMSC's message ID
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
