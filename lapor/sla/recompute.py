"""Recomputing open reports' deadlines after a change of calendar or policy, in batches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from lapor import workflow
from lapor.extensions import db
from lapor.models import OPEN_STATES, Agency, Report, subtree_ids
from lapor.sla.adapter import forget_calendars
from lapor.workflow import SYSTEM

log = logging.getLogger(__name__)


def recompute(
    now: datetime,
    reason: str,
    agency_id: int | None = None,
    policy_code: str | None = None,
    batch: int = 500,
    progress: Callable[[int, int], None] | None = None,
    after_id: int = 0,
    limit: int | None = None,
) -> tuple[int, int, int | None]:
    """Recompute the open reports a change touches, in id order after ``after_id``, one
    committed batch at a time; return (examined, changed, resume_after).

    `agency_id` limits it to that agency's subtree (an agency's own calendar
    days); `policy_code` to reports under that policy. Neither: every open report.
    `limit`: stop once about that many reports are examined (whole batches) and return the
    last id examined as `resume_after`, for a later call to go on from; None once the end is
    reached. A call that dies half-way is simply made again: unchanged reports stay unchanged.
    """
    query = select(Report).where(Report.state.in_(OPEN_STATES))
    if agency_id is not None and db.session.get(Agency, agency_id) is not None:
        query = query.where(Report.agency_id.in_(subtree_ids(agency_id)))
    if policy_code is not None:
        query = query.where(Report.policy_code == policy_code)
    examined = changed = 0
    last_id = after_id
    forget_calendars()
    while limit is None or examined < limit:
        rows = db.session.scalars(
            query.where(Report.id > last_id).order_by(Report.id).limit(batch).with_for_update()
        ).all()
        for report in rows:
            changed += workflow.recompute_deadlines(report, SYSTEM, now, reason)
        db.session.commit()
        examined += len(rows)
        if progress is not None and rows:
            progress(examined, changed)
        if len(rows) < batch:
            log.info("recomputed deadlines (%s): %d open reports after #%d, %d changed",
                     reason, examined, after_id, changed)
            return examined, changed, None
        last_id = rows[-1].id
    return examined, changed, last_id
