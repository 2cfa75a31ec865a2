"""The deadline sweeper: claims due reports in small batches and takes their due steps.

Safe to run on several machines at once: on PostgreSQL each batch is claimed
with FOR UPDATE SKIP LOCKED, so two sweepers never hold the same report, and
the unique constraint on escalations keeps every automatic step to one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lapor import workflow
from lapor.extensions import db
from lapor.models import Report
from lapor.sla.adapter import calendar_for, refresh_deadlines, snapshot, steps_done
from lapor.sla.escalation import FINISHED, due_steps
from lapor.workflow import SYSTEM

log = logging.getLogger(__name__)


def claim_due(now: datetime, batch: int) -> list[Report]:
    """Lock and return up to `batch` reports whose next step is due."""
    query = (
        select(Report)
        .options(selectinload(Report.escalations), selectinload(Report.events))
        .where(Report.next_due_at <= now)
        .order_by(Report.next_due_at)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def take_due_steps(report: Report, now: datetime) -> list[str]:
    """Apply every step of the ladder due for `report` at `now`; return what was done."""
    calendar = calendar_for(report.agency)
    taken = []
    for step in due_steps(snapshot(report), steps_done(report), calendar, now):
        if report.state in FINISHED:
            break  # closed by an earlier step of this sweep (auto-close before a late referral)
        if step.level == "auto_close":
            workflow.auto_close(report, SYSTEM, now)
        elif workflow.escalate(report, SYSTEM, now, step.clock, step.level) is None:
            continue  # another sweeper recorded it first
        taken.append(f"{step.clock}:{step.level}")
    refresh_deadlines(report)
    return taken


def sweep(now: datetime, batch: int = 200, max_batches: int = 50) -> int:
    """Sweep until nothing is due (or `max_batches` ran); commit after every batch."""
    swept = 0
    for _ in range(max_batches):
        reports = claim_due(now, batch)
        if not reports:
            break
        for report in reports:
            taken = take_due_steps(report, now)
            if taken:
                log.info("report %s: %s", report.tracking_id, ", ".join(taken))
        db.session.commit()
        swept += len(reports)
    return swept
