"""Typed SQLAlchemy models; importing this module registers every table."""

from lapor.models.agency import TIMEZONES, Agency, is_unit_of, is_within, lineage, subtree_ids, supervision, watched_ids
from lapor.models.apikey import ApiKey
from lapor.models.audit import AdminEvent
from lapor.models.calendar import DAY_KINDS, CalendarDay
from lapor.models.message import OutgoingMessage
from lapor.models.outbox import OutboxItem
from lapor.models.report import (
    ARCHIVE_REASONS,
    CHANNELS,
    OPEN_STATES,
    REPORT_TYPES,
    STATES,
    Attachment,
    Escalation,
    Report,
    ReportEvent,
)
from lapor.models.rules import RULESET_STATES, RuleRow, RuleSet
from lapor.models.sla import Category, SlaPolicy
from lapor.models.user import ROLES, StaffSession, User

__all__ = [
    "ARCHIVE_REASONS", "CHANNELS", "DAY_KINDS", "OPEN_STATES", "REPORT_TYPES", "ROLES", "STATES", "TIMEZONES",
    "RULESET_STATES", "RuleRow", "RuleSet",
    "AdminEvent", "Agency", "ApiKey", "Attachment", "CalendarDay", "Category", "Escalation", "OutboxItem",
    "OutgoingMessage",
    "Report", "ReportEvent", "SlaPolicy", "StaffSession", "User",
    "is_unit_of", "is_within", "lineage", "subtree_ids", "supervision", "watched_ids",
]
