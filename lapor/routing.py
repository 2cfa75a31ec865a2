"""Routing a received report with the keyword rules: to an agency, or to the triage queue.

A report that names an agency (form, SMS keyword, subdomain) is matched
against that agency's own rules, whose targets are the agency and its units:
the winning unit gets it, and without a clear winner the agency itself does
(its admins pass it on). Any other report meets the national rules: one clear
winner is disposed to; no match or a tie waits for a dispatcher, with the
matched agencies as suggestions. The decision's explanation is kept on the
event; a rule's category and SLA policy are applied before the deadlines are
computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, true

from lapor import workflow
from lapor.channels.sms import title_for
from lapor.extensions import db
from lapor.models import Agency, Category, Report, is_unit_of
from lapor.rules.decide import Decision
from lapor.rules.matcher import CompiledRuleSet
from lapor.rules.store import ActiveSet, compile_set, find_set, owner_label, route_text
from lapor.sla.adapter import is_policy
from lapor.workflow import SYSTEM, StateConflict

BACKTEST_MAX = 5000


@dataclass
class Plan:
    """Where a report goes (``agency`` None: the triage queue) and what the rules set on it."""

    agency: Agency | None
    category: Category | None
    policy: str | None
    urgent: bool
    decision: Decision
    routing: dict[str, Any]


def candidates(decision: Decision) -> list[dict[str, Any]]:
    """The matched agencies, best first, once each: the dispatcher's one-click suggestions."""
    seen, out = set(), []
    for match in decision.candidates or decision.matches:
        rule = match.rule
        if rule.target not in seen:
            seen.add(rule.target)
            out.append({"agency": rule.target, "rule": rule.name or str(rule.id),
                        "keywords": list(match.keywords)})
    return out


def plan_route(title: str | None, body: str | None, report_type: str | None, channel: str | None,
               requested: Agency | None, compiled: CompiledRuleSet | None = None) -> Plan:
    """What routing would do with this text; ``compiled`` replaces the owner's active rules
    (a draft being tested). Reads only; changes nothing. A text without a title (one tested
    as an SMS is) gets the title the SMS and Open311 channels make of it."""
    if title is None:
        title = title_for(body or "")
    if compiled is not None:
        decision, entry = compiled.route(title, body, report_type, channel), None
    else:
        decision, entry = route_text(title, body, report_type, channel,
                                     requested.code if requested is not None else None)
    routing = _explain(decision, entry, requested)
    target = _target(decision, requested, routing)
    if target is None:
        agency = requested
        routing["candidates"] = candidates(decision)
        routing["method"] = "requested_agency" if requested is not None else (
            "rules_tie" if decision.reason == "tie" else "rules_no_match")
        if requested is not None:
            routing["agency"] = requested.code
        # An emergency two agencies' rules claim waits for a dispatcher, still flagged urgent.
        return Plan(agency, None, None, decision.urgent, decision, routing)
    routing.update(method="rules", agency=target.code)
    category = _category(decision.category, routing)
    policy = decision.policy or (category.policy_code if category else None)
    policy = _policy(policy, report_type, routing)
    return Plan(target, category, policy, decision.urgent, decision, routing)


def _explain(decision: Decision, entry: ActiveSet | None, requested: Agency | None) -> dict:
    routing = decision.to_dict()
    routing["why"] = routing["explanation"]["why"]  # the readable summary beside the details
    if decision.rule is not None:
        winner = decision.matches[0]
        routing["keywords"] = list(winner.keywords)
    routing["rules"] = None if entry is None else {"owner": owner_label(requested),
                                                   "version": entry.version}
    return routing


