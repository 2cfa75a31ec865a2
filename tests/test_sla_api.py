"""SLA administration through the API: closures, policies, the preview and scorecards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lapor import workflow
from lapor.extensions import db
from lapor.models import Report
from lapor.workflow import SYSTEM
from tests import factories as f


def _open_report(app, now=f.NOW):
    with app.app_context():
        report = f.report("received", now=now)
        workflow.dispose(report, SYSTEM, now, f.agency("TANGKAB"))
        db.session.commit()
        return report.id, report.followup_due_at


def _followup_due(app, report_id):
    with app.app_context():
        return db.session.get(Report, report_id).followup_due_at


def test_an_admin_closure_moves_open_deadlines_after_the_recompute_job(client, app, demo, token, run_worker):
    report_id, before = _open_report(app)
    assert before == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # Wed 4 Mar 10:00 WIB
    response = client.post("/api/v1/calendar/days", headers=token("admin"),
                           json={"date": "2026-03-03", "kind": "closure", "note": "Banjir"})
    assert response.status_code == 201, response.get_json()
    run_worker()
    assert _followup_due(app, report_id) == before + timedelta(days=1)
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report.events[-1].kind == "deadlines_changed"
        assert report.events[-1].reason == "calendar closure 2026-03-03"

    day_id = response.get_json()["id"]
    assert client.delete(f"/api/v1/calendar/days/{day_id}", headers=token("admin")).status_code == 204
    run_worker()
    assert _followup_due(app, report_id) == before


def test_an_agency_closure_touches_only_that_agencys_reports(client, app, demo, token, run_worker):
    report_id, before = _open_report(app)
    with app.app_context():
        other = f.report("received")
        workflow.dispose(other, SYSTEM, f.NOW, f.agency("KEMENHUB"))
        db.session.commit()
        other_id, other_before = other.id, other.followup_due_at
    response = client.post("/api/v1/calendar/days", headers=token("tangkab"),
                           json={"date": "2026-03-03", "kind": "closure", "agency": "TANGKAB"})
    assert response.status_code == 201
    run_worker()
    assert _followup_due(app, report_id) == before + timedelta(days=1)
    assert _followup_due(app, other_id) == other_before


def test_only_sysadmins_and_the_agency_itself_manage_calendars(client, demo, token):
    body = {"date": "2026-03-03", "kind": "closure", "agency": "TANGKAB"}
    assert client.post("/api/v1/calendar/days", json=body, headers=token("kemenhub")).status_code == 403
    assert client.post("/api/v1/calendar/days", json={**body, "agency": None},
                       headers=token("tangkab")).status_code == 403
    assert client.post("/api/v1/calendar/days", json=body, headers=token("tangkab")).status_code == 201
    again = client.post("/api/v1/calendar/days", json=body, headers=token("admin"))
    assert again.status_code == 409


def test_a_policy_change_recomputes_reports_under_that_policy(client, app, demo, token, run_worker):
    report_id, before = _open_report(app)
    body = {"disposition_days": 1, "followup_days": 3}
    assert client.put("/api/v1/sla/policies/khusus", json=body, headers=token("tangkab")).status_code == 403
    response = client.put("/api/v1/sla/policies/khusus", json=body, headers=token("admin"))
    assert response.status_code == 200
    run_worker()
    assert _followup_due(app, report_id) == before + timedelta(days=1)


def test_deadline_preview_matches_the_design_examples(client, demo, token):
    response = client.get("/api/v1/sla/due?received=2026-03-13T17:30:00%2B07:00&working_days=5",
                          headers=token("dispatcher"))
    assert response.get_json() == {"due": "2026-03-27T16:00:00+07:00", "timezone": "Asia/Jakarta"}
    wit = client.get("/api/v1/sla/due?received=2026-02-02T10:00:00%2B09:00&working_days=1&agency=JAYAPURA",
                     headers=token("dispatcher"))
    assert wit.get_json()["due"] == "2026-02-03T10:00:00+09:00"
    naive = client.get("/api/v1/sla/due?received=2026-02-02T10:00:00&working_days=1",
                       headers=token("dispatcher"))
    assert naive.status_code == 422


def test_days_and_instants_outside_the_supported_years_are_a_clear_422(client, demo, token):
    old = client.get("/api/v1/sla/due?received=0079-11-15T09:28:23Z&working_days=3", headers=token("admin"))
    assert old.status_code == 422  # Jakarta then kept local mean time: no valid RFC 3339 offset
    assert old.get_json()["errors"] == {"received": ["Tahun harus antara 2000 dan 2100."]}
    day = client.post("/api/v1/calendar/days", json={"date": "2999-01-02", "kind": "closure"},
                      headers={**token("admin"), "Accept-Language": "en"})
    assert day.status_code == 422
    assert day.get_json()["errors"] == {"date": ["The year must be between 2000 and 2100."]}


def test_scorecards_count_compliance_for_supervised_agencies_only(client, app, demo, token):
    with app.app_context():
        tangkab = f.agency("TANGKAB")
        on_time = f.report("received")
        workflow.dispose(on_time, SYSTEM, f.NOW, tangkab)
        workflow.follow_up(on_time, f.staff("tangkab"), f.NOW + timedelta(hours=2), "Ditangani.")
        late = f.report("received")
        workflow.dispose(late, SYSTEM, f.NOW + timedelta(days=3), tangkab)
        workflow.escalate(late, SYSTEM, f.NOW + timedelta(days=1), "disposition", "intervention")
        db.session.commit()
    url = "/api/v1/scorecards?start=2026-03-01T00:00:00%2B07:00&end=2026-04-01T00:00:00%2B07:00"
    cards = client.get(url, headers=token("banten")).get_json()
    assert [c["agency"] for c in cards] == ["BANTEN", "DINKESTANGKAB", "DISDUKTANGKAB",
                                            "DPUPRTANGKAB", "TANGKAB"]
    card = next(c for c in cards if c["agency"] == "TANGKAB")
    assert card["received"] == 2
    assert card["disposed_on_time"] == 1
    assert card["followed_up_on_time"] == 1
    assert card["interventions"] == 1
    assert card["median_followup_working_hours"] == 2.0
    assert card["overdue_now"] == 1  # the late one has no follow-up and its deadline passed
    assert client.get(url + "&agency=KEMENHUB", headers=token("banten")).status_code == 404


def test_the_median_follow_up_time_counts_working_hours_stored_at_the_first_follow_up(
        client, app, demo, token, cli):
    # Received Monday 10:00 WIB; offices work 08:00-16:00, so Tuesday 10:00 is 8 working hours
    # (24 on the clock) and Tuesday 11:00 is 9.
    first_follow_ups = [timedelta(hours=2), timedelta(hours=24), timedelta(hours=25), timedelta(hours=5)]
    with app.app_context():
        tangkab = f.agency("TANGKAB")
        ids = []
        for after in first_follow_ups:
            report = f.report("received")
            workflow.dispose(report, SYSTEM, f.NOW, tangkab)
            workflow.follow_up(report, f.staff("tangkab"), f.NOW + after, "Ditangani.")
            workflow.follow_up(report, f.staff("tangkab"), f.NOW + after + timedelta(days=7), "Lagi.")
            ids.append(report.id)
        db.session.commit()
        stored = [db.session.get(Report, i).followup_working_seconds for i in ids]
        assert stored == [2 * 3600, 8 * 3600, 9 * 3600, 5 * 3600]  # the later follow-ups change nothing
        # The last one as if followed up before the working time was stored.
        db.session.get(Report, ids[-1]).followup_working_seconds = None
        db.session.commit()
    url = "/api/v1/scorecards?start=2026-03-01T00:00:00%2B07:00&end=2026-04-01T00:00:00%2B07:00&agency=TANGKAB"

    def median():
        [card] = [c for c in client.get(url, headers=token("banten")).get_json() if c["agency"] == "TANGKAB"]
        return card["median_followup_working_hours"]

    assert median() == 6.5  # of 2, 5, 8 and 9: the one without a stored time is worked out
    assert "1 report(s) filled in" in cli("sla", "backfill").output
    with app.app_context():
        assert db.session.get(Report, ids[-1]).followup_working_seconds == 5 * 3600
    assert median() == 6.5
    assert "0 report(s) filled in" in cli("sla", "backfill").output


def test_a_calendar_or_policy_change_reaches_the_next_request_before_any_recompute(
        client, app, demo, token):
    # Guards any caching of calendars and policies: no recompute job runs in this test.
    from tests.test_api_reports import REPORT

    url = "/api/v1/sla/due?received=2026-03-02T10:00:00%2B07:00&working_days=1&agency=TANGKAB"
    assert client.get(url, headers=token("dispatcher")).get_json()["due"] == "2026-03-03T10:00:00+07:00"
    closure = {"date": "2026-03-03", "kind": "closure", "agency": None, "note": "Banjir"}
    assert client.post("/api/v1/calendar/days", json=closure, headers=token("admin")).status_code == 201
    assert client.get(url, headers=token("dispatcher")).get_json()["due"] == "2026-03-04T10:00:00+07:00"

    client.post("/api/v1/reports", json=REPORT)
    body = {"disposition_days": 3, "followup_days": 5}
    assert client.put("/api/v1/sla/policies/khusus", json=body, headers=token("admin")).status_code == 200
    created = client.post("/api/v1/reports", json=REPORT).get_json()
    with app.app_context():
        report = db.session.query(Report).filter_by(tracking_id=created["tracking_id"]).one()
        assert report.policy_code == "khusus"
        expected = workflow.calendar_for(None).add_working_days(report.received_at, 3)
        assert report.disposition_due_at == expected


def test_an_agency_closure_holds_for_its_units_and_not_above_it(client, demo, token):
    due = "/api/v1/sla/due?received=2026-03-02T10:00:00%2B07:00&working_days=1&agency="

    def deadline(agency: str) -> str:
        return client.get(due + agency, headers=token("dispatcher")).get_json()["due"]

    closure = {"date": "2026-03-03", "kind": "closure", "agency": "TANGKAB", "note": "Banjir"}
    assert client.post("/api/v1/calendar/days", json=closure, headers=token("admin")).status_code == 201
    assert deadline("TANGKAB") == deadline("DPUPRTANGKAB") == "2026-03-04T10:00:00+07:00"
    assert deadline("BANTEN") == "2026-03-03T10:00:00+07:00"  # the province above keeps working


def test_a_recompute_goes_on_share_by_share_until_every_open_report_is_done(
        client, app, demo, token, run_worker, monkeypatch):
    from sqlalchemy import select

    from lapor.models import OutboxItem
    from lapor.queue import get_queue, outbox_job_id
    from workers import jobs

    monkeypatch.setattr(jobs, "RECOMPUTE_SHARE", 2)  # a national change meets a million reports
    opened = [_open_report(app) for _ in range(5)]
    closure = {"date": "2026-03-03", "kind": "closure", "note": "Banjir"}
    assert client.post("/api/v1/calendar/days", json=closure, headers=token("admin")).status_code == 201
    run_worker()
    assert [_followup_due(app, report_id) for report_id, _ in opened] == [
        before + timedelta(days=1) for _, before in opened]
    with app.app_context():
        items = db.session.scalars(select(OutboxItem).where(
            OutboxItem.topic == "recompute_deadlines").order_by(OutboxItem.id)).all()
        assert [item.payload.get("after_id") for item in items] == [None, opened[1][0], opened[3][0]]
        assert all(item.processed_at is not None for item in items)
        # Each share is a job of its own: other work gets its turn in between.
        finished = set(get_queue().finished_job_registry.get_job_ids())
        assert {outbox_job_id(item.id) for item in items} <= finished


def test_an_agency_tree_broken_into_a_cycle_does_not_hang_its_calendar_or_reach(app, demo):
    # No code path makes a cycle; a hand-edited database might, and must not hang the service.
    from sqlalchemy import text

    from lapor.models import lineage, subtree_ids

    with app.app_context():
        tangkab, unit = f.agency("TANGKAB"), f.agency("DPUPRTANGKAB")
        tangkab.parent_id = unit.id
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # a regression fails here instead of hanging
            db.session.execute(text("SET LOCAL statement_timeout = '10s'"))
        assert set(db.session.scalars(lineage(unit.id))) == {unit.id, tangkab.id}
        assert {tangkab.id, unit.id} <= set(subtree_ids(unit.id))  # each is below the other now
        assert workflow.calendar_for(unit).timezone == "Asia/Jakarta"


@pytest.mark.parametrize("body", [
    {"disposition_days": 10, "followup_days": 2},  # disposed after the follow-up is due
    {"disposition_days": 3, "followup_days": 10, "extended_followup_days": 5},  # an "extension" that shortens
])
def test_a_policy_whose_deadlines_contradict_each_other_is_refused(client, demo, token, body):
    answer = client.put("/api/v1/sla/policies/reguler", json=body, headers=token("admin"))
    assert answer.status_code == 422, answer.get_json()
    assert set(answer.get_json()["errors"]) <= {"disposition_days", "extended_followup_days"}


def test_a_scorecard_period_starting_after_now_is_refused_without_an_end_too(client, demo, token):
    answer = client.get("/api/v1/scorecards?start=2099-01-01T00:00:00Z", headers=token("admin"))
    assert answer.status_code == 422 and "start" in answer.get_json()["errors"]
    assert client.get("/api/v1/scorecards?start=2026-01-01T00:00:00Z", headers=token("admin")).status_code == 200


def test_a_new_follow_up_deadline_may_not_overtake_the_extension_the_policy_keeps(client, demo, token):
    admin = token("admin")
    changed = client.put("/api/v1/sla/policies/pengawasan", headers=admin,
                         json={"disposition_days": 3, "followup_days": 70})
    assert changed.status_code == 422 and changed.get_json()["status"] == "policy_extension_short"
    assert "60" in changed.get_json()["message"]
    both = client.put("/api/v1/sla/policies/pengawasan", headers=admin,
                      json={"disposition_days": 3, "followup_days": 70, "extended_followup_days": 90})
    assert both.status_code == 200


def test_a_policy_name_with_a_nul_is_refused_by_field(client, demo, token):
    answer = client.put("/api/v1/sla/policies/reguler", headers=token("admin"),
                        json={"name": "Reguler\x00", "disposition_days": 3, "followup_days": 5})
    assert answer.status_code == 422 and "name" in answer.get_json()["errors"]
