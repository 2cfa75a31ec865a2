"""Every failure becomes a clear answer in the user's language: JSON under /api, a page elsewhere."""

from __future__ import annotations

import logging

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from lapor.extensions import db
from lapor.i18n import gettext, translate_errors
from lapor.workflow import WorkflowError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorised",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/", "/channels/"))


# Sent again with a token of its own; a form with a password (signing in) is never written back.
NOT_RESENT = {"csrf_token"}
# Fields a person writes at length: shown on the page as well, to copy if all else fails.
WRITTEN = ("title", "body", "location", "message", "comment", "note", "reason", "question", "text")


def resend_form() -> dict | None:
    """What a form post that could not be carried out held, to send again from the error page:
    nothing typed is lost when the service is briefly unavailable. None for anything else."""
    if wants_json() or request.method != "POST" or "password" in request.form:
        return None
    fields = [(name, value) for name, values in request.form.lists() if name not in NOT_RESENT
              for value in values]
    return {"action": request.full_path.rstrip("?"), "fields": fields,
            "written": written_fields(),
            "files_dropped": any(f.filename for _, f in request.files.items(multi=True))}


def written_fields() -> list[tuple[str, str]]:
    """What a person wrote at length in the form posted, to copy from an answer that cannot
    offer to send it again (never a password form)."""
    if wants_json() or request.method != "POST" or "password" in request.form:
        return []
    return [(name, value) for name, values in request.form.lists() if name in WRITTEN
            for value in values if value.strip()]


def error_response(status: int, code: str, message: str, errors=None, headers=None, resend=None, **page):
    if wants_json():
        body = {"code": status, "status": code, "message": message}
        if errors:
            body["errors"] = errors
        response = jsonify(body)
    else:
        response = make_response(render_template("error.html", status=status, message=message, resend=resend,
                                                 **page))
        if resend or page.get("written"):
            response.headers["Cache-Control"] = "no-store"  # it holds what the person wrote
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_error(exc: HTTPException):
    """The app's answer to an HTTP error (a channel may answer its own paths' in its format)."""
    status = exc.code or 500
    if status == 422:
        # flask-smorest puts marshmallow's messages under data["messages"].
        messages = getattr(exc, "data", {}).get("messages", {})
        fields = {}
        for location in messages.values():
            fields.update(location if isinstance(location, dict) else {"_": location})
        return error_response(
            422, "invalid_input", gettext("error.invalid_input"), translate_errors(fields)
        )
    code = HTTP_CODES.get(status, "error")
    key = f"error.{code}"
    message = gettext(key) if code in HTTP_CODES.values() else exc.description
    # Past the per-address limit (carrier-grade NAT puts many citizens behind one address):
    # the form comes back, to send again once the limit has passed.
    return error_response(status, code, message, resend=resend_form() if status == 429 else None)


def _desk_page() -> str | None:
    """For a desk form: the sign-in coming back to the page it was sent from."""
    if not request.path.startswith("/staff/"):
        return None
    from lapor.web.desk.common import sign_in_url  # the desk's own notion of "this page"

    return sign_in_url()


def after_an_outage(exc: Exception) -> None:
    """Log that the database is unreachable and roll the request's transaction back."""
    log.warning("database unavailable: %s", exc.__class__.__name__)
    db.session.rollback()


def after_a_bug() -> None:
    """Log an unhandled error and roll its transaction back, before answering it."""
    log.exception("unhandled error")
    try:
        db.session.rollback()
    except Exception:  # the session may be unusable; the answer still goes out
        log.exception("rollback failed")


def register(app) -> None:
    @app.errorhandler(WorkflowError)
    def workflow_error(exc: WorkflowError):
        db.session.rollback()
        return error_response(exc.status, exc.code, gettext(f"error.{exc.code}", **exc.params))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        # A form whose token no longer matches (the session ended meanwhile) is not sent again
        # from here, which would pass the check by; what was written comes back to copy.
        return error_response(400, "csrf", gettext("error.csrf"), written=written_fields(), back=_desk_page())

    app.register_error_handler(HTTPException, http_error)

    @app.errorhandler(DataError)
    def refused_by_the_database(exc):
        # A value the database cannot hold (a NUL character, a number out of range) that no
        # check before it caught: the request's fault, not an outage to retry.
        log.warning("value refused by the database: %s (SQLSTATE %s)", exc.orig.__class__.__name__,
                    getattr(exc.orig, "sqlstate", None))
        db.session.rollback()
        return error_response(422, "invalid_input", gettext("error.invalid_input"))

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_down(exc):
        after_an_outage(exc)
        return error_response(503, "unavailable", gettext("error.unavailable"), headers={"Retry-After": "5"},
                              resend=resend_form())

    @app.errorhandler(Exception)
    def unexpected(exc):
        after_a_bug()
        return error_response(500, "internal", gettext("error.internal"))
