"""Keyword routing rules as data: versioned rule sets per owner agency, and their rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lapor.extensions import db
from lapor.models.agency import Agency
from lapor.models.types import UTCDateTime

RULESET_STATES = ("draft", "active", "retired")


class RuleSet(db.Model):
    """One version of an owner's rules: at most one draft and one active set per owner.

    `slot` ("draft:CODE" / "active:CODE", null once retired) is unique, so the
    database itself refuses a second draft or a second active set for an owner,
    also under concurrent requests. `generation` numbers activations across all
    owners and `stamp` is random per activation: together they fingerprint the
    active rules for every process's compiled cache.
    """

    __tablename__ = "rule_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The owner; None for the national set.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # draft, active, retired
    slot: Mapped[str | None] = mapped_column(String(48), unique=True)
    generation: Mapped[int | None] = mapped_column(Integer, unique=True)
    stamp: Mapped[str | None] = mapped_column(String(32))
    # Admin-added SMS abbreviations (short -> expansion), on top of the shipped dictionary.
    abbreviations: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship()
    rules: Mapped[list[RuleRow]] = relationship(
        back_populates="rule_set", order_by="RuleRow.position", cascade="all, delete-orphan"
    )


class RuleRow(db.Model):
    """One rule of a rule set; `data` is the rules engine's dict form (lapor.rules.model)."""

    __tablename__ = "rule_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_set.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))  # the rule's `id` in the dict form and in files
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(32))  # agency code
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    rule_set: Mapped[RuleSet] = relationship(back_populates="rules")

    __table_args__ = (UniqueConstraint("rule_set_id", "key"),)
