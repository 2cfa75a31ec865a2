"""Reading an Open311 client's request: its service, agency, filters and posted fields."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lapor.access import PUBLIC_ROWS, within_public_depth
from lapor.api.reports import new_report_from
from lapor.api.schemas import ReportIn
from lapor.channels.open311_views import (
    OTHER,
    TYPE_ATTRIBUTE,
    as_uri,
    format_location,
    is_web_url,
    valid_point,
    with_media,
)
from lapor.channels.sms import title_for
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import OPEN_STATES, Agency, Category, Report, subtree_ids
from lapor.sla.adapter import NATIONAL_TIMEZONE
from lapor.web.citizen import load
from lapor.workflow import NewReport

CHANNEL = "open311"
WINDOW = timedelta(days=90)
MAX_ROWS = 1000
MIN_YEAR, MAX_YEAR = 1900, 9000
# Where the API schema's field names came from in the client's request.
CLIENT_FIELDS = {"title": "description", "body": "description",
                 "type": f"attribute[{TYPE_ATTRIBUTE}]", "location": "address_string",
                 "reporter_name": "first_name", "reporter_phone": "phone",
                 "reporter_email": "email"}


class Open311Error(Exception):
    """A refusal in the spec's terms: an HTTP status and what to tell the client."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(status, *descriptions)
        self.status = status
        self.descriptions = descriptions


def find_service(code: str) -> Category | None:
    """The category behind a service_code; None for the catch-all "other" service."""
    code = code.strip().lower()
    category = db.session.scalars(select(Category).where(Category.code == code)).first()
    if category is None and code != OTHER:
        raise Open311Error(404, gettext("open311.error.service", code=code))
    return category


def jurisdiction(fields) -> Agency | None:
    """The agency named by `agency` or `jurisdiction_id`; None means the whole service."""
    value = (fields.get("agency") or fields.get("jurisdiction_id") or "").strip().lower()
    base_domain = current_app.config["LAPOR"].base_domain.lower()
    if not value or value == base_domain:
        return None
    name = value.removesuffix("." + base_domain)
    agency = db.session.scalars(
        select(Agency).where(or_(Agency.code == name.upper(), Agency.subdomain == name))
    ).first()
    if agency is None:
        raise Open311Error(404, gettext("open311.error.jurisdiction", value=value))
    return agency


def filtered(query, args, now: datetime):
    """GET requests' filters: agency, service, status, the 90-day window, and the page."""
    agency = jurisdiction(args)
    if agency is not None:
        query = query.where(Report.agency_id.in_(subtree_ids(agency.id)))
    if args.get("service_code", "").strip():
        category = find_service(args["service_code"])
        same = (Report.category_id == category.id) if category else Report.category_id.is_(None)
        query = query.where(same)
    declared = args.getlist("status") if hasattr(args, "getlist") else [args.get("status", "")]
    statuses = {part.strip().lower() for value in declared for part in value.split(",") if part.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, gettext("open311.error.status"))
    if statuses == {"open"}:
        query = query.where(Report.state.in_(OPEN_STATES))
    elif statuses == {"closed"}:
        query = query.where(Report.state.not_in(OPEN_STATES))
    start, end = window(args, now)
    page, size = number(args, "page", 1, 100_000), number(args, "page_size", MAX_ROWS, MAX_ROWS)
    if not within_public_depth(page, size):
        raise Open311Error(400, gettext("open311.error.page_too_deep", rows=PUBLIC_ROWS))
    return (
        query.where(Report.received_at >= start, Report.received_at <= end)
        .options(selectinload(Report.agency), selectinload(Report.category))
        .order_by(Report.received_at.desc(), Report.id.desc())
        .offset((page - 1) * size).limit(size)
    )


