"""`/statistik`: agencies' response times and on-time rates, for anyone; never confidential ones.

Working out the figures reads every report of the period and counts each one's working hours
to its first follow-up in its agency's calendar: about a second per 100,000 reports. A public
page must not pay that on every visit, so the figures of each period are kept in Redis and
worked out again at most once every ``FRESH`` by one process at a time (a lock in Redis);
meanwhile the others show the figures they have. Without Redis every visit works them out.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from redis.exceptions import RedisError

from lapor.clock import utcnow
from lapor.extensions import redis_ext
from lapor.web.desk import figures
from lapor.web.desk.common import JAKARTA, Filters

log = logging.getLogger(__name__)
bp = Blueprint("public_stats", __name__)
PERIODS = ("30", "90", "365")
FRESH = timedelta(minutes=10)
KEEP_SECONDS = 24 * 3600  # figures older than FRESH still stand in while others work out new ones
LOCK_SECONDS = 300


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
    key = f"lapor:public-stats:{days}"
    try:
        client = redis_ext.client()
        cached = client.get(key)
        kept = json.loads(cached) if cached else None
        if kept is not None and now - datetime.fromisoformat(kept["at"]) < FRESH:
            return kept["rows"], datetime.fromisoformat(kept["at"])
        if not client.set(key + ":lock", "1", nx=True, ex=LOCK_SECONDS) and kept is not None:
            return kept["rows"], datetime.fromisoformat(kept["at"])  # another process is on it
    except (RedisError, ValueError, KeyError, TypeError) as exc:
        log.warning("public statistics not cached: %s", exc)
        return _work_out(days, now), now
    try:
        rows = _work_out(days, now)
        client.set(key, json.dumps({"at": now.isoformat(), "rows": rows}), ex=KEEP_SECONDS)
        client.delete(key + ":lock")
    except RedisError as exc:
        log.warning("public statistics not cached: %s", exc)
    return rows, now


def _work_out(days: int, now: datetime) -> list[dict]:
    return [{**row, "agency": {"code": row["agency"].code, "name": row["agency"].name}}
            for row in figures.public_figures(now - timedelta(days=days), now)]
