"""The report workflow: the only code that changes a report's state.

Every action checks, in this order, that the actor's role may take it, that the
report is in a state the action starts from, and that the report is within the
actor's reach; then it changes the report, appends an event, and recomputes the
deadlines. Callers commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from lapor.extensions import db
from lapor.models import (
    ARCHIVE_REASONS,
    Agency,
    Escalation,
    Report,
    ReportEvent,
    is_unit_of,
    is_within,
    watched_ids,
)
from lapor.notify import audience_for
from lapor.queue import add_work
from lapor.sla.adapter import calendar_for, followup_working_seconds, policy_for, refresh_deadlines
from lapor.sla.deadlines import paused_working_seconds

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone


@dataclass(frozen=True)
class Actor:
    """Who is acting: a citizen holding the report's access token, staff, or the system."""

    kind: str  # citizen, staff, system
    role: str | None = None
    user_id: int | None = None
    agency_id: int | None = None
    name: str = ""

    @property
    def who(self) -> str:
        return self.role if self.kind == "staff" else self.kind

    @classmethod
    def staff(cls, user) -> Actor:
        return cls("staff", user.role, user.id, user.agency_id, user.full_name or user.username)


SYSTEM = Actor("system", name="Lapor")
CITIZEN = Actor("citizen", name="Pelapor")


class WorkflowError(Exception):
    """A refused action; `code` names a message in the catalogue, `params` fill it."""

    status = 409

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


class StateConflict(WorkflowError):
    status = 409


class NotAllowed(WorkflowError):
    status = 403


class NotFound(WorkflowError):
    status = 404


class InvalidInput(WorkflowError):
    status = 422


@dataclass(frozen=True)
class Transition:
    from_states: frozenset[str]
    actors: frozenset[str]


def _t(states: str, actors: str) -> Transition:
    return Transition(frozenset(states.split()), frozenset(actors.split()))


WORKING = "disposed in_progress"
TRANSITIONS: dict[str, Transition] = {
    "dispose": _t("received", "dispatcher sysadmin system"),
    "triage": _t("received", "system"),
    "redispose": _t(WORKING, "dispatcher sysadmin agency_admin"),
    "return": _t(WORKING, "agency_admin"),
    # Also while waiting for the reporter: an agency may go on without the answer it asked for.
    "follow_up": _t(WORKING + " waiting_reporter", "agency_admin"),
    "resolve": _t(WORKING + " waiting_reporter", "agency_admin"),
    "request_info": _t(WORKING, "agency_admin"),
    "extend": _t(WORKING + " waiting_reporter", "agency_admin"),
    # From receipt on: the receipt itself invites more information (SMS "BALAS <id> <text>").
    "reporter_reply": _t("received " + WORKING + " waiting_reporter", "citizen"),
    "confirm": _t("resolved", "citizen"),
    "reopen": _t("resolved", "citizen"),
    "rate": _t("closed", "citizen"),
    "archive": _t("received", "dispatcher sysadmin"),
    "set_flags": _t(
        "received disposed in_progress waiting_reporter resolved closed archived",
        "dispatcher sysadmin",
    ),
    "auto_close": _t("resolved", "system"),
    "escalate": _t("received disposed in_progress waiting_reporter resolved", "system coordinator"),
}
MANUAL_LEVELS = ("intervention", "reprimand")


def require_sysadmin(actor: Actor, action: str) -> None:
    """Raise unless `actor` is a system admin: the directory, policies and the administration log."""
    if actor.who != "sysadmin":
        raise NotAllowed("role_not_allowed", action=action, role=actor.who)


def authorise(report: Report, actor: Actor, action: str) -> None:
    """Raise unless `actor` may take `action` on `report` now."""
    rule = TRANSITIONS[action]
    if actor.who not in rule.actors:
        raise NotAllowed("role_not_allowed", action=action, role=actor.who)
    if report.state not in rule.from_states:
        raise StateConflict("state_conflict", action=action, state=report.state)
    if actor.who == "agency_admin" and not _holds(actor, report):
        raise NotFound("report_not_found")
    if actor.who == "coordinator" and not _watches(actor, report):
        raise NotFound("report_not_found")


def _holds(actor: Actor, report: Report) -> bool:
    return (
        actor.agency_id is not None
        and report.agency_id is not None
        and is_within(report.agency_id, actor.agency_id)
    )


def _watches(actor: Actor, report: Report) -> bool:
    agency = db.session.get(Agency, actor.agency_id) if actor.agency_id else None
    return agency is not None and report.agency_id in watched_ids(agency)


