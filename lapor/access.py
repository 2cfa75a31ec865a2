"""Who may see which reports, enforced in the queries themselves."""

from __future__ import annotations

import hmac

from sqlalchemy import Select, and_, false, or_, select, true

from lapor.extensions import db
from lapor.models import Agency, Report, subtree_ids, watched_ids
from lapor.workflow import Actor, NotFound, hash_token


def staff_scope(actor: Actor):
    """A WHERE clause limiting reports to those the staff member may see."""
    if actor.who == "sysadmin":
        return true()
    if actor.agency_id is None:
        # Only national dispatchers have no agency; other roles without one see nothing.
        return true() if actor.who == "dispatcher" else false()
    agency = db.session.get(Agency, actor.agency_id)
    own = subtree_ids(actor.agency_id)
    if actor.who == "dispatcher":
        if agency is not None and agency.parent_id is None:
            return true()  # Admin Nasional
        # Reports held within the agency, and those asked of it while no agency holds them (its
        # triage): once another agency holds one, it is that agency's, not this desk's.
        return or_(Report.agency_id.in_(own), and_(Report.agency_id.is_(None), Report.requested_agency_id.in_(own)))
    if actor.who == "agency_admin":
        return Report.agency_id.in_(own)
    if actor.who == "coordinator" and agency is not None:
        return Report.agency_id.in_(watched_ids(agency))
    return false()


def watchable_agency_ids(actor: Actor) -> set[int] | None:
    """Agencies whose numbers the actor may see; None means every agency."""
    agency = db.session.get(Agency, actor.agency_id) if actor.agency_id else None
    if actor.who == "sysadmin" or (actor.who == "dispatcher" and (agency is None or agency.parent_id is None)):
        return None
    if agency is None:
        return set()
    if actor.who == "coordinator":
        return watched_ids(agency)
    return set(subtree_ids(agency.id))


def locked(query: Select) -> Select:
    """`query` for a row about to change: ``FOR UPDATE`` on PostgreSQL. SQLite has no row locks
    (and its driver begins a transaction only at the first write, after the read), so two
    requests could both act on the state they read; there the transaction takes the database's
    write lock first (``BEGIN IMMEDIATE``), and any other such request waits until it ends."""
    if db.session.get_bind().dialect.name != "sqlite":
        return query.with_for_update()
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return query


def staff_reports(actor: Actor) -> Select:
    return select(Report).where(staff_scope(actor))


def staff_report(actor: Actor, tracking_id: str, for_update: bool = False) -> Report:
    """One report the actor may see, or NotFound (never a hint that it exists elsewhere)."""
    query = staff_reports(actor).where(Report.tracking_id == tracking_id.upper())
    report = db.session.scalars(locked(query) if for_update else query).first()
    if report is None:
        raise NotFound("report_not_found")
    return report


def reporter_report(tracking_id: str, token: str | None, for_update: bool = False) -> Report:
    """The report whose private access token the caller holds."""
    query = select(Report).where(Report.tracking_id == tracking_id.upper())
    report = db.session.scalars(locked(query) if for_update else query).first()
    if report is None or not token or not hmac.compare_digest(
        hash_token(token), report.access_token_hash
    ):
        raise NotFound("report_not_found")
    return report


def public_report(tracking_id: str) -> Report:
    """A report as anyone may see it: confidential reports do not exist here."""
    query = select(Report).where(
        Report.tracking_id == tracking_id.upper(), Report.confidential.is_(False)
    )
    report = db.session.scalars(query).first()
    if report is None:
        raise NotFound("report_not_found")
    return report


# How far back public lists page (API and Open311): a deep page makes the database walk every
# report before it, and anyone may ask for one. Older public reports are found by tracking ID.
PUBLIC_ROWS = 10_000


def within_public_depth(page: int, per_page: int) -> bool:
    """Whether page `page` of `per_page` rows lies within the PUBLIC_ROWS a public list backs."""
    return page * per_page <= PUBLIC_ROWS


def public_reports() -> Select:
    return select(Report).where(Report.confidential.is_(False), Report.state != "archived")


def may_see_identity(report: Report, actor: Actor | None) -> bool:
    """An anonymous reporter is known only to themselves and to system admins."""
    if not report.anonymous:
        return actor is not None and (actor.kind == "citizen" or actor.kind == "staff")
    return actor is not None and (actor.kind == "citizen" or actor.who == "sysadmin")
