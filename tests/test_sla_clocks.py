"""Clocks across waits, returns and late sweeps; who hears of a report still in triage (DESIGN §4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from lapor import workflow
from lapor.extensions import db
from lapor.models import CalendarDay, Escalation
from lapor.sla.recompute import recompute
from lapor.sla.sweeper import sweep
from lapor.workflow import CITIZEN, SYSTEM
from tests import factories as f

WIB = ZoneInfo("Asia/Jakarta")


def wib(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def _steps(report_id):
    return sorted(db.session.execute(
        select(Escalation.clock, Escalation.level).where(Escalation.report_id == report_id)
    ).all())


# --- sweeper: auto-close and referral due in the same sweep -----------------------------------

def test_sweep_survives_auto_close_and_referral_due_together(ctx, demo):
    # Resolved on day 0 and never answered; the sweeper runs again only after 60 HK (an outage).
    report = f.report("disposed")
    workflow.follow_up(report, f.staff("tangkab"), f.NOW, "Sudah diperbaiki.", final=True)
    db.session.commit()
    much_later = f.NOW + timedelta(days=120)
    sweep(much_later)  # must not raise
    db.session.commit()
    assert report.state == "closed"


# --- reprimand after an intervention, when the clock was then paused --------------------------

def test_reprimand_does_not_count_time_paused_for_the_reporter(ctx, demo):
    report = f.report("received")
    tangkab = f.staff("tangkab")
    workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
    db.session.commit()
    assert report.followup_due_at == wib(3, 4, 10)
    sweep(wib(3, 4, 10))  # follow-up warning + intervention
    assert ("followup", "intervention") in _steps(report.id)
    workflow.request_info(report, tangkab, wib(3, 4, 10, 30), "Mohon kirim foto lokasi.")
    db.session.commit()
    # The reporter answers two working days later; 16 working hours were spent waiting.
    workflow.reporter_reply(report, CITIZEN, wib(3, 6, 10, 30), "Ini fotonya.")
    db.session.commit()
    assert report.paused_seconds == 16 * 3600
    sweep(wib(3, 6, 10, 31))
    # Only half an hour of follow-up clock has run since the intervention: no reprimand yet.
    assert ("followup", "reprimand") not in _steps(report.id)


# --- a closure added after a wait ended, for a day inside the wait ----------------------------

def test_retroactive_closure_inside_a_wait_moves_the_deadline_by_the_real_wait(ctx, demo):
    report = f.report("received")
    tangkab = f.staff("tangkab")
    workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))  # follow-up due Wed 4 Mar 10:00
    db.session.flush()
    workflow.request_info(report, tangkab, wib(3, 2, 11), "Mohon kirim foto.")
    workflow.reporter_reply(report, CITIZEN, wib(3, 4, 11), "Ini fotonya.")  # waited 16 h
    db.session.commit()
    assert report.followup_due_at == wib(3, 6, 10)
    # The office was closed on Tuesday 3 March (flood); the admin records it afterwards.
    db.session.add(CalendarDay(day=date(2026, 3, 3), kind="closure", agency=None,
                               note="Banjir", created_at=wib(3, 4, 12)))
    db.session.commit()
    recompute(wib(3, 4, 12), "calendar closure 2026-03-03")
    db.session.refresh(report)
    # Clock: Mon 10:00-11:00 (1 h), wait Mon 11:00 - Wed 11:00, then 15 h more of working time
    # from Wed 11:00 (Tuesday closed): Wed 11-16 (5 h), Thu (8 h), Fri 08:00-10:00 (2 h).
    assert report.followup_due_at == wib(3, 6, 10)


# --- a wait after the first follow-up must not move the (already stopped) follow-up clock -------

def test_wait_after_a_late_first_follow_up_does_not_make_it_on_time(ctx, demo):
    from lapor.scorecard import scorecards

    tangkab_agency = f.agency("TANGKAB")
    tangkab = f.staff("tangkab")
    report = f.report("received")
    workflow.dispose(report, SYSTEM, f.NOW, tangkab_agency)
    db.session.flush()
    due = report.followup_due_at
    assert due == wib(3, 4, 10)
    # First follow-up a full working day late, then the agency asks the reporter something.
    workflow.follow_up(report, tangkab, wib(3, 5, 10), "Sedang kami tinjau.")
    workflow.request_info(report, tangkab, wib(3, 5, 11), "Mohon kirim foto.")
    workflow.reporter_reply(report, CITIZEN, wib(3, 9, 11), "Ini fotonya.")  # 16 working hours
    db.session.commit()
    assert report.followed_up_at > due
    # The clock stopped at the first follow-up; the later wait must not move its deadline.
    assert report.followup_due_at == due
    [card] = scorecards([tangkab_agency], wib(3, 1, 0), wib(4, 1, 0), wib(3, 9, 12))
    assert card["followed_up_on_time"] == 0


# --- a return ("bukan wewenang") after a non-final follow-up ---------------------------------

def test_follow_up_of_the_returning_agency_does_not_stop_the_clock_of_the_next(ctx, demo):
    from lapor.scorecard import scorecards

    tangkab = f.staff("tangkab")
    report = f.report("received")
    workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
    db.session.flush()
    workflow.follow_up(report, tangkab, wib(3, 2, 11), "Sedang kami pelajari.")
    workflow.return_report(report, tangkab, wib(3, 2, 12), "Bukan wewenang kabupaten")
    db.session.flush()
    kemenhub = f.agency("KEMENHUB")
    workflow.dispose(report, f.staff("dispatcher"), wib(3, 2, 13), kemenhub)
    db.session.commit()
    # KEMENHUB does nothing at all; its follow-up deadline (2 HK from receipt) passes.
    sweep(wib(3, 5, 10))
    db.session.commit()
    [card] = scorecards([kemenhub], wib(3, 1, 0), wib(4, 1, 0), wib(3, 5, 10))
    assert card["followed_up_on_time"] == 0  # KEMENHUB never followed up
    assert card["overdue_now"] == 1
    assert ("followup", "intervention") in _steps(report.id)


# --- the disposition ladder's messages reach someone -----------------------------------------

def test_disposition_intervention_is_emailed_to_the_dispatchers(ctx, demo):
    from lapor.models import OutboxItem, OutgoingMessage, User
    from lapor.notify import notify

    dispatcher = db.session.scalars(select(User).where(User.username == "dispatcher")).one()
    dispatcher.email = "dispatcher@lapor.test"
    report = f.report("received")  # in the national triage queue, not routed
    db.session.commit()
    sweep(wib(3, 3, 10))  # disposition deadline: warning + intervention
    db.session.commit()
    assert ("disposition", "intervention") in _steps(report.id)
    payloads = db.session.scalars(select(OutboxItem.payload).where(OutboxItem.topic == "notify")).all()
    staff = [p for p in payloads if p["audience"] == "staff"]
    assert staff
    for payload in staff:
        notify(payload, wib(3, 3, 10))
    db.session.commit()
    sent = db.session.scalars(select(OutgoingMessage.recipient).where(OutgoingMessage.channel == "email")).all()
    assert sent and set(sent) == {"dispatcher@lapor.test"}


def test_an_agency_may_go_on_without_the_answer_it_asked_for(ctx, demo):
    """The reporter never answers: the agency follows up anyway; the wait ends there and moves the
    deadline by the working time spent waiting, as an answer would have (also when recomputed)."""
    report = f.report("received")
    tangkab = f.staff("tangkab")
    workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))  # follow-up due Wed 4 Mar 10:00
    db.session.flush()
    workflow.request_info(report, tangkab, wib(3, 2, 11), "Mohon kirim foto.")
    db.session.commit()
    workflow.follow_up(report, tangkab, wib(3, 4, 11), "Kami tinjau tanpa foto.")  # waited 16 h
    db.session.commit()
    assert (report.state, report.paused_at, report.paused_seconds) == ("in_progress", None, 16 * 3600)
    assert report.followup_due_at == wib(3, 6, 10)
    assert report.followed_up_at <= report.followup_due_at  # on time: the wait does not count
    recompute(wib(3, 4, 12), "calendar")
    db.session.refresh(report)
    assert report.followup_due_at == wib(3, 6, 10)
