"""Two actions on one report at the same moment (two staff members, a double click): one goes
through, the other waits for it and is judged on the state it left; one event each, never a 500."""

from __future__ import annotations

import threading

from sqlalchemy import select

from lapor import access
from lapor.extensions import db
from lapor.models import Report
from tests import factories as f


def _make(app, state="received", holder="TANGKAB", **fields):
    with app.app_context():
        report = f.report(state, holder, **fields)
        if state != "received":
            report.disposed_at = f.NOW
        db.session.commit()
        return report.tracking_id, report.access_token


def _stored(app, tid):
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tid)).one()
        return report.state, [(e.kind, e.from_state, e.to_state) for e in report.events], report


def _race(app, monkeypatch, lookup: str, calls):
    """Run `calls` (each given its own test client) at once, every one past the report lookup
    before any of them acts: what two staff members (or a double click) do at the same moment."""
    barrier = threading.Barrier(len(calls))
    original = getattr(access, lookup)

    def slow(*args, **kwargs):
        found = original(*args, **kwargs)
        try:
            barrier.wait(timeout=3)
        except threading.BrokenBarrierError:  # a database that locks the row keeps the other out
            pass
        return found

    monkeypatch.setattr(access, lookup, slow)
    results = [None] * len(calls)

    def run(i, call):
        results[i] = call(app.test_client())

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_dispatcher_and_sysadmin_acting_at_once_leave_one_state_change(app, demo, token, monkeypatch):
    tid, _ = _make(app)
    dispatcher, admin = token("dispatcher"), token("admin")
    statuses = [r.status_code for r in _race(app, monkeypatch, "staff_report", [
        lambda c: c.post(f"/api/v1/reports/{tid}/disposition", headers=dispatcher,
                         json={"agency": "TANGKAB"}),
        lambda c: c.post(f"/api/v1/reports/{tid}/archive", headers=admin, json={"reason": "spam"}),
    ])]
    state, events, _ = _stored(app, tid)
    moves = [e for e in events if e[0] in ("disposed", "archived")]
    assert sorted(statuses) == [200, 409], statuses
    assert len(moves) == 1, events


def test_a_double_submitted_rating_is_recorded_once(app, demo, monkeypatch):
    tid, secret = _make(app, "closed")
    headers = {"X-Access-Token": secret}
    statuses = [r.status_code for r in _race(app, monkeypatch, "reporter_report", [
        lambda c: c.post(f"/api/v1/reports/{tid}/rating", headers=headers, json={"rating": 5}),
        lambda c: c.post(f"/api/v1/reports/{tid}/rating", headers=headers, json={"rating": 1}),
    ])]
    _, events, _ = _stored(app, tid)
    assert sorted(statuses) == [200, 409], statuses
    assert len([e for e in events if e[0] == "rated"]) == 1, events


def test_two_coordinators_intervening_at_once_are_both_recorded_never_a_500(app, demo, token, monkeypatch):
    tid, _ = _make(app, "disposed")
    banten, ombudsman = token("banten"), token("ombudsman")
    responses = _race(app, monkeypatch, "staff_report", [
        lambda c: c.post(f"/api/v1/reports/{tid}/escalations", headers=banten,
                         json={"level": "intervention", "note": "Segera tindak lanjuti."}),
        lambda c: c.post(f"/api/v1/reports/{tid}/escalations", headers=ombudsman,
                         json={"level": "intervention", "note": "Ombudsman meminta tindak lanjut."}),
    ])
    assert [r.status_code for r in responses] == [201, 201], [r.get_data(as_text=True) for r in responses]
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tid)).one()
        assert len([e for e in report.escalations if e.manual]) == 2


def test_a_double_clicked_final_follow_up_on_the_desk_resolves_once(app, demo, monkeypatch):
    tid, _ = _make(app, "in_progress")

    def post(client):
        client.post("/staff/", data={"username": "tangkab", "password": demo["tangkab"]})
        return client.post(f"/staff/laporan/{tid}/aksi/follow_up",
                           data={"message": "Jalan sudah ditambal.", "final": "1"})

    # Sign-in happens inside each call, before the lookup the barrier holds.
    statuses = [r.status_code for r in _race(app, monkeypatch, "staff_report", [post, post])]
    _, events, _ = _stored(app, tid)
    assert len([e for e in events if e[0] == "resolved"]) == 1, (statuses, events)
