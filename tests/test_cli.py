"""The `lapor` command's operator-facing subcommands."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lapor.extensions import db
from lapor.models import User


@pytest.mark.parametrize(
    ("received", "days", "where", "due"),
    [
        ("2026-02-02T10:00+07:00", "1", [], "2026-02-03T10:00:00+07:00"),
        ("2026-03-13T17:30+07:00", "5", [], "2026-03-27T16:00:00+07:00"),
        ("2026-02-02T10:00+08:00", "1", ["--timezone", "Asia/Makassar"], "2026-02-03T10:00:00+08:00"),
        ("2026-02-02T10:00+07:00", "1", ["--agency", "JAYAPURA"], "2026-02-03T12:00:00+09:00"),
    ],
)
def test_sla_due_prints_the_deadline(cli, demo, received, days, where, due):
    result = cli("sla", "due", "--received", received, "--working-days", days, *where)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == due


def test_sla_due_refuses_a_time_without_offset(cli):
    result = cli("sla", "due", "--received", "2026-02-02T10:00", "--working-days", "1")
    assert result.exit_code == 2
    assert "offset" in result.output


def test_sla_due_refuses_a_year_no_calendar_covers(cli):
    result = cli("sla", "due", "--received", "0079-11-15T09:28:23+00:00", "--working-days", "3")
    assert result.exit_code == 2
    assert "between 2000 and 2100" in result.output


def test_users_create_makes_a_staff_account_that_can_sign_in(cli, demo, client, app):
    result = cli("users", "create", "--username", "rina", "--password", "rahasia-123",
                 "--role", "agency_admin", "--agency", "tangkab")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "rina")).one()
        assert (user.role, user.agency.code) == ("agency_admin", "TANGKAB")
    response = client.post("/api/v1/auth/token", json={"username": "rina", "password": "rahasia-123"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "agency_admin"], "needs --agency"),
        (["--role", "dispatcher", "--agency", "NOPE"], "unknown agency NOPE"),
        (["--role", "wizard"], "Invalid value for '--role'"),
    ],
)
def test_users_create_refuses_bad_input(cli, demo, args, message):
    result = cli("users", "create", "--username", "x", "--password", "rahasia-123", *args)
    assert result.exit_code != 0
    assert message in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--username", "u" * 81], "1 to 80 characters"),
    (["--username", " rina"], "without spaces around them"),
    (["--username", "rina", "--name", "n" * 201], "at most 200 characters"),
    (["--username", "rina", "--email", "bukan-alamat"], "not an email address: bukan-alamat"),
    (["--username", "rina", "--email", "a@" + "b" * 250 + ".id"], "not an email address"),
])
def test_users_create_refuses_what_the_account_cannot_hold(cli, demo, app, args, message):
    result = cli("users", "create", "--password", "rahasia-123", "--role", "dispatcher", *args)
    assert result.exit_code == 2 and message in result.output
    with app.app_context():
        assert db.session.scalars(select(User).where(User.username.like("%rina%"))).first() is None


def test_a_staff_members_escalation_email_is_set_and_cleared(cli, demo, app):
    created = cli("users", "create", "--username", "kasi", "--password", "rahasia-123", "--role", "coordinator",
                  "--agency", "BANTEN", "--email", "kasi@bantenprov.go.id")
    assert created.exit_code == 0, created.output

    def email():
        with app.app_context():
            return db.session.scalars(select(User.email).where(User.username == "kasi")).one()

    assert email() == "kasi@bantenprov.go.id"
    assert cli("users", "email", "kasi", "kasi.baru@bantenprov.go.id").exit_code == 0
    assert email() == "kasi.baru@bantenprov.go.id"
    assert cli("users", "email", "kasi").output.strip() == "kasi: no escalation emails"
    assert email() is None
    unknown = cli("users", "email", "siapa", "a@b.id")
    assert unknown.exit_code == 2 and "no user siapa" in unknown.output


@pytest.mark.parametrize(("days", "message"), [("99999999", "not in the range 0<=x<=365"),
                                               ("nan", "a number of days"), ("inf", "not in the range")])
def test_sla_due_refuses_spans_no_deadline_has(cli, demo, days, message):
    result = cli("sla", "due", "--received", "2026-02-02T10:00+07:00", "--working-days", days, "--agency", "TANGKAB")
    assert result.exit_code == 2 and message in result.output, result.output


def test_apikeys_revoke_refuses_an_id_no_key_can_have(cli, demo):
    result = cli("apikeys", "revoke", "9" * 20)
    assert result.exit_code == 2 and "not in the range 1<=x<=2147483647" in result.output


def test_seed_refuses_a_database_that_has_data(cli, demo):
    result = cli("seed")
    assert result.exit_code == 1
    assert "nothing seeded" in result.output


def test_status_says_what_needs_a_person(app, demo, cli, client, run_worker):
    from datetime import timedelta

    from sqlalchemy import update

    from lapor.clock import utcnow
    from lapor.extensions import redis_ext
    from lapor.models import OutboxItem
    from tests.test_api_reports import REPORT
    from workers.schedule import hold_lease

    result = cli("status")
    assert result.exit_code == 1
    assert "NEEDS ATTENTION: no scheduler is running" in result.output
    with app.app_context():
        assert hold_lease(redis_ext.client(), "a scheduler", 30)
    result = cli("status")
    assert result.exit_code == 0, result.output
    assert "queue lapor-test: 0 waiting" in result.output and "queue lapor-test-send: 0 waiting" in result.output
    assert result.output.strip().endswith("all well")

    # A report whose routing nobody has carried out for 20 minutes (no worker running).
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201
    with app.app_context():
        db.session.execute(update(OutboxItem).values(created_at=utcnow() - timedelta(minutes=20)))
        db.session.commit()
    result = cli("status")
    assert result.exit_code == 1
    assert "queue lapor-test: 1 waiting" in result.output
    assert "1 outbox item(s) not carried out, the oldest for 20 min: are the workers running" in result.output

    # Once worked: routed, but this test app has neither SMS gateway nor mail server, so the
    # reporter's SMS and email failed.
    run_worker()
    result = cli("status")
    assert result.exit_code == 1
    assert "outbox: 0 ready and not carried out, 0 deferred, 0 failing" in result.output
    assert "failed in the last 24 h: 1 email, 1 sms" in result.output
    assert "NEEDS ATTENTION: 1 sms message(s) could not be sent in the last 24 h" in result.output
    assert "not carried out, the oldest" not in result.output


def test_status_lists_the_last_errors_of_failing_work(app, demo, cli):
    from lapor.clock import utcnow
    from lapor.models import OutboxItem
    from workers.jobs import process_outbox

    with app.app_context():
        item = OutboxItem(topic="route_report", payload={}, created_at=utcnow())  # no report id
        db.session.add(item)
        db.session.commit()
        item_id = item.id
        with pytest.raises(KeyError):
            process_outbox(item_id)
    result = cli("status")
    assert result.exit_code == 1
    assert f"  #{item_id} route_report, 1 attempt(s): KeyError: 'report_id'" in result.output
    assert "NEEDS ATTENTION: 1 outbox item(s) failing" in result.output


def test_status_with_redis_down_says_so(demo, cli, monkeypatch):
    from tests.test_outbox import DEAD_REDIS

    monkeypatch.setenv("REDIS_URL", DEAD_REDIS)
    result = cli("status")
    assert result.exit_code == 1
    assert "NEEDS ATTENTION: Redis cannot be read (ConnectionError" in result.output
    assert "outbox: 0 ready and not carried out" in result.output  # the database part still answers


def test_a_departed_staff_member_is_locked_out_at_once_and_can_be_let_back(cli, demo, client, token):
    bearer = token("tangkab")
    signed_in = client.post("/staff/", data={"username": "tangkab", "password": demo["tangkab"]})
    assert signed_in.status_code in (302, 303)
    assert 'name="password"' not in client.get("/staff/").get_data(as_text=True)
    assert cli("users", "deactivate", "tangkab").output.strip() == "tangkab can no longer sign in"
    assert client.get("/api/v1/scorecards", headers=bearer).status_code == 401  # the token stops
    assert 'name="password"' in client.get("/staff/").get_data(as_text=True)  # the page session too
    refused = client.post("/api/v1/auth/token", json={"username": "tangkab", "password": demo["tangkab"]})
    assert refused.status_code == 401
    assert "tangkab" in cli("users", "list").output and "deactivated" in cli("users", "list").output
    assert cli("users", "activate", "tangkab").exit_code == 0
    again = client.post("/api/v1/auth/token", json={"username": "tangkab", "password": demo["tangkab"]})
    assert again.status_code == 200
    # Letting the account back revives nothing issued before: the old token stays dead.
    assert client.get("/api/v1/scorecards", headers=bearer).status_code == 401
    assert client.get("/api/v1/scorecards", headers={"Authorization": f"Bearer {again.get_json()['access_token']}"}
                      ).status_code == 200


def test_a_token_that_no_longer_works_is_told_so_even_where_the_public_may_read(app, cli, demo, client, token):
    """A dead token is a 401 to sign in again, not the public view of a list or a 404."""
    from tests import factories as f

    with app.app_context():
        report = f.report("disposed", holder="TANGKAB", confidential=True)
        db.session.commit()
        tracking_id = report.tracking_id
    bearer = token("tangkab")
    assert client.get("/api/v1/reports", headers=bearer).get_json()["total"] == 1
    assert cli("users", "deactivate", "tangkab").exit_code == 0
    for path in ("/api/v1/reports", f"/api/v1/reports/{tracking_id}"):
        answer = client.get(path, headers=bearer)
        assert answer.status_code == 401 and answer.get_json()["status"] == "token_expired", path
    assert client.get("/api/v1/reports", headers={"Authorization": "Bearer rubbish"}).status_code == 401
    assert client.get("/api/v1/reports").status_code == 200  # without a token: the public view


def test_a_new_password_ends_the_old_tokens(cli, demo, client, token):
    bearer = token("banten")
    assert client.get("/api/v1/scorecards", headers=bearer).status_code == 200
    assert cli("users", "password", "banten", "--password", "pendek").exit_code != 0
    assert cli("users", "password", "banten", "--password", "sandi-baru-123").exit_code == 0
    assert client.get("/api/v1/scorecards", headers=bearer).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "banten", "password": "sandi-baru-123"}
                       ).status_code == 200
    assert cli("users", "deactivate", "siapa").exit_code != 0


def test_an_unknown_revision_is_a_clear_error(cli, demo):
    result = cli("db", "upgrade", "--revision", "9999")
    assert result.exit_code == 2 and "9999" in result.output and "Traceback" not in result.output


def test_a_database_that_cannot_be_reached_is_said_in_one_line(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'lapor.db'}")
    result = cli("users", "list")
    assert result.exit_code == 1
    assert "the database cannot be reached" in result.output and "DATABASE_URL" in result.output


def test_a_password_is_8_to_200_characters_wherever_it_is_set(cli, demo, client):
    created = cli("users", "create", "--username", "petugas", "--password", "x" * 201, "--role", "sysadmin")
    assert created.exit_code == 2 and "8 to 200" in created.output
    assert cli("users", "create", "--username", "petugas", "--password", "x" * 200, "--role", "sysadmin").exit_code == 0
    assert client.post("/api/v1/auth/token", json={"username": "petugas", "password": "x" * 200}).status_code == 200
    assert cli("users", "password", "petugas", "--password", "y" * 201).exit_code == 2
