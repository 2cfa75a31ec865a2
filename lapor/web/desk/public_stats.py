"""`/statistik`: agencies' response times and on-time rates, for anyone; never confidential ones.

Working out the figures reads every report of the period (counts, on-time rates and the median
working time to a first follow-up, per agency). A public page must not pay that on every visit,
so the figures of each period are kept in Redis (``lapor.cache.kept``) and worked out again at
most once every ``FRESH``, by one process at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request

from lapor.cache import kept
from lapor.clock import utcnow
from lapor.web.desk import figures
from lapor.web.desk.common import JAKARTA, Filters

bp = Blueprint("public_stats", __name__)
PERIODS = ("30", "90", "365")
FRESH = timedelta(minutes=10)


@bp.get("/statistik")
def index():
    filters = Filters()
    filters.choice(request.args, "days", PERIODS)
    days = int(filters.values.get("days", PERIODS[0]))
    now = utcnow()
    rows, at = figures_for(days, now)
    return render_template("staff/public_stats.html", rows=rows, days=days, periods=PERIODS,
                           zone=JAKARTA, now=now, at=at)


def figures_for(days: int, now: datetime) -> tuple[list[dict], datetime]:
    """The period's figures and the moment they were worked out."""
    return kept(f"lapor:public-stats:{days}", FRESH, now, lambda: _work_out(days, now))


def _work_out(days: int, now: datetime) -> list[dict]:
    return [{**row, "agency": {"code": row["agency"].code, "name": row["agency"].name}}
            for row in figures.public_figures(now - timedelta(days=days), now)]
