"""The administration log: every change to the directory, calendars, SLA policies, rules, staff
accounts and API keys is written with who made it, in the same commit, and can be read back by
system admins only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text, update

from lapor.extensions import db
from lapor.models import AdminEvent


def _log(client, headers, **params):
    response = client.get("/api/v1/audit", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_directory_changes_are_logged_with_who_and_what_changed(client, token):
    admin = token("admin")
    made = client.post("/api/v1/agencies", headers=admin, json={
        "code": "DISHUBTANGKAB", "name": "Dinas Perhubungan Kabupaten Tangerang", "parent": "TANGKAB"})
    assert made.status_code == 201, made.get_json()
    changed = client.patch("/api/v1/agencies/DISHUBTANGKAB", headers=admin,
                           json={"office_close": "15:30", "name": "Dinas Perhubungan Kabupaten Tangerang"})
    assert changed.status_code == 200
    # A change that changes nothing writes nothing.
    again = client.patch("/api/v1/agencies/DISHUBTANGKAB", headers=admin, json={"office_close": "15:30"})
    assert again.status_code == 200
    put = client.put("/api/v1/agencies/BANTEN/supervised", headers=admin, json={"agencies": ["DISHUBTANGKAB"]})
    assert put.status_code == 200

    entries = _log(client, admin, action="agency")["items"]
    assert [(e["action"], e["subject"]) for e in entries] == [
        ("agency.supervised", "BANTEN"), ("agency.update", "DISHUBTANGKAB"), ("agency.create", "DISHUBTANGKAB")]
    supervised, updated, created = entries
    assert supervised["data"]["supervised"][1] == ["DISHUBTANGKAB"]
    assert updated["data"] == {"office_close": ["16:00:00", "15:30:00"]}
    assert created["data"]["parent"] == "TANGKAB" and created["data"]["sms_keyword"] == "DISHUBTANGKAB"
    assert created["actor"]["kind"] == "staff" and created["actor"]["name"]
    assert created["at"].endswith("+00:00")


def test_a_refused_change_leaves_no_entry(client, token):
    admin = token("admin")
    taken = client.patch("/api/v1/agencies/TANGKAB", headers=admin, json={"sms_keyword": "BANTEN"})
    assert taken.status_code == 409
    assert _log(client, admin, action="agency")["items"] == []


def test_calendar_days_and_policies_are_logged_and_a_removed_day_stays_in_the_log(client, token):
    admin = token("admin")
    added = client.post("/api/v1/calendar/days", headers=admin,
                        json={"date": "2026-12-24", "kind": "closure", "note": "Banjir"})
    assert added.status_code == 201
    assert client.delete(f"/api/v1/calendar/days/{added.get_json()['id']}", headers=admin).status_code == 204
    policy = client.put("/api/v1/sla/policies/reguler", headers=admin,
                        json={"disposition_days": 2, "followup_days": 5})
    assert policy.status_code == 200, policy.get_json()

    entries = _log(client, admin, limit=3)["items"]
    assert [(e["action"], e["subject"], e["data"]) for e in entries] == [
        ("policy.update", "reguler", {"disposition_days": [3.0, 2.0]}),
        ("calendar.remove", "2026-12-24", {"kind": "closure", "note": "Banjir"}),
        ("calendar.add", "2026-12-24", {"kind": "closure", "note": "Banjir"}),
    ]


def test_an_agency_admins_own_closure_is_logged_under_the_agency(client, token):
    tangkab = token("tangkab")
    added = client.post("/api/v1/calendar/days", headers=tangkab,
                        json={"date": "2026-12-23", "kind": "closure", "agency": "TANGKAB"})
    assert added.status_code == 201, added.get_json()
    [entry] = _log(client, token("admin"), action="calendar.add")["items"]
    assert entry["subject"] == "2026-12-23 TANGKAB"


def test_an_activated_rule_set_is_logged(client, token):
    admin = token("admin")
    rule = {"name": "Jalan rusak", "target": "KEMENPU", "keywords": {"any": ["jalan rusak"]}}
    added = client.post("/api/v1/rules", headers=admin, json=rule)
    assert added.status_code == 201, added.get_json()
    activated = client.post("/api/v1/rules/activate", headers=admin, json={})
    assert activated.status_code == 200, activated.get_json()
    entry = _log(client, admin, action="rules", subject="NASIONAL", limit=1)["items"][0]
    assert entry["action"] == "rules.activate"
    assert entry["data"]["version"] == activated.get_json()["version"]


def test_only_system_admins_read_the_log(client, token):
    assert client.get("/api/v1/audit").status_code == 401
    for username in ("dispatcher", "tangkab", "banten"):
        assert client.get("/api/v1/audit", headers=token(username)).status_code == 403


def test_the_log_pages_back_without_skipping_or_repeating(client, token, app):
    from lapor import audit
    from lapor.clock import utcnow

    with app.app_context():
        for n in range(7):
            audit.record(None, "user.password", f"staff{n}", utcnow())
        db.session.commit()
    admin, seen, before = token("admin"), [], None
    while True:
        page = _log(client, admin, action="user", limit=3, **({"before": before} if before else {}))
        seen += [e["subject"] for e in page["items"]]
        if page["next"] is None:
            break
        before = page["next"]
    assert seen == [f"staff{n}" for n in reversed(range(7))]
    assert client.get("/api/v1/audit", query_string={"limit": 0}, headers=admin).status_code == 422


def test_operators_changes_at_the_command_line_are_logged(cli, demo, app):
    assert cli("users", "create", "--username", "rina", "--password", "rahasia-123",
               "--role", "agency_admin", "--agency", "TANGKAB").exit_code == 0
    assert cli("users", "email", "rina", "rina@tangerangkab.go.id").exit_code == 0
    assert cli("users", "deactivate", "rina").exit_code == 0
    assert cli("users", "deactivate", "rina").exit_code == 0  # already: nothing new
    assert cli("users", "password", "rina", "--password", "baru-rahasia-1").exit_code == 0
    assert cli("apikeys", "create", "--name", "Aplikasi Warga").exit_code == 0

    shown = cli("audit", "--limit", "10")
    assert shown.exit_code == 0, shown.output
    lines = [line.split("\t") for line in shown.output.splitlines()][:5]
    assert [(line[1], line[2]) for line in lines] == [("command line", "apikey.create")] + [
        ("command line", action) for action in ("user.password", "user.deactivate", "user.email", "user.create")]
    assert lines[0][3].startswith("api_key #") and {line[3] for line in lines[1:]} == {"rina"}
    assert '"email": [null, "rina@tangerangkab.go.id"]' in lines[3][4]
    assert "rahasia" not in shown.output and "baru-rahasia" not in shown.output
    with app.app_context():
        created = db.session.scalars(select(AdminEvent).where(AdminEvent.action == "user.create")).one()
        assert created.data == {"role": "agency_admin", "agency": "TANGKAB", "name": None, "email": None}


def test_entries_cannot_be_changed(ctx):
    from lapor import audit
    from lapor.clock import utcnow

    entry = audit.record(None, "user.password", "rina", utcnow())
    db.session.commit()
    entry.subject = "someone else"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(update(AdminEvent).values(subject="someone else"))
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE admin_event SET action = 'x'"))
    db.session.rollback()


def test_system_admins_read_the_log_on_the_desk_in_both_languages(client, demo, token, app):
    from tests.test_web_citizen import text
    from tests.test_web_staff import sign_in

    admin = token("admin")
    assert client.patch("/api/v1/agencies/TANGKAB", headers=admin, json={"office_close": "15:00"}).status_code == 200
    assert client.post("/api/v1/calendar/days", headers=admin,
                       json={"date": "2026-12-24", "kind": "closure", "note": "<b>Banjir</b>"}).status_code == 201
    sign_in(client, demo, "admin")
    page = text(client.get("/staff/log/"))
    assert "Log administrasi" in page and "Instansi diubah" in page and "TANGKAB" in page
    assert "16:00:00 → 15:00:00" in page and "Hari kalender ditetapkan" in page
    assert "&lt;b&gt;Banjir&lt;/b&gt;" in page and "<b>Banjir" not in page
    only_calendar = text(client.get("/staff/log/?kind=calendar"))
    assert "Hari kalender ditetapkan" in only_calendar and "Instansi diubah" not in only_calendar
    assert "TANGKAB" in text(client.get("/staff/log/?subject=TANGKAB"))
    assert "Agency changed" in text(client.get("/staff/log/?lang=en"))
    odd = client.get("/staff/log/?kind=nothing&before=abc")
    assert odd.status_code == 200


def test_the_desk_log_pages_back_and_is_for_system_admins_only(client, demo, app):
    from lapor import audit
    from lapor.clock import utcnow
    from tests.test_web_citizen import text
    from tests.test_web_staff import sign_in

    with app.app_context():
        for n in range(55):
            audit.record(None, "user.password", f"staff{n:02}", utcnow())
        db.session.commit()
    sign_in(client, demo, "admin")
    first = text(client.get("/staff/log/?kind=user"))
    assert "staff54" in first and "staff04" not in first and "baris perintah" in first
    older = re.search(r'href="(/staff/log/\?[^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    second = text(client.get(older))
    assert "staff04" in second and "staff00" in second and "staff54" not in second
    client.post("/staff/logout")
    sign_in(client, demo, "tangkab")
    assert client.get("/staff/log/").status_code == 403
