"""Reports and everything that hangs off them: events, escalations, attachments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lapor.extensions import db
from lapor.models.agency import Agency
from lapor.models.sla import Category
from lapor.models.types import UTCDateTime

REPORT_TYPES = ("complaint", "aspiration", "information_request")
CHANNELS = ("web", "api", "sms", "subdomain", "open311")
STATES = ("received", "disposed", "in_progress", "waiting_reporter", "resolved", "closed", "archived")
OPEN_STATES = ("received", "disposed", "in_progress", "waiting_reporter", "resolved")
ARCHIVE_REASONS = ("spam", "too_general", "not_relevant", "duplicate")
# The deadline of the clock that runs now (`web.desk.deadlines.current_clock`, in SQL): the
# disposition clock while received, the follow-up clock until the first follow-up; else none.
CURRENT_DUE_SQL = ("CASE WHEN state = 'received' THEN disposition_due_at "
                   "WHEN state IN ('disposed', 'in_progress') AND followed_up_at IS NULL "
                   "THEN followup_due_at END")


def late_before_the_wait():
    """Reports waiting for the reporter whose follow-up deadline had passed before the question:
    the pause holds the clock, it does not make them on time (no deadline runs, so the stored
    current deadline has none for them)."""
    return and_(Report.state == "waiting_reporter", Report.followed_up_at.is_(None),
                Report.followup_due_at < Report.paused_at)


class Report(db.Model):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[str] = mapped_column(String(16), unique=True)
    access_token_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(24), default="complaint")
    channel: Mapped[str] = mapped_column(String(16), default="web")
    channel_ref: Mapped[str | None] = mapped_column(String(120), unique=True)  # e.g. SMS message ID
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    event_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(300))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="id")  # of the reporter's messages

    state: Mapped[str] = mapped_column(String(20), default="received", index=True)
    requested_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    policy_code: Mapped[str] = mapped_column(ForeignKey("sla_policy.code"), default="khusus")
    archive_reason: Mapped[str | None] = mapped_column(String(20))
    rating: Mapped[int | None] = mapped_column(SmallInteger)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Working time spent waiting for the reporter; moves the follow-up deadline.
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # Working time from receipt to the first follow-up, in the agency's calendar at that moment:
    # what scorecards take the median of (None until followed up, and for reports followed up
    # before the column existed until `lapor sla backfill` fills them in).
    followup_working_seconds: Mapped[int | None] = mapped_column(Integer)
    # When the agency took the policy's one extension of the follow-up deadline (informasi: 10 HK
    # to 17 HK, UU 14/2008; pengawasan: 14 HK to 60 HK for a field inspection).
    followup_extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposition_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The next moment anything can happen to this report; the sweeper's index.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Kept by the database itself (a generated column), so the inbox sorts by an index.
    current_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, Computed(CURRENT_DUE_SQL, persisted=True))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    requested_agency: Mapped[Agency | None] = relationship(foreign_keys=[requested_agency_id])
    agency: Mapped[Agency | None] = relationship(foreign_keys=[agency_id])
    category: Mapped[Category | None] = relationship()
    events: Mapped[list[ReportEvent]] = relationship(
        back_populates="report", order_by="ReportEvent.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="report", order_by="Attachment.id"
    )
    escalations: Mapped[list[Escalation]] = relationship(order_by="Escalation.id")

    __table_args__ = (
        Index("ix_report_agency_state", "agency_id", "state"),
        # Lists of the latest reports (the citizens' home page, staff lists, Open311) read in
        # this order: with the index they stop after one page instead of sorting every report.
        Index("ix_report_received_at_id", "received_at", "id"),
    )


# Staff inboxes list overdue and soonest due first, then the rest newest first: this order, which
# the index gives on PostgreSQL (where ascending order puts nulls last, as this one asks).
INBOX_ORDER = (Report.current_due_at.asc().nulls_last(), Report.received_at.desc(), Report.id.desc())
Index("ix_report_inbox_order", Report.current_due_at, Report.received_at.desc(), Report.id.desc())


class ReportEvent(db.Model):
    """One entry of a report's timeline. Rows are only ever inserted."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(12))  # citizen, staff, system
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    message: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(300))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    report: Mapped[Report] = relationship(back_populates="events")
    agency: Mapped[Agency | None] = relationship(foreign_keys=[agency_id])
    actor_agency: Mapped[Agency | None] = relationship(foreign_keys=[actor_agency_id])


@event.listens_for(ReportEvent, "before_update")
@event.listens_for(ReportEvent, "before_delete")
def _events_are_append_only(_mapper, _connection, target) -> None:
    raise PermissionError(f"report events are append-only (event {target.id})")


class Escalation(db.Model):
    """A step of the escalation ladder; automatic steps exist once per report, clock and level."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    clock: Mapped[str] = mapped_column(String(20))  # disposition, followup, closure, oversight
    level: Mapped[str] = mapped_column(String(20))  # warning, intervention, reprimand, referral
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    # Automatic steps use 0, so the unique constraint holds them to one each;
    # manual ones by coordinators take the next number.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (UniqueConstraint("report_id", "clock", "level", "seq"),)


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship(back_populates="attachments")
