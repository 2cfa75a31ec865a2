"""Routing a received report to the agency that must act, or to triage.

Until the rules engine is wired in, a report that names an agency goes to it
and every other report waits in the dispatchers' triage queue.
"""

from __future__ import annotations

from datetime import datetime

from lapor import workflow
from lapor.extensions import db
from lapor.models import Report
from lapor.workflow import SYSTEM


def route_report(report: Report, now: datetime) -> str:
    """Route once: a report already routed, or no longer waiting, is left alone."""
    if report.routed_at is not None or report.state != "received":
        return "skipped"
    if report.requested_agency is not None:
        explanation = {"method": "requested_agency", "agency": report.requested_agency.code}
        workflow.dispose(report, SYSTEM, now, report.requested_agency, routing=explanation)
        return "disposed"
    workflow.triage(report, SYSTEM, now, routing={"method": "no_agency"})
    return "triaged"


def load_for_routing(report_id: int) -> Report | None:
    return db.session.get(Report, report_id, with_for_update=True)
