"""The coordinators' dashboard: watched agencies' compliance, overdue reports and escalations."""

from __future__ import annotations

from flask import Blueprint, request

from lapor import access
from lapor.clock import utcnow
from lapor.i18n import gettext
from lapor.web.desk import figures
from lapor.web.desk.common import page, period, staff_only, zone_of, zone_spans
from lapor.web.desk.deadlines import remaining
from lapor.workflow import Actor

bp = Blueprint("dashboard", __name__)
TOTALS = ("received", "disposed_on_time", "followed_up_on_time", "overdue_now", "interventions",
          "reprimands")


@bp.get("/")
@staff_only("coordinator", "sysadmin")
def index(user):
    actor, zone, now = Actor.staff(user), zone_of(user), utcnow()
    first, last, _, _, filters = period(request.args, zone)
    agencies = figures.agencies_within(access.watchable_agency_ids(actor))
    ids = [a.id for a in agencies]
    cards = figures.cards(agencies, zone_spans(agencies, first, last, filters, now), now)
    active = [c for c in cards if any(c[name] for name in TOTALS)]
    totals = {name: sum(c[name] for c in cards) for name in TOTALS}
    weekly = figures.weekly_compliance(ids, now, zone)
    overdue = [(r, remaining(r, now)) for r in figures.overdue_reports(ids, now)]
    return page(
        "staff/dashboard.html", user, cards=active, quiet=len(cards) - len(active), totals=totals,
        weekly=weekly, overdue=overdue, first=first, last=last, ignored=filters.ignored,
        charts=_charts(weekly, cards),
    )


def _charts(weekly: list[dict], cards: list[dict]) -> dict:
    """What desk.js draws: plain numbers and the labels in the reader's language."""
    late = sorted((c for c in cards if c["overdue_now"]), key=lambda c: -c["overdue_now"])[:15]
    return {
        "weekly": {"labels": [w["week"] for w in weekly], "values": [w["rate"] for w in weekly],
                   "label": gettext("desk.chart.weekly_series")},
        "overdue": {"labels": [c["agency"] for c in late], "names": [c["name"] for c in late],
                    "values": [c["overdue_now"] for c in late],
                    "label": gettext("desk.chart.overdue_series")},
    }