@dataclass
class NewReport:
    title: str
    body: str
    type: str = "complaint"
    channel: str = "web"
    channel_ref: str | None = None
    requested_agency: Agency | None = None
    category_id: int | None = None
    policy_code: str | None = None
    event_date: date | None = None
    location: str | None = None
    anonymous: bool = False
    confidential: bool = False
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None
    language: str = "id"
    attachments: list[Any] = field(default_factory=list)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_tracking_id() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def submit(new: NewReport, now: datetime) -> tuple[Report, str]:
    """Create a report in `received`; return it and the reporter's private access token."""
    token = secrets.token_urlsafe(24)
    report = Report(
        tracking_id=new_tracking_id(),
        access_token_hash=hash_token(token),
        type=new.type,
        channel=new.channel,
        channel_ref=new.channel_ref,
        title=new.title,
        body=new.body,
        event_date=new.event_date,
        location=new.location,
        anonymous=new.anonymous,
        confidential=new.confidential,
        reporter_name=new.reporter_name,
        reporter_phone=new.reporter_phone,
        reporter_email=new.reporter_email,
        language=new.language,
        state="received",
        requested_agency=new.requested_agency,
        category_id=new.category_id,
        policy_code=new.policy_code or "khusus",
        received_at=now,
        updated_at=now,
        paused_seconds=0,
    )
    db.session.add(report)
    report.attachments.extend(new.attachments)
    _event(report, CITIZEN, "submitted", now, to_state="received")
    refresh_deadlines(report)
    return report, token


def dispose(report, actor, now, agency: Agency, note=None, routing: dict | None = None):
    """Hand a triaged report to the agency that must act."""
    authorise(report, actor, "dispose")
    _move(report, actor, "disposed", now, kind="disposed", agency=agency, message=note, data=routing)
    report.agency = agency
    report.disposed_at = report.disposed_at or now
    if actor.kind == "system":
        report.routed_at = report.routed_at or now
    refresh_deadlines(report)


def triage(report, actor, now, routing: dict | None = None):
    """Routing found no single agency: the report waits in the dispatchers' queue."""
    authorise(report, actor, "triage")
    report.routed_at = report.routed_at or now
    _event(report, actor, "triaged", now, public=False, data=routing)


def redispose(report, actor, now, agency: Agency, note=None):
    """Pass the report to a sub-unit (agency admins) or to any agency (dispatchers)."""
    authorise(report, actor, "redispose")
    if agency.id == report.agency_id:
        raise InvalidInput("same_agency")
    if actor.who == "agency_admin" and not is_unit_of(agency, actor.agency_id):
        raise InvalidInput("not_a_sub_unit", agency=agency.code)
    _move(report, actor, "disposed", now, kind="redisposed", agency=agency, message=note)
    if report.agency is not None and not is_unit_of(agency, report.agency.id):
        _forget_follow_up(report)  # passed to another agency, not to one of the holder's units
    report.agency = agency
    refresh_deadlines(report)


def return_report(report, actor, now, reason: str):
    """"Bukan wewenang": the agency gives the report back to the dispatchers."""
    authorise(report, actor, "return")
    _require(reason, "reason")
    _move(report, actor, "received", now, kind="returned", reason=reason, public=False)
    report.agency = None
    report.agency_id = None
    _forget_follow_up(report)
    refresh_deadlines(report)


def _forget_follow_up(report) -> None:
    """The report leaves the agency that followed it up: what that agency did is not the next
    one's follow-up, whose clock runs again from receipt (and is not credited on its scorecard)."""
    report.followed_up_at = None
    report.followup_working_seconds = None


def follow_up(report, actor, now, message: str, final: bool = False):
    """Post a follow-up; a final one resolves the report and starts the citizen's clock."""
    authorise(report, actor, "resolve" if final else "follow_up")
    _require(message, "message")
    _end_wait(report, now)
    if final:
        _move(report, actor, "resolved", now, kind="resolved", message=message)
        report.resolved_at = now
    else:
        _move(report, actor, "in_progress", now, kind="followed_up", message=message)
    if report.followed_up_at is None:
        report.followed_up_at = now
        report.followup_working_seconds = followup_working_seconds(report)
    refresh_deadlines(report)


