"""Notifications: who hears about an event on a report's timeline, and what they read.

Reporters hear (by SMS and/or email, whichever they gave, in their language)
when their report is dispositioned, followed up, asked for information, given more time,
resolved, closed or archived. Agency admins and the coordinators watching the
agency get email for escalations (the dispatchers, for a report still in triage), in
the agency's working hours only. Every
message is made once per event, channel and recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lapor.channels import sms
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import Agency, OutgoingMessage, Report, ReportEvent, User, lineage, supervision
from lapor.phones import normalise_phone
from lapor.queue import NotYet, add_work
from lapor.sla.adapter import calendar_for

REPORTER_EVENTS = frozenset({"disposed", "followed_up", "info_requested", "extended", "resolved",
                             "auto_closed", "archived"})
STAFF_EVENTS = frozenset({"escalated"})


@dataclass(frozen=True)
class Draft:
    channel: str  # sms, email
    recipient: str
    subject: str | None
    body: str


def audience_for(kind: str) -> str | None:
    """Who an event of this kind concerns: `reporter`, `staff` or nobody."""
    if kind in REPORTER_EVENTS:
        return "reporter"
    if kind in STAFF_EVENTS:
        return "staff"
    return None


def notify(payload: dict, now: datetime) -> str:
    """Outbox handler: make the event's messages (once) and queue them for sending."""
    event = db.session.get(ReportEvent, payload["event_id"])
    if event is None:
        return "missing"
    report = event.report
    if payload["audience"] == "staff":
        calendar = calendar_for(report.agency)
        if not calendar.is_working_time(now):
            raise NotYet(calendar.next_opening(now))
        drafts = staff_drafts(event, report)
    else:
        drafts = reporter_drafts(event, report)
    made = 0
    for draft in drafts:
        key = f"event:{event.id}:{draft.channel}:{draft.recipient}"[:120]
        if db.session.scalars(select(OutgoingMessage.id).where(OutgoingMessage.in_reply_to == key)).first():
            continue
        message = OutgoingMessage(
            channel=draft.channel, recipient=draft.recipient, subject=draft.subject, body=draft.body,
            report_id=report.id, in_reply_to=key, state="pending", attempts=0, created_at=now,
        )
        db.session.add(message)
        db.session.flush()
        add_work(f"send_{draft.channel}", {"message_id": message.id}, now)
        made += 1
    return f"{made} message(s)"


def reporter_drafts(event: ReportEvent, report: Report) -> list[Draft]:
    lang = report.language or "id"
    params = {
        "id": report.tracking_id,
        "agency": report.agency.name if report.agency else "-",
        "state": gettext(f"state.{report.state}", lang),
    }
    headline = gettext(f"notify.{event.kind}", lang, **params)
    drafts = []
    phone = normalise_phone(report.reporter_phone)
    if phone:
        if event.kind == "resolved":  # answered by SMS too: how goes after the agency's words
            text = sms.fit_one_sms(gettext("notify.resolved_sms", lang, **params) + ": ", event.message,
                                   " " + gettext("notify.resolved_sms_answer", lang, **params))
        else:
            text = _sms_text(headline, event.message)
        drafts.append(Draft("sms", phone, None, text))
    if report.reporter_email:
        body = "\n\n".join(filter(None, [
            headline, event.message, gettext("notify.footer", lang, id=report.tracking_id),
        ]))
        subject = gettext("notify.subject", lang, id=report.tracking_id)
        drafts.append(Draft("email", report.reporter_email, subject, body))
    return drafts


def _sms_text(headline: str, message: str | None) -> str:
    """The headline and the agency's words, as one SMS in the GSM alphabet where they allow it."""
    return sms.fit_one_sms(headline + ": ", message) if message else sms.fit_one_sms(headline)


def staff_drafts(event: ReportEvent, report: Report) -> list[Draft]:
    """Escalation email to the agency's admins and its coordinators (to the dispatchers while the
    report waits in triage); never the reporter's identity."""
    data = event.data or {}
    params = {
        "id": report.tracking_id,
        "title": report.title,
        "agency": report.agency.name if report.agency else "-",
        "level": gettext(f"level.{data.get('level', 'intervention')}", "id"),
        "clock": gettext(f"clock.{data.get('clock', 'followup')}", "id"),
    }
    subject = gettext("notify.staff_subject", "id", **params)
    body = "\n\n".join(filter(None, [
        gettext("notify.staff_body", "id", **params), event.message,
        gettext("notify.staff_body", "en", **{**params, "level": gettext(f"level.{data.get('level')}", "en"),
                                              "clock": gettext(f"clock.{data.get('clock')}", "en")}),
    ]))
    return [Draft("email", email, subject, body) for email in _staff_emails(report)]


def _staff_emails(report: Report) -> list[str]:
    if report.agency_id is None:
        return _dispatcher_emails(report)
    above = set(db.session.scalars(lineage(report.agency_id))) - {report.agency_id}
    coordinators = set(db.session.scalars(
        select(supervision.c.coordinator_id).where(
            supervision.c.agency_id.in_(above | {report.agency_id}))
    )) | above
    users = db.session.scalars(select(User).where(
        User.active.is_(True), User.email.is_not(None),
        ((User.role == "agency_admin") & (User.agency_id == report.agency_id))
        | ((User.role == "coordinator") & User.agency_id.in_(coordinators)),
    ).order_by(User.id))
    return [user.email for user in users]


def _dispatcher_emails(report: Report) -> list[str]:
    """A report in triage is the dispatchers': national ones (no agency, or the root's) and those
    of the agency it was sent to or an agency above it (`access.staff_scope`)."""
    reach = User.agency_id.is_(None) | User.agency_id.in_(select(Agency.id).where(Agency.parent_id.is_(None)))
    if report.requested_agency_id is not None:
        reach = reach | User.agency_id.in_(lineage(report.requested_agency_id))
    users = db.session.scalars(select(User).where(
        User.active.is_(True), User.email.is_not(None), User.role == "dispatcher", reach,
    ).order_by(User.id))
    return [user.email for user in users]
