"""`/statistik`: agencies' response times and on-time rates, for anyone; never confidential ones."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request

from lapor.clock import utcnow
from lapor.web.desk import figures
from lapor.web.desk.common import JAKARTA, Filters

bp = Blueprint("public_stats", __name__)
PERIODS = ("30", "90", "365")


@bp.get("/statistik")
def index():
    filters = Filters()
    filters.choice(request.args, "days", PERIODS)
    days = int(filters.values.get("days", PERIODS[0]))
    now = utcnow()
    rows = figures.public_figures(now - timedelta(days=days), now)
    return render_template("staff/public_stats.html", rows=rows, days=days, periods=PERIODS,
                           zone=JAKARTA, now=now)
