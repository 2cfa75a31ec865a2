"""The agency directory: system admins add agencies and change them, say who supervises whom,
and keep the categories reports are filed under.

An agency's code never changes once it is made: rules, exports and users' habits name it. What
moves a clock (time zone, office hours, place in the tree, whose calendar days it inherits)
queues the recompute of the open deadlines below it, in the same transaction. Formats are
checked by the API's schemas; this module checks what needs the database: that codes, SMS
keywords and subdomains are free, that parents exist, that the tree stays a tree.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select

from lapor import audit
from lapor.extensions import db
from lapor.intake import find_agency, find_category
from lapor.models import TIMEZONES, Agency, Category, SlaPolicy, subtree_ids
from lapor.queue import add_work
from lapor.workflow import Actor, InvalidInput, StateConflict, require_sysadmin

log = logging.getLogger(__name__)
KINDS = ("national", "ministry", "province", "city", "unit")
# Changes that move deadlines: the agency's own calendar, or the days it inherits.
CLOCK_FIELDS = frozenset({"timezone", "office_open", "office_close", "parent"})


def zone_name(value: str) -> str:
    """The IANA zone of WIB/WITA/WIT or of the zone's own name."""
    return TIMEZONES.get(value.upper(), value)


def _parent(code: str | None, agency: Agency | None = None) -> Agency | None:
    """The parent named `code`. None only for the root of the tree, and there is one root: an
    agency at the top would make its dispatchers national ones, who see every report."""
    if not code:
        root = db.session.scalars(select(Agency).where(Agency.parent_id.is_(None))).first()
        if root is not None and root is not agency:
            raise InvalidInput("agency_parent_required", root=root.code)
        return None
    return find_agency(code)


def _free(column, value: str | None, agency: Agency | None, conflict: str) -> None:
    """Refuse a keyword or subdomain another agency has (in any letter case)."""
    if value is None:
        return
    query = select(Agency).where(func.lower(column) == value.lower())
    if agency is not None:
        query = query.where(Agency.id != agency.id)
    holder = db.session.scalars(query).first()
    if holder is not None:
        raise StateConflict(conflict, value=value, agency=holder.code)


def _hours(opening: time, closing: time) -> None:
    if opening >= closing:
        raise InvalidInput("office_hours_order", open=opening.strftime("%H:%M"),
                           close=closing.strftime("%H:%M"))


def create_agency(actor: Actor, fields: dict[str, Any], now: datetime) -> Agency:
    """Add an agency under its parent (none only for the first, the root) and commit. Its SMS keyword defaults to
    its code and its subdomain to the code in lower case; give None for none."""
    require_sysadmin(actor, "agency")
    code = fields["code"].upper()
    if db.session.scalars(select(Agency.id).where(Agency.code == code)).first() is not None:
        raise StateConflict("agency_exists", agency=code)
    keyword = fields.get("sms_keyword", code)
    subdomain = fields.get("subdomain", code.lower())
    _free(Agency.sms_keyword, keyword, None, "sms_keyword_taken")
    _free(Agency.subdomain, subdomain, None, "subdomain_taken")
    opening, closing = fields.get("office_open", time(8)), fields.get("office_close", time(16))
    _hours(opening, closing)
    agency = Agency(
        code=code, name=fields["name"], kind=fields.get("kind", "unit"),
        parent=_parent(fields.get("parent")), timezone=zone_name(fields.get("timezone", "WIB")),
        office_open=opening, office_close=closing,
        sms_keyword=keyword.upper() if keyword else None,
        subdomain=subdomain.lower() if subdomain else None,
    )
    db.session.add(agency)
    audit.record(actor, "agency.create", code, now, _facts(agency))
    db.session.commit()
    log.info("agency %s added by user %s", code, actor.user_id)
    return agency


