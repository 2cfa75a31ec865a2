"""The `lapor` command: run, worker, scheduler, db, seed, users, sla, apikeys, status."""

from __future__ import annotations

import os
import sys
from datetime import datetime

import click

from lapor.app import ROW_ID_MAX
from lapor.clock import utcnow
from lapor.sla.calendar import WORKING_DAYS_MAX


def _app():
    from lapor.app import create_app

    return create_app()


class _Commands(click.Group):
    """Lapor's commands: a database that cannot be reached is said in one line, not a traceback."""

    def invoke(self, ctx):
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else exc.__class__.__name__
            raise click.ClickException(f"the database cannot be reached ({reason}); check DATABASE_URL") from None


@click.group(cls=_Commands)
def main() -> None:
    """Lapor: complaint routing and SLA monitoring for public agencies."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--web-workers", default=2, show_default=True, type=int)
def run(host: str, port: int, web_workers: int) -> None:
    """Run web, worker and scheduler together on this machine."""
    from lapor.runner import run_all

    sys.exit(run_all(host, port, web_workers))


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queues", type=click.Choice(["all", "main", "send"]), default="all", show_default=True,
              help="all: routing and the rest first, then SMS and email sends; main or send: only those.")
def worker(burst: bool, queues: str) -> None:
    """Run an RQ worker for Lapor's queues."""
    from workers.worker import work

    work(_app(), burst=burst, queues=queues)


@main.command()
@click.option("--once", is_flag=True, help="Enqueue what is due once and exit.")
def scheduler(once: bool) -> None:
    """Run the one scheduler of the periodic jobs."""
    from workers.schedule import run_scheduler

    run_scheduler(_app(), once=once)


@main.command()
def status() -> None:
    """What the queues, scheduler, outbox and messages are doing; exits 1 if anything needs a person."""
    from workers.status import describe, read_status

    with _app().app_context():
        now = utcnow()
        found = read_status(now)
    for line in describe(found, now):
        click.echo(line)
    sys.exit(1 if found.problems else 0)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations."""
    from alembic.util import CommandError

    from lapor.migrate import upgrade

    with _app().app_context():
        try:
            upgrade(revision)
        except CommandError as exc:
            raise click.BadParameter(str(exc), param_hint="--revision") from None
    click.echo("database is up to date")


@main.command()
def seed() -> None:
    """Seed demo data into an empty database and print the demo logins."""
    from lapor.migrate import upgrade
    from lapor.seed import is_empty, seed_demo

    app = _app()
    with app.app_context():
        upgrade()
        if not is_empty():
            raise click.ClickException("the database already has agencies; nothing seeded")
        logins = seed_demo(utcnow(), app.config["LAPOR"].data_dir / "demo-logins.txt")
    print_logins(logins)


def print_logins(logins) -> None:
    click.echo("Demo logins (username / password / role):")
    for username, password, role in logins:
        click.echo(f"  {username:<12} {password:<16} {role}")


@main.group()
def users() -> None:
    """Staff accounts."""


def _longest(column) -> int:
    """The most characters a User column holds."""
    from lapor.models import User

    return User.__table__.c[column].type.length


def _check_password(password: str) -> None:
    from lapor.models.user import PASSWORD_MAX, PASSWORD_MIN

    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.BadParameter(f"{PASSWORD_MIN} to {PASSWORD_MAX} characters", param_hint="--password")


def _checked_email(email: str | None) -> str | None:
    """A staff member's address for escalations, or None to have none."""
    from marshmallow import ValidationError, validate

    email = (email or "").strip()
    if not email:
        return None
    try:
        valid = len(email) <= _longest("email") and validate.Email()(email)
    except ValidationError:
        valid = False
    if not valid:
        raise click.BadParameter(f"not an email address: {email}", param_hint="--email")
    return email


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["dispatcher", "agency_admin", "coordinator", "sysadmin"]))
@click.option("--agency", "agency_code", default=None, help="Agency code, e.g. TANGKAB.")
@click.option("--name", "full_name", default=None)
@click.option("--email", default=None, help="Where the escalations of the staff member's reports are sent.")
def users_create(username, password, role, agency_code, full_name, email) -> None:
    """Create a staff account."""
    from sqlalchemy import select

    from lapor.extensions import db as database
    from lapor.models import Agency, User

    if not username or username != username.strip() or len(username) > _longest("username"):
        raise click.BadParameter(f"1 to {_longest('username')} characters, without spaces around them",
                                 param_hint="--username")
    _check_password(password)
    if full_name is not None and len(full_name) > _longest("full_name"):
        raise click.BadParameter(f"at most {_longest('full_name')} characters", param_hint="--name")
    email = _checked_email(email)
    with _app().app_context():
        agency = None
        if agency_code:
            agency = database.session.scalars(select(Agency).where(Agency.code == agency_code.upper())).first()
            if agency is None:
                raise click.BadParameter(f"unknown agency {agency_code}", param_hint="--agency")
        elif role in ("agency_admin", "coordinator"):
            raise click.BadParameter(f"a {role} needs --agency", param_hint="--agency")
        if database.session.scalars(select(User).where(User.username == username)).first():
            raise click.ClickException(f"user {username} already exists")
        user = User(username=username, role=role, agency=agency, full_name=full_name, email=email,
                    created_at=utcnow())
        user.set_password(password)
        database.session.add(user)
        _log("user.create", username, {"role": role, "agency": agency.code if agency else None,
                                       "name": full_name, "email": email})
        database.session.commit()
    click.echo(f"created {role} {username}" + (f" at {agency_code.upper()}" if agency_code else ""))


