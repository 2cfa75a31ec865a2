"""Intake: every channel's normalised report is committed first, then queued for routing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lapor import phones, ratelimit, workflow
from lapor.extensions import db
from lapor.models import Agency, Category, Report
from lapor.queue import add_work
from lapor.workflow import InvalidInput, NewReport


def find_agency(code: str | None) -> Agency | None:
    if not code:
        return None
    if "\x00" in code:  # no code has one, and PostgreSQL would refuse to look
        raise InvalidInput("agency_not_found", agency=code.replace("\x00", ""))
    agency = db.session.scalars(select(Agency).where(Agency.code == code.strip().upper())).first()
    if agency is None:
        raise InvalidInput("agency_not_found", agency=code)
    return agency


def find_category(code: str | None) -> Category | None:
    if not code:
        return None
    if "\x00" in code:
        raise InvalidInput("category_not_found", category=code.replace("\x00", ""))
    category = db.session.scalars(select(Category).where(Category.code == code.strip().lower())).first()
    if category is None:
        raise InvalidInput("category_not_found", category=code)
    return category


def receive(new: NewReport, now: datetime, category_code: str | None = None) -> tuple[Report, str]:
    """Store a report and its routing work in one transaction, then hand the work to the queue.

    Raises ``ratelimit.TooManyReports`` when the reporter's number has sent too many."""
    if category_code:
        category = find_category(category_code)
        new.category_id = category.id
        new.policy_code = new.policy_code or category.policy_code
    if new.type == "information_request":
        # Public-information requests follow UU 14/2008 whatever their category.
        new.policy_code = "informasi"
    ratelimit.count_report_from(phones.phone_key(new.reporter_phone))  # before anything is written
    report, token = workflow.submit(new, now)
    db.session.flush()
    add_work("route_report", {"report_id": report.id}, now)
    _commit_keeping_loaded()  # the routing work is queued as this commits
    return report, token


def _commit_keeping_loaded() -> None:
    """Commit without expiring the objects just written, so the answer is built from them
    rather than read back: nothing else can have changed a report that did not exist."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def find_by_channel_ref(channel_ref: str) -> Report | None:
    """A report already made from this gateway message, so retries make no second one."""
    return db.session.scalars(select(Report).where(Report.channel_ref == channel_ref)).first()