def _target(decision: Decision, requested: Agency | None, routing: dict) -> Agency | None:
    """The decision's agency, if it exists and the owner may route to it."""
    if decision.target is None:
        return None
    if requested is not None and requested.code == decision.target:
        agency = requested  # the owner's own rule: already loaded
    else:
        agency = db.session.scalars(select(Agency).where(Agency.code == decision.target)).first()
    if agency is None:
        routing["problem"] = f"unknown agency {decision.target}"
        return None
    if requested is not None and not is_unit_of(agency, requested.id):
        routing["problem"] = f"{decision.target} is not a unit of {requested.code}"
        return None
    return agency


def _category(code: str | None, routing: dict) -> Category | None:
    if code is None:
        return None
    category = db.session.scalars(select(Category).where(Category.code == code)).first()
    if category is None:
        routing["problem"] = f"unknown category {code}"  # removed since the rule was written
    return category


def _policy(code: str | None, report_type: str | None, routing: dict) -> str | None:
    if code is None:
        return None
    if report_type == "information_request":
        return None  # public-information requests keep the UU 14/2008 policy whatever the rules say
    if not is_policy(code):
        routing["problem"] = f"unknown SLA policy {code}"
        return None
    return code


def route_report(report: Report, now: datetime) -> str:
    """Route once: a report already routed, or no longer waiting, is left alone."""
    if report.routed_at is not None or report.state != "received":
        return "skipped"
    plan = plan_route(report.title, report.body, report.type, report.channel,
                      report.requested_agency)
    if plan.agency is None:
        if plan.urgent:
            report.urgent = True
        workflow.triage(report, SYSTEM, now, routing=plan.routing)
        return "triaged"
    # Set before disposing: the disposition computes the deadlines under this policy.
    if plan.category is not None:
        report.category_id = plan.category.id
    if plan.policy is not None:
        report.policy_code = plan.policy
    if plan.urgent:
        report.urgent = True
    workflow.dispose(report, SYSTEM, now, plan.agency, routing=plan.routing)
    return "disposed"


def load_for_routing(report_id: int) -> Report | None:
    return db.session.get(Report, report_id, with_for_update=True)


def _applied(plan: Plan) -> dict[str, Any]:
    """What routing by a plan applies to a report: where it goes, its category, its SLA policy
    (so its deadlines) and whether it is flagged urgent."""
    return {"agency": plan.agency.code if plan.agency else None,
            "category": plan.category.code if plan.category else None,
            "policy": plan.policy, "urgent": plan.urgent}


def backtest(agency: Agency | None, limit: int, scope=None) -> dict[str, Any]:
    """The owner's draft against its latest reports (those naming it, or naming no agency for
    the national set; within ``scope``, a WHERE clause such as the caller's reach): each report
    the draft would send elsewhere, categorise, time (SLA policy) or flag otherwise than the
    active rules do."""
    draft = find_set(agency, "draft")
    if draft is None:
        raise StateConflict("rules_no_draft", owner=owner_label(agency))
    compiled = compile_set(draft)
    named = (Report.requested_agency_id == agency.id if agency is not None
             else Report.requested_agency_id.is_(None))
    reports = db.session.scalars(
        select(Report).where(named, true() if scope is None else scope, Report.state != "archived")
        .order_by(Report.received_at.desc(), Report.id.desc()).limit(min(limit, BACKTEST_MAX))
    ).all()
    different = []
    for report in reports:
        # The draft against the active rules on the same text: what activating it would change.
        # (Against where the report is now, every report staff moved by hand would be listed.)
        plan = plan_route(report.title, report.body, report.type, report.channel, agency, compiled)
        active = plan_route(report.title, report.body, report.type, report.channel, agency)
        current, new = _applied(active), _applied(plan)
        if new != current:
            different.append({
                "tracking_id": report.tracking_id, "title": report.title, "state": report.state,
                "current": current, "new": new,
                "reason": plan.decision.reason, "rule": plan.routing.get("rule"),
                "why": plan.decision.explanation.get("why"),
            })
    return {"rules": {"owner": owner_label(agency), "version": draft.version},
            "examined": len(reports), "different": different}
