"""The escalation ladder as a pure decision."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lapor.sla.calendar import WorkCalendar
from lapor.sla.escalation import Snapshot, Step, due_steps, next_due, pending_steps

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
RECEIVED = datetime(2026, 2, 2, 10, 0, tzinfo=WIB)  # Monday
DISPOSITION_DUE = datetime(2026, 2, 3, 10, 0, tzinfo=WIB)
FOLLOWUP_DUE = datetime(2026, 2, 4, 10, 0, tzinfo=WIB)


def snap(state="received", **changes):
    return Snapshot(state=state, received_at=RECEIVED, disposition_due_at=DISPOSITION_DUE,
                    followup_due_at=FOLLOWUP_DUE, **changes)


def at(day, hour, minute=0):
    return datetime(2026, 2, day, hour, minute, tzinfo=WIB)


def _levels(steps):
    return [(s.clock, s.level, s.at) for s in steps]


def test_received_report_has_both_ladders_and_the_oversight_referral():
    steps = _levels(pending_steps(snap(), {}, CAL))
    assert steps[:4] == [
        ("disposition", "warning", at(3, 8)),
        ("disposition", "intervention", at(3, 10)),
        ("followup", "warning", at(4, 8)),
        ("followup", "intervention", at(4, 10)),
    ]
    assert steps[4][:2] == ("oversight", "referral")
    assert steps[4][2] == CAL.add_working_days(RECEIVED, 60)


def test_warning_is_at_the_start_of_the_last_working_day_even_across_a_weekend():
    friday_due = datetime(2026, 2, 9, 8, 0, tzinfo=WIB)  # Monday 08:00 means Friday was the last day
    report = Snapshot("received", RECEIVED, friday_due, None)
    assert pending_steps(report, {}, CAL)[0] == Step(at(6, 8), "disposition", "warning")


def test_reprimand_falls_due_one_working_day_after_the_intervention():
    intervened = at(3, 10, 5)
    done = {("disposition", "warning"): at(3, 8), ("disposition", "intervention"): intervened}
    steps = [s for s in pending_steps(snap(), done, CAL) if s.clock == "disposition"]
    assert steps == [Step(at(4, 10, 5), "disposition", "reprimand")]


def test_every_step_taken_leaves_nothing_on_that_clock():
    done = {("disposition", level): at(3, 10) for level in ("warning", "intervention", "reprimand")}
    assert not [s for s in pending_steps(snap(), done, CAL) if s.clock == "disposition"]


def test_disposed_report_no_longer_runs_the_disposition_clock():
    assert {s.clock for s in pending_steps(snap("disposed"), {}, CAL)} == {"followup", "oversight"}


def test_first_follow_up_stops_the_follow_up_clock():
    steps = pending_steps(snap("in_progress", followed_up=True), {}, CAL)
    assert {s.clock for s in steps} == {"oversight"}


def test_waiting_for_the_reporter_pauses_the_follow_up_ladder():
    assert {s.clock for s in pending_steps(snap("waiting_reporter"), {}, CAL)} == {"oversight"}


def test_resolved_report_closes_itself_after_ten_working_days():
    resolved = at(5, 9)
    steps = pending_steps(snap("resolved", followed_up=True, resolved_at=resolved), {}, CAL)
    assert Step(CAL.add_working_days(resolved, 10), "closure", "auto_close") in steps


@pytest.mark.parametrize("state", ["closed", "archived"])
def test_finished_reports_have_nothing_pending(state):
    assert pending_steps(snap(state), {}, CAL) == []
    assert next_due(snap(state), {}, CAL) is None


def test_due_steps_are_those_at_or_before_now_in_ladder_order():
    now = at(3, 10)
    assert _levels(due_steps(snap(), {}, CAL, now)) == [
        ("disposition", "warning", at(3, 8)),
        ("disposition", "intervention", at(3, 10)),
    ]
    assert due_steps(snap(), {}, CAL, now - timedelta(hours=3)) == []


def test_next_due_is_the_earliest_pending_step():
    assert next_due(snap(), {}, CAL) == at(3, 8)


def test_a_wait_after_the_intervention_moves_the_reprimand_as_far_as_the_deadline():
    # Intervened at the deadline (Wednesday 10:00); the reporter was then awaited for 16 working
    # hours, so the deadline moved to Friday 10:00: the reprimand comes 1 HK after that.
    done = {("followup", "warning"): at(4, 8), ("followup", "intervention"): at(4, 10)}
    moved = Snapshot(state="in_progress", received_at=RECEIVED, disposition_due_at=DISPOSITION_DUE,
                     followup_due_at=at(6, 10))
    assert [s for s in pending_steps(moved, done, CAL) if s.level == "reprimand"] == [
        Step(at(9, 10), "followup", "reprimand")]
    # Without the wait, 1 HK after the intervention.
    assert [s for s in pending_steps(snap("in_progress"), done, CAL) if s.level == "reprimand"] == [
        Step(at(5, 10), "followup", "reprimand")]
