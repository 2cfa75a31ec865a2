"""SLA policies and categories: data an admin edits, not code."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lapor.extensions import db


class SlaPolicy(db.Model):
    __tablename__ = "sla_policy"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    disposition_days: Mapped[float] = mapped_column(Float)
    followup_days: Mapped[float] = mapped_column(Float)
    extended_followup_days: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(300))


class Category(db.Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    policy_code: Mapped[str | None] = mapped_column(ForeignKey("sla_policy.code"))

    parent: Mapped[Category | None] = relationship(remote_side=[id])
    policy: Mapped[SlaPolicy | None] = relationship()