def update_agency(actor: Actor, agency: Agency, changes: dict[str, Any], now: datetime) -> Agency:
    """Change an agency's name, kind, parent, time zone, office hours, SMS keyword or subdomain,
    and commit; a change that moves deadlines queues their recompute in the same commit."""
    require_sysadmin(actor, "agency")
    before, changed = _facts(agency), set()
    if "parent" in changes:
        parent = _parent(changes["parent"], agency)
        if parent is not None and parent.id in subtree_ids(agency.id):
            raise InvalidInput("agency_cycle", agency=agency.code, parent=parent.code)
        if parent is not agency.parent:
            agency.parent = parent
            changed.add("parent")
    if "sms_keyword" in changes:
        keyword = changes["sms_keyword"]
        _free(Agency.sms_keyword, keyword, agency, "sms_keyword_taken")
        agency.sms_keyword = keyword.upper() if keyword else None
    if "subdomain" in changes:
        subdomain = changes["subdomain"]
        _free(Agency.subdomain, subdomain, agency, "subdomain_taken")
        agency.subdomain = subdomain.lower() if subdomain else None
    opening = changes.get("office_open", agency.office_open)
    closing = changes.get("office_close", agency.office_close)
    _hours(opening, closing)
    values = {"name": changes.get("name", agency.name), "kind": changes.get("kind", agency.kind),
              "timezone": zone_name(changes.get("timezone", agency.timezone)),
              "office_open": opening, "office_close": closing}
    for name, value in values.items():
        if getattr(agency, name) != value:
            setattr(agency, name, value)
            changed.add(name)
    if changed & CLOCK_FIELDS:
        add_work("recompute_deadlines", {"reason": f"agency {agency.code} changed: "
                                                   f"{', '.join(sorted(changed & CLOCK_FIELDS))}",
                                         "agency_id": agency.id, "policy": None}, now)
    if difference := audit.changes(before, _facts(agency)):
        audit.record(actor, "agency.update", agency.code, now, difference)
    db.session.commit()
    log.info("agency %s changed by user %s: %s", agency.code, actor.user_id, sorted(changed))
    return agency


def set_supervised(actor: Actor, coordinator: Agency, codes: list[str], now: datetime) -> Agency:
    """Make `coordinator` supervise exactly the agencies of `codes` (and their units), and commit."""
    require_sysadmin(actor, "agency")
    wanted = {code.upper() for code in codes}
    found = db.session.scalars(select(Agency).where(Agency.code.in_(wanted))).all() if wanted else []
    missing = wanted - {agency.code for agency in found}
    if missing:
        raise InvalidInput("agency_not_found", agency=", ".join(sorted(missing)))
    before = [a.code for a in sorted(coordinator.supervised, key=lambda a: a.code)]
    coordinator.supervised = sorted((a for a in found if a.id != coordinator.id), key=lambda a: a.code)
    if (after := [a.code for a in coordinator.supervised]) != before:
        audit.record(actor, "agency.supervised", coordinator.code, now, {"supervised": [before, after]})
    db.session.commit()
    log.info("agency %s now supervises %s (user %s)", coordinator.code, sorted(wanted), actor.user_id)
    return coordinator


def _facts(agency: Agency) -> dict[str, Any]:
    """What the log keeps of an agency, to tell what a change changed."""
    return {"name": agency.name, "kind": agency.kind, "parent": agency.parent.code if agency.parent else None,
            "timezone": agency.timezone, "office_open": agency.office_open, "office_close": agency.office_close,
            "sms_keyword": agency.sms_keyword, "subdomain": agency.subdomain}


def _category_facts(category: Category) -> dict[str, Any]:
    return {"name": category.name, "parent": category.parent.code if category.parent else None,
            "policy": category.policy_code}


def _policy(code: str | None) -> str | None:
    if code is not None and db.session.get(SlaPolicy, code) is None:
        raise InvalidInput("policy_not_found", policy=code)
    return code


def create_category(actor: Actor, fields: dict[str, Any], now: datetime) -> Category:
    """Add a category (under a parent, with the SLA policy its reports get, both optional) and commit."""
    require_sysadmin(actor, "category")
    code = fields["code"].lower()
    if db.session.scalars(select(Category.id).where(Category.code == code)).first() is not None:
        raise StateConflict("category_exists", category=code)
    category = Category(code=code, name=fields["name"], parent=find_category(fields.get("parent")),
                        policy_code=_policy(fields.get("policy")))
    db.session.add(category)
    audit.record(actor, "category.create", code, now, _category_facts(category))
    db.session.commit()
    return category


def update_category(actor: Actor, category: Category, changes: dict[str, Any], now: datetime) -> Category:
    """Change a category's name, parent or policy, and commit. The policy applies to reports
    filed from now on; reports filed before keep the deadlines they were given."""
    require_sysadmin(actor, "category")
    before = _category_facts(category)
    if "parent" in changes:
        parent = find_category(changes["parent"])
        ancestor = parent
        while ancestor is not None:
            if ancestor.id == category.id:
                raise InvalidInput("category_cycle", category=category.code, parent=parent.code)
            ancestor = ancestor.parent
        category.parent = parent
    if "policy" in changes:
        category.policy_code = _policy(changes["policy"])
    if "name" in changes:
        category.name = changes["name"]
    if difference := audit.changes(before, _category_facts(category)):
        audit.record(actor, "category.update", category.code, now, difference)
    db.session.commit()
    return category
