"""The citizens' site: report form, tracking page, replies, confirmation and rating."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lapor import access, attachments, workflow
from lapor.api.reports import new_report_from
from lapor.api.schemas import ConfirmIn, MessageIn, RatingIn, ReportIn
from lapor.clock import utcnow
from lapor.errors import written_fields
from lapor.extensions import db
from lapor.i18n import gettext, translate_errors
from lapor.intake import find_category, receive
from lapor.models import REPORT_TYPES, TIMEZONES, Agency, Category, Report
from lapor.ratelimit import TooManyReports
from lapor.translations import MESSAGES
from lapor.views import report_view
from lapor.workflow import CITIZEN, InvalidInput, NotFound, WorkflowError

bp = Blueprint("citizen", __name__)

JAKARTA = "Asia/Jakarta"
ZONE_NAMES = {zone: abbreviation for abbreviation, zone in TIMEZONES.items()}
RECENT_REPORTS = 10
REPORT_FIELDS = ("title", "body", "type", "agency", "category", "event_date", "location")
CONTACT_FIELDS = ("name", "phone", "email")
# The workflow's codes in its refusals, and where the words for them are.
REFUSAL_WORDS = {"state": "state.{}", "action": "web.action.{}", "field": "web.fieldname.{}"}


class FormInvalid(Exception):
    """The citizen's input has field errors; `errors` maps field name → messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("form invalid")
        self.errors = errors


# Template helpers, shared by every page of the app (staff pages included).


@bp.app_template_filter("local_time")
def local_time(value: datetime | None, zone: str = JAKARTA) -> str:
    """`2 Maret 2026, pukul 10.00 WIB`: a UTC instant in a zone, with its abbreviation."""
    if value is None:
        return "–"
    local = value.astimezone(ZoneInfo(zone))
    clock = gettext("web.time", hour=local.hour, minute=local.minute)
    name = ZONE_NAMES.get(zone) or local.tzname()
    return gettext("web.datetime", date=long_date(local), time=clock, zone=name)


@bp.app_template_filter("long_date")
def long_date(value: date | None) -> str:
    if value is None:
        return "–"
    month = gettext("web.months").split()[value.month - 1]
    return gettext("web.date", day=value.day, month=month, year=value.year)


@bp.app_template_global()
def lang_url(code: str) -> str:
    """This page in another language; a page answering a POST names its GET address in `g.page`."""
    if "page" in g:
        path, args = g.page
    elif request.method == "GET":
        # "//host" would be another site; a path here is always our own.
        path, args = "/" + request.path.lstrip("/"), request.args.to_dict()
    elif request.path.startswith("/staff/"):
        from lapor.web.desk.common import come_back_to  # the page a desk form was sent from

        path, args = come_back_to(), {}
    else:
        path, args = url_for("citizen.home"), {}
    return f"{path}?{urlencode({**args, 'lang': code})}"


def refusal(exc: WorkflowError) -> str:
    """The workflow's message, its codes replaced by the words a citizen knows."""
    params = dict(exc.params)
    for param in REFUSAL_WORDS.keys() & params.keys():
        key = REFUSAL_WORDS[param].format(params[param])
        if key in MESSAGES:
            params[param] = gettext(key)
    return gettext(f"error.{exc.code}", **params)