def extension_refused(report, now) -> WorkflowError | None:
    """Why the follow-up deadline cannot be extended now (None: it can). Once per report, under a
    policy that allows it, while the clock runs and before its deadline passes (UU 14/2008: the
    requester is told of the extension within the first period)."""
    policy = policy_for(report.policy_code)
    if not policy.extended_followup_days or policy.extended_followup_days <= policy.followup_days:
        return StateConflict("extension_not_in_policy", policy=policy.code)
    if report.followup_extended_at is not None:
        return StateConflict("already_extended")
    if report.followed_up_at is not None or report.followup_due_at is None:
        return StateConflict("extension_after_follow_up")
    if now > report.followup_due_at:
        return StateConflict("extension_too_late")
    return None


def extend_followup(report, actor, now, reason: str):
    """Take the policy's one extension of the follow-up deadline, with the reason the reporter is
    told (informasi: 10 HK become 17; pengawasan: 14 HK become 60 for a field inspection)."""
    authorise(report, actor, "extend")
    _require(reason, "reason")
    refused = extension_refused(report, now)
    if refused is not None:
        raise refused
    before = report.followup_due_at
    report.followup_extended_at = now
    refresh_deadlines(report)
    _event(report, actor, "extended", now, message=reason, data={
        "followup_due_at": [_iso(before), _iso(report.followup_due_at)]})
    report.updated_at = now


def request_info(report, actor, now, question: str):
    """Ask the reporter for information; the follow-up clock pauses until they answer."""
    authorise(report, actor, "request_info")
    _require(question, "message")
    _move(report, actor, "waiting_reporter", now, kind="info_requested", message=question)
    report.paused_at = now
    refresh_deadlines(report)


def reporter_reply(report, actor, now, message: str):
    """The reporter writes to the agency; an awaited answer resumes the clock."""
    authorise(report, actor, "reporter_reply")
    _require(message, "message")
    if report.state == "waiting_reporter":
        _end_wait(report, now)
        _move(report, actor, "in_progress", now, kind="reporter_replied", message=message)
    else:
        _event(report, actor, "reporter_replied", now, message=message)
    refresh_deadlines(report)


def _end_wait(report, now) -> None:
    """The wait for the reporter ends now: its working time moves the follow-up deadline, if that
    clock still runs (once followed up, a wait moves nothing)."""
    if report.state != "waiting_reporter" or report.paused_at is None:
        return
    if report.followed_up_at is None:
        waited = paused_working_seconds(calendar_for(report.agency), report.paused_at, now)
        report.paused_seconds = (report.paused_seconds or 0) + waited
    report.paused_at = None


def confirm(report, actor, now, satisfied: bool, comment: str | None = None):
    """The reporter answers the final follow-up: satisfied closes, not satisfied reopens."""
    authorise(report, actor, "confirm" if satisfied else "reopen")
    if satisfied:
        _move(report, actor, "closed", now, kind="confirmed", message=comment)
        report.closed_at = now
    else:
        _move(report, actor, "in_progress", now, kind="reopened", message=comment)
        report.resolved_at = None
    refresh_deadlines(report)


def rate(report, actor, now, rating: int, comment: str | None = None):
    """Rate a closed report, once, from 1 to 5."""
    authorise(report, actor, "rate")
    if report.rating is not None:
        raise StateConflict("already_rated")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("rating_range")
    report.rating = rating
    _event(report, actor, "rated", now, message=comment, data={"rating": rating})


def archive(report, actor, now, reason: str, note: str | None = None):
    """Reject a report from triage with one of the recognised reasons."""
    authorise(report, actor, "archive")
    if reason not in ARCHIVE_REASONS:
        raise InvalidInput("archive_reason", choices=", ".join(ARCHIVE_REASONS))
    _move(report, actor, "archived", now, kind="archived", reason=reason, message=note)
    report.archive_reason = reason
    refresh_deadlines(report)


def set_flags(report, actor, now, anonymous: bool | None = None, confidential: bool | None = None):
    """Mark a report anonymous and/or confidential; neither flag can be cleared."""
    authorise(report, actor, "set_flags")
    changed = {}
    for name, value in (("anonymous", anonymous), ("confidential", confidential)):
        if value is None or value == getattr(report, name):
            continue
        if not value:
            raise StateConflict("flag_cannot_be_cleared", flag=name)
        setattr(report, name, True)
        changed[name] = True
    if changed:
        _event(report, actor, "flags_set", now, public=False, data=changed)
        report.updated_at = now


def auto_close(report, actor, now):
    """Close a resolved report the reporter never answered."""
    authorise(report, actor, "auto_close")
    _move(report, actor, "closed", now, kind="auto_closed")
    report.closed_at = now
    refresh_deadlines(report)


