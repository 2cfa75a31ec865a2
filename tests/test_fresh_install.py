"""A production database built only by the migrations, without demo data, as the README's
"Your agencies" section builds it: it must take and route reports from the first agency on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from lapor.extensions import db
from lapor.models import Report, SlaPolicy, User


def _sysadmin(app) -> None:
    with app.app_context():
        user = User(username="root-admin", role="sysadmin", created_at=datetime(2026, 12, 1, tzinfo=UTC))
        user.set_password("rahasia-sekali")
        db.session.add(user)
        db.session.commit()


def test_the_upgrade_brings_the_standard_sla_policies_and_keeps_an_admins_changes(app, cli):
    assert cli("db", "upgrade").exit_code == 0
    with app.app_context():
        db.session.get(SlaPolicy, "reguler").followup_days = 4
        db.session.commit()
    assert cli("db", "upgrade").exit_code == 0
    with app.app_context():
        policies = {p.code: (p.disposition_days, p.followup_days, p.extended_followup_days)
                    for p in db.session.scalars(select(SlaPolicy))}
    with app.app_context():  # added once, and written down as made at the command line
        from lapor.models import AdminEvent

        logged = db.session.scalars(select(AdminEvent).where(AdminEvent.action == "policy.create")).all()
        assert sorted(e.subject for e in logged) == ["informasi", "khusus", "pengawasan", "reguler"]
        assert {e.actor_kind for e in logged} == {"cli"}
    assert policies == {"khusus": (1, 2, None), "reguler": (3, 4, None), "pengawasan": (3, 14, 60),
                        "informasi": (3, 10, 17)}


def test_a_new_installation_takes_its_first_report(app, cli, client, run_worker):
    assert cli("db", "upgrade").exit_code == 0  # the release step, as on every deploy
    _sysadmin(app)
    token = client.post("/api/v1/auth/token", json={"username": "root-admin", "password": "rahasia-sekali"})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    root = client.post("/api/v1/agencies", headers=headers,
                       json={"code": "NASIONAL", "name": "Admin Nasional", "kind": "national"})
    assert root.status_code == 201, root.get_json()
    city = client.post("/api/v1/agencies", headers=headers,
                       json={"code": "TANGKAB", "name": "Pemerintah Kabupaten Tangerang", "kind": "city",
                             "parent": "NASIONAL"})
    assert city.status_code == 201, city.get_json()
    made = client.post("/api/v1/reports", json={"title": "Jalan rusak", "agency": "TANGKAB",
                                                "body": "Jalan di depan pasar Cikupa berlubang besar."})
    assert made.status_code == 201, made.get_json()
    run_worker()
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.agency.code == "TANGKAB" and report.state == "disposed"
        assert report.policy_code == "khusus" and report.followup_due_at is not None