@users.command("email")
@click.argument("username")
@click.argument("email", required=False)
def users_email(username: str, email: str | None) -> None:
    """Set where a staff member's escalation emails go; without EMAIL, send them none."""
    from lapor.extensions import db as database

    email = _checked_email(email)
    with _app().app_context():
        user = _user(username)
        if user.email != email:
            _log("user.email", username, {"email": [user.email, email]})
        user.email = email
        database.session.commit()
    click.echo(f"{username}: escalations to {email}" if email else f"{username}: no escalation emails")


def _log(action: str, subject: str, data: dict | None = None) -> None:
    """An entry in the administration log for a change made here, in the caller's app context."""
    from lapor import audit

    audit.record(None, action, subject, utcnow(), data)


def _user(username: str):
    """The staff account named USERNAME, in the caller's app context."""
    from sqlalchemy import select

    from lapor.extensions import db as database
    from lapor.models import User

    user = database.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.BadParameter(f"no user {username}", param_hint="USERNAME")
    return user


@users.command("list")
def users_list() -> None:
    """Every staff account: username, role, agency, whether it may sign in."""
    from sqlalchemy import select

    from lapor.extensions import db as database
    from lapor.models import User

    with _app().app_context():
        for user in database.session.scalars(select(User).order_by(User.username)):
            agency = user.agency.code if user.agency else "-"
            state = "active" if user.active else "deactivated"
            click.echo(f"{user.username:<20} {user.role:<13} {agency:<16} {state:<12} {user.email or ''}".rstrip())


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Stop an account signing in (someone who left): its sessions and tokens stop working at once."""
    _set_active(username, False)
    click.echo(f"{username} can no longer sign in")


@users.command("activate")
@click.argument("username")
def users_activate(username: str) -> None:
    """Let a deactivated account sign in again."""
    _set_active(username, True)
    click.echo(f"{username} can sign in again")


def _set_active(username: str, active: bool) -> None:
    from lapor.auth import revoke_access
    from lapor.extensions import db as database

    with _app().app_context():
        user = _user(username)
        if user.active != active:
            _log("user.activate" if active else "user.deactivate", username)
        if not active:
            revoke_access(user, utcnow())
        user.active = active
        database.session.commit()


@users.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The new password (asked for when not given).")
def users_password(username: str, password: str) -> None:
    """Set a new password; the account's desk sessions and API tokens stop working."""
    from lapor.auth import revoke_access
    from lapor.extensions import db as database

    _check_password(password)
    with _app().app_context():
        user = _user(username)
        user.set_password(password)
        revoke_access(user, utcnow())
        _log("user.password", username)
        database.session.commit()
    click.echo(f"{username}: new password set; earlier tokens no longer work")


@main.group()
def sla() -> None:
    """Working-day deadlines."""


