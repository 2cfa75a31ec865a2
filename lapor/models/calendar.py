"""Days an admin closes or opens, nationally or for one agency, ahead of the holiday library."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lapor.extensions import db
from lapor.models.agency import Agency
from lapor.models.types import UTCDateTime

DAY_KINDS = ("closure", "working")


class CalendarDay(db.Model):
    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)  # None: national
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # closure, working
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (UniqueConstraint("agency_id", "day"),)
