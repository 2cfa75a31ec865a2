"""Every staff view and action × every role × own, supervised and other agencies' reports."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lapor import workflow
from lapor.extensions import db
from lapor.models import Report
from lapor.workflow import SYSTEM
from tests import factories as f

USERS = ("admin", "dispatcher", "tangkab", "kemenhub", "banten", "ombudsman")
# Which reports each user may see: TANGKAB's (own for tangkab, supervised for banten), KEMENHUB's.
REACH = {
    "admin": {"tangkab", "kemenhub"},
    "dispatcher": {"tangkab", "kemenhub"},
    "tangkab": {"tangkab"},
    "kemenhub": {"kemenhub"},
    "banten": {"tangkab"},
    "ombudsman": {"tangkab", "kemenhub"},
}
AGENCY_ADMINS = {"tangkab", "kemenhub"}
COORDINATORS = {"banten", "ombudsman"}


@pytest.fixture
def reports(app, demo):
    with app.app_context():
        made = {}
        for key, code in (("tangkab", "TANGKAB"), ("kemenhub", "KEMENHUB")):
            report = f.report("received", reporter_name="Siti Rahasia", anonymous=True)
            workflow.dispose(report, SYSTEM, f.NOW, f.agency(code))
            made[key] = report.tracking_id
        db.session.commit()
    return made


def _signed_in(app, demo, username):
    client = app.test_client()
    response = client.post("/staff/", data={"username": username, "password": demo[username]})
    assert response.status_code in (302, 303), username
    return client


@pytest.mark.parametrize("username", USERS)
def test_views_and_actions_answer_exactly_by_reach_and_role(app, client, demo, token, reports, username):
    bearer = token(username)
    page_client = _signed_in(app, demo, username)
    wrong = []
    for key, tid in reports.items():
        within = key in REACH[username]
        seen = 200 if within else 404
        checks = {
            f"GET api report {key}": (client.get(f"/api/v1/reports/{tid}", headers=bearer), seen),
            f"GET api escalations {key}": (
                client.get(f"/api/v1/reports/{tid}/escalations", headers=bearer), seen),
            f"GET page {key}": (page_client.get(f"/staff/laporan/{tid}"), seen),
        }
        follow_up = client.post(f"/api/v1/reports/{tid}/follow-ups", headers=bearer,
                                json={"message": "Sedang ditangani."})
        checks[f"POST follow-up {key}"] = (
            follow_up, 404 if not within else 200 if username in AGENCY_ADMINS else 403)
        escalate = client.post(f"/api/v1/reports/{tid}/escalations", headers=bearer,
                               json={"level": "intervention", "note": "Segera."})
        checks[f"POST escalation {key}"] = (
            escalate, 404 if not within else 201 if username in COORDINATORS else 403)
        for name, (response, expected) in checks.items():
            if response.status_code != expected:
                wrong.append(f"{name}: {response.status_code}, expected {expected}")
            if response.status_code == 200 and "Siti" in response.get_data(as_text=True) \
                    and username != "admin":
                wrong.append(f"{name}: the anonymous reporter's name leaked")
    assert not wrong, "\n".join(wrong)


def test_a_signed_in_session_cookie_cannot_change_anything_through_the_api(app, demo, reports):
    client = _signed_in(app, demo, "dispatcher")
    tid = reports["tangkab"]
    assert client.get(f"/api/v1/reports/{tid}").get_json()["reporter"]["name"] == "Anonim"
    response = client.post(f"/api/v1/reports/{tid}/flags", json={"confidential": True})
    assert response.status_code == 401


def test_a_city_dispatcher_loses_a_report_once_another_agency_holds_it(app, client, demo, token):
    """A regional dispatcher reaches what is asked of its agency while it waits in triage, not
    a report another agency has taken on since (with its reporter's identity and follow-ups)."""
    from lapor.models import User

    with app.app_context():
        user = User(username="dispatcher_tangkab", role="dispatcher", agency=f.agency("TANGKAB"),
                    created_at=f.NOW, full_name="Dispatcher Tangkab")
        user.set_password("rahasia-sekali-123")
        db.session.add(user)
        report = f.report("received", requested_agency=f.agency("TANGKAB"), reporter_name="Siti Rahasia")
        db.session.commit()
        tid = report.tracking_id
    city = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": "dispatcher_tangkab", "password": "rahasia-sekali-123"}).get_json()["access_token"]}
    assert client.get(f"/api/v1/reports/{tid}", headers=city).status_code == 200  # in its triage
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tid)).one()
        workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
        workflow.return_report(report, f.staff("tangkab"), f.NOW, "Bukan wewenang kabupaten")
        workflow.dispose(report, f.staff("dispatcher"), f.NOW, f.agency("KEMENHUB"))
        db.session.commit()
    assert client.get(f"/api/v1/reports/{tid}", headers=token("kemenhub")).status_code == 200
    assert client.get(f"/api/v1/reports/{tid}", headers=city).status_code == 404
    assert tid not in client.get("/api/v1/reports?per_page=100", headers=city).get_data(as_text=True)
    pages = app.test_client()
    pages.post("/staff/", data={"username": "dispatcher_tangkab", "password": "rahasia-sekali-123"})
    assert pages.get(f"/staff/laporan/{tid}").status_code == 404