def window(args, now: datetime) -> tuple[datetime, datetime]:
    """start_date..end_date, at most 90 days apart; by default the last 90 days (spec)."""
    start, end = instant(args, "start_date"), instant(args, "end_date")
    if start and end:
        if end < start or end - start > WINDOW:
            raise Open311Error(400, gettext("open311.error.window"))
        return start, end
    if start:
        return start, start + WINDOW
    end = end or now
    return end - WINDOW, end


def instant(args, name: str) -> datetime | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    if "T" in raw:
        raw = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw)  # an unescaped "+07:00" arrives as " 07:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Open311Error(400, gettext("open311.error.date", field=name)) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # keeps the 90-day arithmetic and UTC in range
        raise Open311Error(400, gettext("open311.error.date", field=name))
    # The spec asks for an offset; without one, national time is what an Indonesian client means.
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(NATIONAL_TIMEZONE))


def number(args, name: str, default: int, maximum: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= maximum):
        raise Open311Error(400, gettext("open311.error.number", field=name, max=maximum))
    return int(raw)


def posted_fields() -> dict[str, str]:
    """The POSTed fields (form-encoded as in the spec, or one JSON object) over the query's."""
    fields = request.form.to_dict()
    if request.is_json:
        data = request.get_json()
        if not isinstance(data, dict) or not isinstance(data.get("attribute") or {}, dict):
            raise Open311Error(400, gettext("open311.error.body"))
        attributes = data.pop("attribute", None) or {}
        data.update({f"attribute[{key}]": value for key, value in attributes.items()})
        if any(isinstance(value, dict | list) for value in data.values()):
            raise Open311Error(400, gettext("open311.error.body"))
        fields = {key: _text(value) for key, value in data.items()}
    fields = {**request.args.to_dict(), **fields}
    # NUL means nothing in a text, and PostgreSQL cannot store it.
    return {key: value.replace("\x00", "") for key, value in fields.items()}


def _text(value) -> str:
    return "" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)


def new_report(fields: dict[str, str], service_name: str | None = None) -> NewReport:
    """The request checked by the API's own schema, as the NewReport every channel makes. The
    spec makes the description optional (an app may send a service, a place and a photo): then
    the report says what and where, "<service> di <place>"."""
    place = location(fields)
    description = fields.get("description", "").strip()
    if not description and service_name:
        description = f"{service_name} di {place}"
    media_url = as_uri(fields.get("media_url", "").strip())
    if media_url and not is_web_url(media_url):
        raise Open311Error(400, gettext("open311.error.media_url"))
    name = " ".join(part for part in (fields.get("first_name", "").strip(),
                                      fields.get("last_name", "").strip()) if part)
    contact = {"name": name, "phone": fields.get("phone", "").strip(),
               "email": fields.get("email", "").strip()}
    data = {"type": fields.get(f"attribute[{TYPE_ATTRIBUTE}]", "").strip() or "complaint",
            "location": place,
            "reporter": {key: value for key, value in contact.items() if value}}
    if description:
        data.update(title=title_for(description), body=with_media(description, media_url))
    args, errors = load(ReportIn(), data)
    if errors:
        raise Open311Error(400, *dict.fromkeys(
            gettext("open311.error.field", field=CLIENT_FIELDS.get(field, field), message=message)
            for field, messages in errors.items() for message in messages))
    return new_report_from(args, CHANNEL)


def location(fields: dict[str, str]) -> str:
    """lat/long and/or address_string as one `location`; the spec requires one of them."""
    address = " ".join(fields.get("address_string", "").split()) or None
    lat = long = None
    if fields.get("lat", "").strip() or fields.get("long", "").strip():
        try:
            lat, long = float(fields.get("lat", "")), float(fields.get("long", ""))
        except ValueError:
            raise Open311Error(400, gettext("open311.error.point")) from None
        if not valid_point(lat, long):  # NaN and infinities fail here too
            raise Open311Error(400, gettext("open311.error.point"))
    if address is None and lat is None:
        raise Open311Error(400, gettext("open311.error.location"))
    return format_location(address, lat, long)
