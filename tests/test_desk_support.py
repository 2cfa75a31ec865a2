"""Helpers for the desk's tests, and the desk's own small pieces: the catalogue and remaining working time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lapor import workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Escalation, Report
from lapor.sla.adapter import refresh_deadlines
from lapor.translations import MESSAGES
from lapor.web.desk.deadlines import remaining, spell
from lapor.workflow import SYSTEM
from tests import factories as f
from tests.test_web_citizen import text

ROOT = Path(__file__).resolve().parents[1] / "lapor"


def sign_in(client, demo, username: str):
    response = client.post("/staff/", data={"username": username, "password": demo[username]})
    assert response.status_code == 303, text(response)


def make(app, state="disposed", holder="TANGKAB", received=None, **fields) -> str:
    """A report in `state` held by `holder`, received at `received` (default now); its tracking ID."""
    with app.app_context():
        report = f.report(state, holder, now=received or utcnow(), **fields)
        refresh_deadlines(report)
        db.session.commit()
        return report.tracking_id


def load(app, tid) -> Report:
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tid)).one()
        _ = report.events, report.escalations, report.agency
        db.session.expunge_all()
        return report


def get(client, path, status=200, **kwargs) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == status, text(response)[:2000]
    return text(response)


def post(client, path, data, status=303):
    response = client.post(path, data=data)
    assert response.status_code == status, text(response)[:3000]
    return response


# -- the catalogue ------------------------------------------------------------------------------

KEY = re.compile(r"""_\(\s*['"]((?:desk|web|state|type|channel|archive|event|error)\.[\w.]*\w)['"]""")


def test_every_literal_key_on_the_desks_pages_is_in_the_catalogue():
    used = set()
    for path in [*(ROOT / "templates" / "staff").glob("*.html"), *(ROOT / "web" / "desk").glob("*.py")]:
        used.update(KEY.findall(path.read_text()))
        used.update(re.findall(r'gettext\("((?:desk|web|error)\.[\w.]+)"', path.read_text()))
    missing = sorted(key for key in used if key not in MESSAGES)
    assert not missing
    assert all(len(MESSAGES[key]) == 2 and all(MESSAGES[key]) for key in used)


def test_every_key_the_desk_builds_from_codes_is_in_the_catalogue():
    from lapor.models import DAY_KINDS
    from lapor.sla.escalation import LEVEL_ORDER
    from lapor.web.desk.actions import ACTIONS

    keys = [f"desk.action.{a}" for a in ACTIONS] + [f"web.action.{t}" for a in ACTIONS.values() for t in a]
    keys += [f"desk.level.{level}" for level in LEVEL_ORDER]
    keys += [f"desk.clock.{c}" for c in ("disposition", "followup", "oversight", "closure", "manual")]
    keys += [f"desk.calendar.kind.{k}" for k in DAY_KINDS] + [f"desk.calendar.hint.{k}" for k in DAY_KINDS]
    keys += [f"desk.done.{k}" for k in ("intervention", "reprimand", "calendar_closure", "calendar_working")]
    keys += [f"desk.filter.{name}" for name in ("state", "channel", "category", "agency", "from", "to",
                                                "page", "days", "year")]
    keys += [f"desk.{unit}.{n}" for unit in ("unit", "wunit") for n in ("day", "days", "hour", "hours",
                                                                       "minute", "minutes")]
    assert [key for key in keys if key not in MESSAGES] == []


# -- remaining working time ---------------------------------------------------------------------

def wib(day, hour, minute=0):
    return datetime(2026, 3, day, hour - 7, minute, tzinfo=UTC)


@pytest.fixture
def disposed(ctx, demo):
    """Received Monday 2 March 2026 10:00 WIB, with TANGKAB: follow-up due Wednesday 10:00 (2 HK)."""
    report = f.report("received", now=wib(2, 10))
    workflow.dispose(report, SYSTEM, wib(2, 10), f.agency("TANGKAB"))
    db.session.flush()
    assert report.followup_due_at == wib(4, 10)
    return report


@pytest.mark.parametrize("now, words, tone", [
    (wib(2, 10), "sisa 2 hari kerja", "ok"),
    (wib(3, 13, 30), "sisa 4 jam kerja", "ok"),
    (wib(4, 9, 15), "sisa 45 menit kerja", "warn"),
    (wib(4, 12, 30), "terlambat 2 jam kerja", "late"),
    (wib(5, 15), "terlambat 1 hari kerja 5 jam", "late"),
])
def test_remaining_working_time_in_the_agencys_calendar(disposed, now, words, tone):
    deadline = remaining(disposed, now)
    assert (deadline.text, deadline.tone, deadline.clock) == (words, tone, "followup")


def test_a_warning_already_given_makes_the_deadline_amber(disposed):
    disposed.escalations.append(Escalation(report_id=disposed.id, clock="followup", level="warning",
                                           at=wib(2, 11), agency_id=disposed.agency_id))
    assert remaining(disposed, wib(3, 10)).tone == "warn"


def test_no_deadline_once_followed_up_and_a_paused_clock_while_waiting(disposed):
    actor = f.staff("tangkab")
    workflow.request_info(disposed, actor, wib(2, 11), "Di mana tepatnya?")
    assert remaining(disposed, wib(2, 12)).tone == "paused"
    workflow.reporter_reply(disposed, workflow.CITIZEN, wib(2, 13), "Depan pasar.")
    workflow.follow_up(disposed, actor, wib(2, 14), "Sudah kami cek.")
    assert remaining(disposed, wib(9, 10)) is None


def test_spelling_durations_in_english(app):
    with app.test_request_context("/?lang=en"):
        assert spell(timedelta(hours=9), timedelta(hours=8)) == "1 working day 1 hour"
        assert spell(timedelta(hours=16), timedelta(hours=8)) == "2 working days"
        assert spell(timedelta(days=2, hours=3)) == "2 days 3 hours"
        assert spell(timedelta(seconds=20)) == "less than a minute"
