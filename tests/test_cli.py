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


def test_seed_refuses_a_database_that_has_data(cli, demo):
    result = cli("seed")
    assert result.exit_code == 1
    assert "nothing seeded" in result.output
