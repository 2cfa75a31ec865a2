"""Agencies: a tree of government bodies, plus who supervises whom."""

from __future__ import annotations

from datetime import time

from sqlalchemy import Column, ForeignKey, String, Table, Time, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lapor.extensions import db

TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

supervision = Table(
    "agency_supervision",
    db.metadata,
    Column("coordinator_id", ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
)


class Agency(db.Model):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="unit")  # national, ministry, province, city, unit
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    office_open: Mapped[time] = mapped_column(Time, default=time(8, 0))
    office_close: Mapped[time] = mapped_column(Time, default=time(16, 0))
    sms_keyword: Mapped[str | None] = mapped_column(String(32), unique=True)
    subdomain: Mapped[str | None] = mapped_column(String(63), unique=True)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")
    supervised: Mapped[list[Agency]] = relationship(
        secondary=supervision,
        primaryjoin=id == supervision.c.coordinator_id,
        secondaryjoin=id == supervision.c.agency_id,
        back_populates="coordinators",
    )
    coordinators: Mapped[list[Agency]] = relationship(
        secondary=supervision,
        primaryjoin=id == supervision.c.agency_id,
        secondaryjoin=id == supervision.c.coordinator_id,
        back_populates="supervised",
    )

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


def subtree_ids(agency_id: int) -> list[int]:
    """The agency and every unit below it, found with a recursive query."""
    return list(db.session.scalars(_below(Agency.id == agency_id)))


def _below(roots):
    """A query of the ids of the agencies matching ``roots`` and of every unit below them."""
    tree = select(Agency.id).where(roots).cte("tree", recursive=True)
    tree = tree.union(select(Agency.id).where(Agency.parent_id == tree.c.id))  # UNION: ends on a cycle
    return select(tree.c.id)


def lineage(agency_id: int):
    """A query of the agency's id and those of every agency above it (recursive)."""
    tree = select(Agency.id, Agency.parent_id).where(Agency.id == agency_id).cte("lineage", recursive=True)
    tree = tree.union(select(Agency.id, Agency.parent_id).where(Agency.id == tree.c.parent_id))
    return select(tree.c.id)


def is_within(agency_id: int, ancestor_id: int) -> bool:
    """Whether `agency_id` is `ancestor_id` or one of its sub-units."""
    return agency_id in subtree_ids(ancestor_id)


def is_unit_of(agency: Agency, ancestor_id: int) -> bool:
    """``is_within`` for a loaded agency: the agency itself and its direct units need no query."""
    return agency.id == ancestor_id or agency.parent_id == ancestor_id or is_within(agency.id, ancestor_id)


def watched_ids(agency: Agency) -> set[int]:
    """What a coordinator agency watches: its own subtree and every supervised agency's, in one
    query however many it supervises (Ombudsman RI supervises every agency)."""
    supervised = select(supervision.c.agency_id).where(supervision.c.coordinator_id == agency.id)
    return set(db.session.scalars(_below((Agency.id == agency.id) | Agency.id.in_(supervised))))
