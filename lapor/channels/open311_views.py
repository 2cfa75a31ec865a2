"""What Open311 clients see: GeoReport v2 documents made from our records, as JSON or XML.

Only public facts leave here: a report's state, text, place, agency and
deadline — never who reported it or how to reach them.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import jsonify, make_response

from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import OPEN_STATES, REPORT_TYPES, Category, Report, SlaPolicy
from lapor.sla.adapter import NATIONAL_TIMEZONE, policy_for

OTHER = "lainnya"  # the service of reports without a category
TYPE_ATTRIBUTE = "type"
DESCRIPTION_LIMIT = 4000  # GeoReport's longest description
MEDIA_LINE = "Media: "
# What a URI may hold written out (RFC 3986 unreserved and reserved characters, and "%").
URI_SAFE = "-._~:/?#[]@!$&'()*+,;=%"
URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
# One XML element per list item, named as the spec's examples name them.
ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error",
             "endpoints": "endpoint", "formats": "format", "attributes": "attribute",
             "values": "value"}
# Characters XML 1.0 cannot carry, even escaped; a report's text may hold them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_POINT = r"(?P<lat>-?\d{1,2}(?:\.\d+)?),\s*(?P<long>-?\d{1,3}(?:\.\d+)?)"
BARE_POINT = re.compile(rf"^{_POINT}$")
ADDRESS_AND_POINT = re.compile(rf"^(?P<address>.+?)\s*\({_POINT}\)$")


# Documents

def service_view(category: Category | None) -> dict:
    """A category as a GeoReport service; None is the catch-all "other" service."""
    if category is None:
        name, code, group, policy = gettext("open311.other"), OTHER, None, None
    else:
        name, code, policy = category.name, category.code, category.policy_code
        group = category.parent.name if category.parent else category.name
    words = re.findall(r"\w{3,}", name.lower())
    return {
        "service_code": code,
        "service_name": name,
        "description": service_notice(policy),
        "metadata": True,  # every service takes the report-type attribute
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(w for w in words if w not in ("dan", "yang"))),
        "group": group,
    }


def service_definition(code: str) -> dict:
    """The attributes a service takes: one, the optional report type."""
    values = [{"key": kind, "name": gettext(f"type.{kind}")} for kind in REPORT_TYPES]
    attribute = {
        "variable": True, "code": TYPE_ATTRIBUTE, "datatype": "singlevaluelist", "required": False,
        "datatype_description": None, "order": 1, "description": gettext("open311.type_attribute"),
        "values": values,
    }
    return {"service_code": code, "attributes": [attribute]}


def request_view(report: Report) -> dict:
    """A report as a GeoReport service request: public facts only, never the reporter."""
    address, lat, long = parse_location(report.location)
    description, media_url = split_media(report.body)
    zone = report.agency.timezone if report.agency else NATIONAL_TIMEZONE
    category = report.category
    label = gettext(f"state.{report.state}")
    notes = gettext("open311.status_notes", label=label, state=report.state)
    if report.archive_reason:
        notes += ": " + gettext(f"archive.{report.archive_reason}")
    # The deadline that runs, as the database keeps it (models.report.CURRENT_DUE_SQL): the
    # disposition one in triage, then the follow-up one; none once met, nor while paused for the
    # reporter (the deadline then moves by the time waited, known only once they answer).
    expected = report.current_due_at
    return {
        "service_request_id": report.tracking_id,
        "status": "open" if report.state in OPEN_STATES else "closed",
        "status_notes": notes,
        "service_name": category.name if category else gettext("open311.other"),
        "service_code": category.code if category else OTHER,
        "description": description[:DESCRIPTION_LIMIT],
        "agency_responsible": report.agency.name if report.agency else None,
        "service_notice": service_notice(report.policy_code),
        "requested_datetime": local_iso(report.received_at, zone),
        "updated_datetime": local_iso(report.updated_at, zone),
        "expected_datetime": local_iso(expected, zone) if expected else None,
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": long,
        "media_url": media_url,
    }


def service_notice(policy_code: str | None) -> str:
    """The SLA promise of a policy, e.g. "Tindak lanjut dalam 2 hari kerja" (cached per session)."""
    notices = db.session.info.setdefault("lapor_open311_notices", {})
    if policy_code not in notices:
        clock = policy_for(policy_code or "khusus")  # the policy the deadlines are computed from
        row = db.session.get(SlaPolicy, clock.code)
        days = _days(clock.followup_days)
        if row is not None and row.extended_followup_days:
            notices[policy_code] = gettext("open311.notice_extended", days=days,
                                           extended=_days(row.extended_followup_days))
        else:
            notices[policy_code] = gettext("open311.notice", days=days)
    return notices[policy_code]


def _days(value: float) -> str:
    return f"{value:g}".replace(".", ",")  # Indonesian decimal comma; whole days stay whole


def local_iso(moment: datetime | None, zone: str) -> str | None:
    """ISO 8601 with the offset of the agency's zone, as the spec requires."""
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds") if moment else None


# Location and media, kept in the report's own text columns

def format_location(address: str | None, lat: float | None, long: float | None) -> str:
    """One `location` string: "address", "lat,long" or "address (lat,long)"."""
    if lat is None or long is None:
        return address or ""
    point = f"{_coordinate(lat)},{_coordinate(long)}"
    return f"{address} ({point})" if address else point


def _coordinate(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")  # 6 decimals: about 10 cm


def parse_location(location: str | None) -> tuple[str | None, float | None, float | None]:
    """The address and point in a `location`; any free text is an address without a point."""
    text = (location or "").strip()
    found = BARE_POINT.match(text) or ADDRESS_AND_POINT.match(text)
    if found:
        lat, long = float(found["lat"]), float(found["long"])
        if valid_point(lat, long):
            return found.groupdict().get("address"), lat, long
    return text or None, None, None


def valid_point(lat: float, long: float) -> bool:
    return -90 <= lat <= 90 and -180 <= long <= 180


def with_media(body: str, media_url: str | None) -> str:
    return f"{body}\n\n{MEDIA_LINE}{media_url}" if media_url else body


def split_media(body: str) -> tuple[str, str | None]:
    """The text and the media URL that `with_media` appended, if there is one."""
    text, _, last = body.rpartition("\n\n")
    url = last.removeprefix(MEDIA_LINE)
    if text and url != last and is_web_url(url):
        return text, url
    return body, None


def is_web_url(value: str) -> bool:
    """An http(s) address written as a URI may be (RFC 3986: ASCII, nothing a client's parser
    refuses)."""
    if not URI_CHARACTERS.fullmatch(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def as_uri(value: str) -> str:
    """A web address as a URI: what RFC 3986 does not allow written out (letters of other
    scripts, "<", "|", "{") percent-encoded; what it does is kept as it is."""
    return quote(value, safe=URI_SAFE)


# Formats

def respond(fmt: str, root: str, value, status: int = 200):
    """`value` as JSON, or as XML under `root` with UTF-8 declared as the spec asks."""
    if fmt == "xml":
        body = ElementTree.tostring(_element(root, value), encoding="unicode")
        response = make_response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, status)
        response.mimetype = "text/xml"
        return response
    response = jsonify(value)
    response.status_code = status
    return response


def _element(tag: str, value) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        element.extend(_element(key, child) for key, child in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEM_TAGS[tag], child) for child in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("", str(value))
    return element
