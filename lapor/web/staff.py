"""The staff desk: sign-in, the list of reports within reach, and one report's timeline."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy.orm import selectinload

from lapor import access, attachments
from lapor.access import may_see_identity
from lapor.auth import authenticate, current_user
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import Report
from lapor.views import report_view
from lapor.workflow import Actor

bp = Blueprint("staff", __name__)

DESK_SIZE = 50
JAKARTA = "Asia/Jakarta"


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def zone_of(user) -> str:
    """Staff read times in their agency's zone; national staff in Jakarta's."""
    return user.agency.timezone if user.agency else JAKARTA


def signed_in(view):
    """Run `view(user, ...)` for a signed-in staff member; send anyone else to the sign-in form."""

    @wraps(view)
    def wrapper(**kwargs):
        user = current_user()
        if user is None:
            return redirect(url_for(".desk", next=request.path))
        return view(user, **kwargs)

    return wrapper


def safe_next(target: str | None) -> str:
    """Only a path on the staff desk, so the sign-in form cannot send anyone elsewhere."""
    if target and target.startswith("/staff/") and "//" not in target and "\\" not in target:
        return target
    return url_for(".desk")


@bp.get("/")
def desk():
    user = current_user()
    if user is None:
        return render_template("staff/login.html", username="", next=request.args.get("next", ""))
    actor = Actor.staff(user)
    reports = db.session.scalars(
        access.staff_reports(actor).options(selectinload(Report.agency))
        .order_by(Report.received_at.desc(), Report.id.desc()).limit(DESK_SIZE)
    )
    rows = [(report, _reporter_name(report, actor)) for report in reports]
    return render_template("staff/desk.html", user=user, rows=rows, zone=zone_of(user))


def _reporter_name(report: Report, actor: Actor) -> str:
    if not may_see_identity(report, actor):
        return gettext("actor.anonymous")
    return report.reporter_name or "–"


@bp.post("/")
def sign_in():
    username = request.form.get("username", "").strip()
    user = authenticate(username, request.form.get("password", ""))
    if user is None:
        g.page = (url_for(".desk"), {})
        html = render_template(
            "staff/login.html", username=username, next=request.form.get("next", ""),
            failed=gettext("error.invalid_credentials"),
        )
        return html, 401
    session.clear()  # a fresh session at sign-in: nothing from before carries over
    session["user_id"] = user.id
    return redirect(safe_next(request.form.get("next")), 303)


@bp.post("/logout")
def logout():
    session.clear()
    flash(gettext("web.staff.signed_out"), "success")
    return redirect(url_for(".desk"), 303)


@bp.get("/laporan/<tracking_id>")
@signed_in
def report(user, tracking_id):
    actor = Actor.staff(user)
    found = access.staff_report(actor, tracking_id)
    return render_template(
        "staff/report.html", user=user, view=report_view(found, "staff", actor),
        attachments=found.attachments, zone=zone_of(user),
    )


@bp.get("/laporan/<tracking_id>/lampiran/<int:attachment_id>")
@signed_in
def attachment(user, tracking_id, attachment_id):
    found = access.staff_report(Actor.staff(user), tracking_id)
    return attachments.download(attachments.find(found, attachment_id))
