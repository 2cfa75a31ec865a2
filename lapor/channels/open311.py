"""Open311 GeoReport v2 at /open311/v2/: our categories as services, public reports as requests.

Every resource answers as `.json` or `.xml`, errors included (the spec's list of
`{code, description}`). Reads go through `access`, so a confidential report
never shows; the reporter never does. A POST needs an `api_key` (`lapor apikeys
create`) and becomes a report through `intake.receive`, like every channel's.
Extensions: `agency` (or `jurisdiction_id`: an agency code or its subdomain host)
sends a POSTed report to that agency and limits GET requests to its reports;
`page` and `page_size` page through GET requests, back 10,000 requests at most (`access.PUBLIC_ROWS`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NoSuchPath

from lapor import access
from lapor.channels import Channel, register
from lapor.channels.open311_input import (
    CHANNEL,
    Open311Error,
    filtered,
    find_service,
    jurisdiction,
    new_report,
    posted_fields,
)
from lapor.channels.open311_views import (
    OTHER,
    request_view,
    respond,
    service_definition,
    service_notice,
    service_view,
)
from lapor.clock import utcnow
from lapor.errors import HTTP_CODES, after_a_bug, after_an_outage
from lapor.errors import http_error as app_http_error
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.intake import receive
from lapor.models import Category, Report
from lapor.models.apikey import find_key
from lapor.workflow import NotFound, WorkflowError

log = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00+07:00"  # when the shape of our services last changed
MAX_IDS = 100


@bp.get(f"/discovery.{FMT}")
def discovery(fmt):
    url = url_for(".discovery", fmt=fmt, _external=True).rsplit("/", 1)[0]
    endpoint = {"specification": SPECIFICATION, "url": url, "changeset": CHANGESET,
                "type": "production", "formats": ["text/xml", "application/json"]}
    return respond(fmt, "discovery", {
        "changeset": CHANGESET, "contact": gettext("open311.contact", site=request.host_url),
        "key_service": gettext("open311.key_service"), "endpoints": [endpoint],
    })


@bp.get(f"/services.{FMT}")
def services(fmt):
    jurisdiction(request.args)
    categories = db.session.scalars(
        select(Category).options(selectinload(Category.parent)).order_by(Category.name)
    ).all()
    views = [service_view(category) for category in categories]
    if all(category.code != OTHER for category in categories):
        views.append(service_view(None))
    return respond(fmt, "services", views)


@bp.get(f"/services/<service_code>.{FMT}")
def service(service_code, fmt):
    jurisdiction(request.args)
    category = find_service(service_code)
    definition = service_definition(category.code if category else OTHER)
    return respond(fmt, "service_definition", definition)


@bp.get(f"/requests.{FMT}")
def list_requests(fmt):
    asked = request.args.get("service_request_id", "").replace(" ", "")
    ids = [part for part in asked.split(",") if part]
    if ids:
        reports = public_by_ids(ids)
    else:
        reports = db.session.scalars(filtered(access.public_reports(), request.args, utcnow()))
    return respond(fmt, "service_requests", [request_view(report) for report in reports])


@bp.get(f"/requests/<service_request_id>.{FMT}")
def one_request(service_request_id, fmt):
    report = access.public_report(service_request_id)
    return respond(fmt, "service_requests", [request_view(report)])


@bp.get(f"/tokens/<token>.{FMT}")
def token(token, fmt):
    try:
        tracking_id = _tokens().loads(token)
    except BadSignature:
        raise Open311Error(404, gettext("open311.error.token")) from None
    report = access.public_report(tracking_id)
    answer = {"service_request_id": report.tracking_id, "token": token}
    return respond(fmt, "service_requests", [answer])


@bp.post(f"/requests.{FMT}")
def create_request(fmt):
    """A client application's service request becomes one report, sent to the agency it names."""
    fields = posted_fields()
    client = find_key(fields.get("api_key"))
    if client is None:
        raise Open311Error(403, gettext("open311.error.api_key"))
    if not fields.get("service_code", "").strip():
        raise Open311Error(400, gettext("open311.error.required", field="service_code"))
    category = find_service(fields["service_code"])
    agency = jurisdiction(fields)
    new = new_report(fields, category.name if category else gettext("open311.other"))
    new.requested_agency = agency
    report, _ = receive(new, utcnow(), category.code if category else None)
    log.info("open311 request %s from api_key #%d (%s)", report.tracking_id, client.id, client.name)
    receipt = {"service_request_id": report.tracking_id,
               "token": _tokens().dumps(report.tracking_id),
               "service_notice": service_notice(report.policy_code), "account_id": None}
    return respond(fmt, "service_requests", [receipt], 201)


@bp.route("/<path:path>", methods=["GET", "POST"])
def unknown(path):
    raise Open311Error(404, gettext("error.not_found"))


def public_by_ids(ids: list[str]) -> list[Report]:
    """The public reports among `ids`, in the order asked; ids override every filter (spec)."""
    if len(ids) > MAX_IDS:
        raise Open311Error(400, gettext("open311.error.ids", max=MAX_IDS))
    found = []
    for tracking_id in dict.fromkeys(ids):
        try:
            found.append(access.public_report(tracking_id))
        except NotFound:
            continue  # unknown or confidential: left out, as filters leave out what they miss
    return found


def _tokens() -> URLSafeSerializer:
    # A token names its request and is signed: nothing to store, nothing to look up but the report.
    return URLSafeSerializer(current_app.secret_key, salt="lapor-open311-token")


# Errors, in the format the client asked for

@bp.errorhandler(Open311Error)
def refused(exc: Open311Error):
    return errors(exc.status, exc.descriptions)


@bp.errorhandler(WorkflowError)
def workflow_refused(exc: WorkflowError):
    db.session.rollback()
    # The spec knows "not found" and "bad request"; every other refusal is the client's to fix,
    # but for "too many" (the reporter's number past its limit), which a client must wait out.
    status = exc.status if exc.status in (404, 429) else 400
    return errors(status, [gettext(f"error.{exc.code}", **exc.params)])


@bp.errorhandler(DataError)
def refused_by_the_database(exc: DataError):
    db.session.rollback()  # a value the database cannot hold (PostgreSQL and NUL): the client's to fix
    return errors(400, [gettext("error.invalid_input")])


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    status = exc.code or 500
    code = HTTP_CODES.get(status)
    return errors(status, [gettext(f"error.{code}") if code else exc.description])


@bp.errorhandler(OperationalError)
@bp.errorhandler(DBAPIError)
def database_down(exc):
    after_an_outage(exc)
    response = errors(503, [gettext("error.unavailable")])
    response.headers["Retry-After"] = "5"
    return response


@bp.errorhandler(Exception)
def unexpected(exc):
    # Still in the spec's format, so a client reads it (and, for a 503 above, knows to retry).
    after_a_bug()
    return errors(500, [gettext("error.internal")])


def errors(status: int, descriptions):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    listed = [{"code": status, "description": text} for text in descriptions]
    return respond(fmt, "errors", listed, status)


def routing_error(exc: HTTPException):
    """An unknown path or method is answered before any blueprint is chosen: under /open311/ in
    GeoReport's error format too, elsewhere as the rest of the app answers."""
    if request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/"):
        return http_error(exc)
    return app_http_error(exc)


class Open311Channel(Channel):
    name = CHANNEL
    blueprint = bp

    def init_app(self, app) -> None:
        for routing in (NoSuchPath, MethodNotAllowed):
            app.register_error_handler(routing, routing_error)


register(Open311Channel())