def load(schema: Schema, data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Validate with the API's schema; field errors come back translated and flat."""
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        return {}, _flatten(translate_errors(exc.messages))


def _flatten(errors: dict, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}_"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def filled(form, names) -> dict[str, str]:
    """The named fields the citizen filled in, trimmed; empty ones are left out."""
    return {name: form[name].strip() for name in names if form.get(name, "").strip()}


def _catch(errors: dict, field: str, step):
    try:
        return step()
    except InvalidInput as exc:
        errors[field] = [refusal(exc)]
        return None


def read_report(form, files, now: datetime):
    """The web form as a NewReport and its category code, or FormInvalid with every field error."""
    data = filled(form, REPORT_FIELDS)
    data.update(anonymous="anonymous" in form, confidential="confidential" in form)
    contact = filled(form, [f"reporter_{name}" for name in CONTACT_FIELDS])
    data["reporter"] = {key.removeprefix("reporter_"): value for key, value in contact.items()}
    args, errors = load(ReportIn(), data)
    limit = current_app.config["LAPOR"].max_attachment_bytes
    uploads = files.getlist("attachments")
    stored = _catch(errors, "attachments", lambda: attachments.from_uploads(uploads, now, limit))
    _catch(errors, "category", lambda: find_category(data.get("category")))
    new = _catch(errors, "agency", lambda: new_report_from(args, "web")) if args else None
    if errors:
        raise FormInvalid(errors)
    new.attachments = stored
    return new, args.get("category")


def render_home(form=None, errors=None, status: int = 200, reattach: bool = False, *,
                template: str = "citizen/home.html", reports=None, **context):
    """The form beside recent public reports; an agency's site gives its own template and reports."""
    agencies = db.session.scalars(select(Agency).order_by(Agency.name))
    categories = db.session.scalars(select(Category).order_by(Category.name))
    reports = access.public_reports() if reports is None else reports
    recent = db.session.scalars(
        reports.options(selectinload(Report.agency))
        .order_by(Report.received_at.desc(), Report.id.desc()).limit(RECENT_REPORTS)
    )
    html = render_template(
        template, form=form or {}, errors=errors or {}, agencies=agencies,
        categories=categories, types=REPORT_TYPES, recent=recent,
        max_bytes=current_app.config["LAPOR"].max_attachment_bytes,
        max_files=attachments.MAX_FILES, reattach=reattach, **context,
    )
    return html, status


def no_store(html, status: int = 200):
    """A page carrying the reporter's private link: never kept by a cache or the back button."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def home():
    return render_home()


@bp.post("/")
def submit():
    return take_report(render_home)


def take_report(render, channel: str = "web", agency: Agency | None = None):
    """Store the posted form and lead on to its confirmation, or `render` it again with its errors.

    An agency's own site passes its `channel` and `agency`: the report goes to that agency.
    """
    now = utcnow()
    try:
        new, category = read_report(request.form, request.files, now)
    except FormInvalid as exc:
        # Browsers never refill a file input: ask for the attachments again, keep everything else.
        chosen = any(upload.filename for upload in request.files.getlist("attachments"))
        return render(request.form, exc.errors, 422, reattach=chosen)
    new.channel = channel
    new.requested_agency = agency or new.requested_agency
    try:
        report, token = receive(new, now, category)
    except TooManyReports as exc:
        chosen = any(upload.filename for upload in request.files.getlist("attachments"))
        return render(request.form, {"reporter_phone": [gettext(f"error.{exc.code}")]}, 429, reattach=chosen)
    # The token exists nowhere else in clear: it rides in the signed session to the next page only.
    session["sent"] = {"tracking_id": report.tracking_id, "token": token}
    return redirect(url_for("citizen.sent", tracking_id=report.tracking_id), 303)


@bp.get("/laporan/<tracking_id>/terkirim")
def sent(tracking_id):
    """The confirmation, shown once: the tracking ID and the private link."""
    sent = session.pop("sent", None)
    if not sent or sent["tracking_id"] != tracking_id.upper():
        return redirect(url_for(".track", tracking_id=tracking_id))
    tracking_id, token = sent["tracking_id"], sent["token"]
    private_url = url_for(".track", tracking_id=tracking_id, akses=token, _external=True)
    # The page cannot be shown twice, so switching language leads on to the private view.
    g.page = (url_for(".track", tracking_id=tracking_id), {"akses": token})
    html = render_template("citizen/sent.html", tracking_id=tracking_id, private_url=private_url)
    return no_store(html)


@bp.get("/lacak")
def lookup():
    tracking_id = "".join(request.args.get("id", "").split())[:16]
    if not tracking_id:
        return redirect(url_for(".home"))
    report = access.public_report(tracking_id)
    return redirect(url_for(".track", tracking_id=report.tracking_id))


@bp.get("/laporan/<tracking_id>")
def track(tracking_id):
    token = request.args.get("akses")
    if token:
        try:
            return private_page(access.reporter_report(tracking_id, token), token)
        except NotFound:
            # A private link cut short by a chat app: a public report is still shown (publicly,
            # saying the link did not work); a confidential one still does not exist here.
            pass
    report = access.public_report(tracking_id)
    return render_template("citizen/report.html", view=report_view(report, "public"), private=False,
                           zone=report_zone(report), link_failed=bool(token))


def report_zone(report: Report) -> str:
    """The zone a report's times are read in by citizens: its agency's, whose office hours its
    deadlines are counted in (Jakarta's while no agency has it)."""
    holder = report.agency or report.requested_agency
    return holder.timezone if holder is not None else JAKARTA


def reporter_forms(report: Report) -> set[str]:
    """The reporter's forms that fit the report's state, as the workflow allows them."""
    actions = {"reply": "reporter_reply", "confirm": "confirm", "rate": "rate"}
    forms = {name for name, action in actions.items()
             if report.state in workflow.TRANSITIONS[action].from_states}
    if report.rating is not None:
        forms.discard("rate")
    return forms


def private_page(report: Report, token: str, errors=None, refused=None, status: int = 200, written=()):
    g.page = (url_for(".track", tracking_id=report.tracking_id), {"akses": token})
    html = render_template(
        "citizen/report.html", view=report_view(report, "reporter", CITIZEN), private=True,
        token=token, zone=report_zone(report), forms=reporter_forms(report), attachments=report.attachments,
        form=request.form if request.method == "POST" else {}, errors=errors or {}, refused=refused,
        written=written,
    )
    return no_store(html, status)


def reporter_action(tracking_id: str, schema: Schema, act):
    """Check the form, let the workflow act, commit, and go back to the private view."""
    token = request.form.get("akses", "")
    report = access.reporter_report(tracking_id, token, for_update=True)
    args, errors = load(schema, filled(request.form, schema.fields))
    if errors:
        db.session.rollback()  # releases the row lock
        return private_page(report, token, errors=errors, status=422)
    try:
        done = act(report, args, utcnow())
    except WorkflowError as exc:
        db.session.rollback()
        # What the citizen wrote stays on the page to copy into the form that fits now.
        return private_page(report, token, refused=refusal(exc), status=exc.status, written=written_fields())
    db.session.commit()
    flash(gettext(done), "success")
    return redirect(url_for(".track", tracking_id=report.tracking_id, akses=token), 303)


def _reply(report, args, now):
    workflow.reporter_reply(report, CITIZEN, now, args["message"])
    return "web.done.reply"


def _confirm(report, args, now):
    workflow.confirm(report, CITIZEN, now, args["satisfied"], comment=args.get("comment"))
    return "web.done.confirmed" if args["satisfied"] else "web.done.reopened"


def _rate(report, args, now):
    workflow.rate(report, CITIZEN, now, args["rating"], comment=args.get("comment"))
    return "web.done.rated"


@bp.post("/laporan/<tracking_id>/balas")
def reply(tracking_id):
    return reporter_action(tracking_id, MessageIn(), _reply)


@bp.post("/laporan/<tracking_id>/konfirmasi")
def confirm(tracking_id):
    return reporter_action(tracking_id, ConfirmIn(), _confirm)


@bp.post("/laporan/<tracking_id>/nilai")
def rate(tracking_id):
    return reporter_action(tracking_id, RatingIn(), _rate)


@bp.get("/laporan/<tracking_id>/lampiran/<id:attachment_id>")
def attachment(tracking_id, attachment_id):
    """An attachment, for the reporter's private link only: photos may identify them."""
    report = access.reporter_report(tracking_id, request.args.get("akses"))
    return attachments.download(attachments.find(report, attachment_id))