@sla.command("due")
@click.option("--received", required=True, help="ISO 8601 instant with offset, e.g. 2026-02-02T10:00+07:00")
@click.option("--working-days", required=True, type=click.FloatRange(0, WORKING_DAYS_MAX))
@click.option("--agency", "agency_code", default=None)
@click.option("--timezone", default=None, help="e.g. Asia/Makassar (national calendar in that zone)")
def sla_due(received: str, working_days: float, agency_code: str | None, timezone: str | None) -> None:
    """Print when N working days since `received` have passed."""
    import math

    from lapor.sla.adapter import calendar_for_due

    if not math.isfinite(working_days):  # FloatRange lets NaN through
        raise click.BadParameter("a number of days, e.g. 2 or 0.5", param_hint="--working-days")

    try:
        start = datetime.fromisoformat(received)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--received") from exc
    if start.tzinfo is None:
        raise click.BadParameter("give an offset, e.g. +07:00", param_hint="--received")
    from lapor.sla.calendar import YEARS, YEARS_MESSAGE, within_years

    if not within_years(start):
        raise click.BadParameter(YEARS_MESSAGE.format(first=YEARS[0], last=YEARS[1]), param_hint="--received")
    if agency_code and timezone:
        raise click.UsageError("give --agency or --timezone, not both")
    if agency_code:
        from sqlalchemy import select

        from lapor.extensions import db as database
        from lapor.models import Agency

        with _app().app_context():
            agency = database.session.scalars(select(Agency).where(Agency.code == agency_code.upper())).first()
            if agency is None:
                raise click.BadParameter(f"unknown agency {agency_code}", param_hint="--agency")
            calendar = calendar_for_due(agency, None)
    else:
        try:
            calendar = calendar_for_due(None, timezone)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--timezone") from exc
    try:
        click.echo(calendar.add_working_days(start, working_days).isoformat())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--working-days") from exc


@sla.command("backfill")
def sla_backfill() -> None:
    """Store the working time to the first follow-up of reports followed up before it was kept."""
    from lapor.scorecard import backfill_followup_seconds

    with _app().app_context():
        click.echo(f"{backfill_followup_seconds()} report(s) filled in")


@main.command("audit")
@click.option("--action", default=None, help="One action (agency.update) or every action of a kind (agency).")
@click.option("--subject", default=None, help="An agency code, a username, a date, a policy code ...")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
def audit_log(action: str | None, subject: str | None, limit: int) -> None:
    """The administration log, newest first: who changed agencies, calendars, policies, rules,
    accounts and API keys, and from what to what."""
    import json

    from lapor import audit

    with _app().app_context():
        for entry in audit.entries(action=action, subject=subject, limit=limit):
            data = json.dumps(entry.data, ensure_ascii=False, sort_keys=True) if entry.data else ""
            click.echo(f"{entry.at.isoformat()}\t{entry.actor_name}\t{entry.action}\t{entry.subject}\t{data}".rstrip())


@main.group()
def apikeys() -> None:
    """Open311 client applications' api_keys."""


@apikeys.command("create")
@click.option("--name", required=True, help="The client application, e.g. 'Aplikasi Warga'.")
def apikeys_create(name: str) -> None:
    """Issue an api_key; it is printed once (stdout holds only the key) and stored as a hash."""
    from lapor.extensions import db as database
    from lapor.models.apikey import issue_key

    name = name.strip()
    if not name or len(name) > 100:
        raise click.BadParameter("1 to 100 characters", param_hint="--name")
    with _app().app_context():
        key, secret = issue_key(name, utcnow())
        database.session.flush()
        _log("apikey.create", f"api_key #{key.id}", {"name": name})
        database.session.commit()
        click.echo(f"api_key #{key.id} for {name} (shown only now):", err=True)
    click.echo(secret)


@apikeys.command("list")
def apikeys_list() -> None:
    """The keys issued: id, application, created, revoked."""
    from sqlalchemy import select

    from lapor.extensions import db as database
    from lapor.models import ApiKey

    with _app().app_context():
        for key in database.session.scalars(select(ApiKey).order_by(ApiKey.id)):
            revoked = key.revoked_at.isoformat() if key.revoked_at else "-"
            click.echo(f"{key.id}\t{key.name}\t{key.created_at.isoformat()}\t{revoked}")


@apikeys.command("revoke")
@click.argument("key_id", type=click.IntRange(1, ROW_ID_MAX))
def apikeys_revoke(key_id: int) -> None:
    """Revoke a key by its id: its application can no longer post."""
    from lapor.extensions import db as database
    from lapor.models import ApiKey

    with _app().app_context():
        key = database.session.get(ApiKey, key_id)
        if key is None:
            raise click.BadParameter(f"no api_key #{key_id}", param_hint="KEY_ID")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            _log("apikey.revoke", f"api_key #{key.id}", {"name": key.name})
        database.session.commit()
        click.echo(f"revoked api_key #{key_id} ({key.name})")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
