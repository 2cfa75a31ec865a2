"""The staff desk: sign-in and sign-out, the inbox at /staff/, and the screens nested below."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from lapor.auth import authenticate, current_user, end_session, start_session
from lapor.clock import utcnow
from lapor.i18n import gettext
from lapor.web.desk import calendar, dashboard, explain, inbox, log, recap, report, rules, triage
from lapor.web.desk.common import is_htmx, to_sign_in

bp = Blueprint("staff", __name__)
for screen, prefix in ((triage, "/triase"), (report, "/laporan"), (dashboard, "/pemantauan"),
                       (calendar, "/kalender"), (recap, "/rekap"), (rules, "/aturan"), (log, "/log")):
    bp.register_blueprint(screen.bp, url_prefix=prefix)
bp.add_app_template_filter(explain.details, "event_details")


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")  # the inbox answers htmx with a fragment of the same URL
    return response


def safe_next(target: str | None) -> str:
    """Only a path on the staff desk, so the sign-in form cannot send anyone elsewhere (nor a
    control character break the Location header)."""
    if target and target.startswith("/staff/") and "//" not in target and "\\" not in target \
            and target.isprintable():
        return target
    return url_for(".desk")


@bp.get("/")
def desk():
    user = current_user()
    if user is None and is_htmx():
        return to_sign_in()  # a session that ended while the inbox was open
    if user is None:
        return render_template("staff/login.html", username="", next=request.args.get("next", ""))
    return inbox.render_inbox(user)


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
    start_session(user, utcnow())  # a fresh session at sign-in: nothing from before carries over
    return redirect(safe_next(request.form.get("next")), 303)


@bp.post("/logout")
def logout():
    end_session(utcnow())
    flash(gettext("web.staff.signed_out"), "success")
    return redirect(url_for(".desk"), 303)