def escalate(report, actor, now, clock: str, level: str, note: str | None = None):
    """Record a step of the escalation ladder; coordinators may intervene or reprimand by hand.

    Returns the escalation, or None when the same automatic step was already
    recorded (by another sweeper): the unique constraint keeps it to one.
    """
    authorise(report, actor, "escalate")
    manual = actor.kind == "staff"
    if manual:
        if level not in MANUAL_LEVELS:
            raise InvalidInput("escalation_level", choices=", ".join(MANUAL_LEVELS))
        _require(note, "note")
        clock = "manual"
    seq = 1 + max((e.seq for e in report.escalations if e.manual), default=0) if manual else 0
    agency = report.agency or report.requested_agency
    escalation = _insert_once(Escalation, dict(
        report_id=report.id, clock=clock, level=level, at=now, manual=manual, seq=seq,
        agency_id=agency.id if agency is not None else None, actor_user_id=actor.user_id, note=note,
    ))
    if escalation is None:  # another sweeper's step, which a loaded collection may lack
        db.session.expire(report, ["escalations"])
        if manual:  # another coordinator's, numbered the same in a race the row lock prevents
            raise StateConflict("escalation_busy")
        return None
    if "escalations" not in sa_inspect(report).unloaded:  # e.g. loaded by the sweeper's claim
        set_committed_value(report, "escalations", [*report.escalations, escalation])
    _event(report, actor, "escalated", now, public=False, message=note,
           agency=report.agency, data={"clock": clock, "level": level, "manual": manual})
    refresh_deadlines(report)
    return escalation


def recompute_deadlines(report, actor, now, reason: str) -> bool:
    """Recompute after a change of calendar or policy; record the change if there is one."""
    before = (report.disposition_due_at, report.followup_due_at)
    if report.paused_seconds:
        # The waits are measured again in today's calendar: a closure added afterwards for a day
        # the report was waiting on must not count twice.
        report.paused_seconds = waited_seconds(report)
    refresh_deadlines(report)
    after = (report.disposition_due_at, report.followup_due_at)
    if before == after:
        return False
    _event(report, actor, "deadlines_changed", now, public=False, reason=reason, data={
        "disposition_due_at": [_iso(before[0]), _iso(after[0])],
        "followup_due_at": [_iso(before[1]), _iso(after[1])],
    })
    report.updated_at = now
    return True


def waited_seconds(report: Report) -> int:
    """The working time the report's follow-up clock has spent waiting for the reporter, from
    its timeline: each wait from the question to what ended it (the answer, or the agency going
    on without it), if it began before the first follow-up (afterwards that clock has stopped)."""
    calendar = calendar_for(report.agency)
    total, asked = 0, None
    for event in sorted(report.events, key=lambda e: (e.at, e.id or 0)):
        if event.kind == "info_requested":
            asked = event.at
        elif asked is not None and event.from_state == "waiting_reporter":  # answered, or gone on
            if report.followed_up_at is None or asked < report.followed_up_at:
                total += paused_working_seconds(calendar, asked, event.at)
            asked = None
    return total


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _require(text: str | None, name: str) -> None:
    if not text or not text.strip():
        raise InvalidInput("field_required", field=name)


def _move(report, actor, to_state, now, *, kind, **details):
    from_state = report.state
    report.state = to_state
    report.updated_at = now
    return _event(report, actor, kind, now, from_state=from_state, to_state=to_state, **details)


def _insert_once(model, values: dict):
    """``INSERT … ON CONFLICT DO NOTHING`` of one row: the new object, or None when a row
    with the same unique key exists (another sweeper took the step). No savepoint: under
    SQLite's driver a savepoint opened before any write commits on release."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.session.get_bind().dialect.name]
    statement = dialect.insert(model).on_conflict_do_nothing().returning(model)
    return db.session.scalars(statement, [values]).first()


def _event(report, actor, kind, now, *, agency=None, public=True, **details) -> ReportEvent:
    event = ReportEvent(
        report=report,
        at=now,
        kind=kind,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        agency=agency,
        public=public,
        **details,
    )
    db.session.add(event)
    audience = audience_for(kind)
    if audience == "staff" or (
        audience == "reporter" and (report.reporter_phone or report.reporter_email)
    ):
        db.session.flush()
        add_work("notify", {"event_id": event.id, "audience": audience}, now)
    return event
