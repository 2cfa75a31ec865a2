"""The sysadmins' calendar: national holidays, closures and extra working days, office hours."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lapor.api.sla import add_calendar_day, remove_calendar_day
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.i18n import current_language, gettext
from lapor.intake import find_agency
from lapor.models import DAY_KINDS, TIMEZONES, Agency, CalendarDay
from lapor.sla.adapter import calendar_for
from lapor.sla.calendar import YEARS, YEARS_MESSAGE, within_years
from lapor.web.desk.actions import refusal
from lapor.web.desk.common import JAKARTA, Filters, page, staff_only, today
from lapor.workflow import Actor, InvalidInput, WorkflowError

bp = Blueprint("calendar", __name__)
NOTE_LIMIT = 200
HOLIDAY_LANGUAGES = {"id": "id", "en": "en_US"}  # the page's language, as the holiday library names it
ZONE_NAMES = {zone: name for name, zone in TIMEZONES.items()}


@bp.get("/")
@staff_only("sysadmin")
def index(user):
    return render_calendar(user, _year(request.args))


@bp.post("/")
@staff_only("sysadmin")
def add(user):
    form, errors = request.form, {}
    day, agency = _date(form.get("date", ""), errors), _agency(form.get("agency"), errors)
    kind, note = form.get("kind", ""), form.get("note", "").strip() or None
    if kind not in DAY_KINDS:
        errors["kind"] = [gettext("desk.error.choose")]
    if note and len(note) > NOTE_LIMIT:
        errors["note"] = [gettext("Longer than maximum length {max}.", max=NOTE_LIMIT)]
    elif note and "\x00" in note:
        errors["note"] = [gettext("Contains a character that is not allowed.")]
    if not errors:
        try:
            add_calendar_day(Actor.staff(user), day, kind, agency, note, utcnow())
        except WorkflowError as exc:  # that day is set already
            db.session.rollback()
            errors["date"] = [refusal(exc)]
    if errors:
        year = day.year if day else _year(request.args)
        return render_calendar(user, year, errors=errors, form=form, status=422)
    flash(gettext(f"desk.done.calendar_{kind}", date=day.isoformat()), "success")
    return redirect(url_for(".index", year=day.year), 303)


@bp.post("/<id:day_id>/hapus")
@staff_only("sysadmin")
def remove(user, day_id):
    found = db.session.get(CalendarDay, day_id)
    year = found.day.year if found else None
    remove_calendar_day(Actor.staff(user), day_id, utcnow())
    flash(gettext("desk.done.calendar_removed"), "success")
    return redirect(url_for(".index", year=year), 303)


def render_calendar(user, year: int, errors=None, form=None, status: int = 200):
    national = calendar_for(None)
    first = date(year, 1, 1)
    days = (first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days))
    language = HOLIDAY_LANGUAGES.get(current_language(), "id")
    holidays = [(day, name) for day in days if (name := national.holiday_name(day, language))]
    admin_days = db.session.scalars(
        select(CalendarDay).options(selectinload(CalendarDay.agency))
        .where(CalendarDay.day >= first, CalendarDay.day < date(year + 1, 1, 1))
        .order_by(CalendarDay.day, CalendarDay.id)
    ).all()
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return page("staff/calendar.html", user, status=status, year=year, holidays=holidays,
                admin_days=admin_days, agencies=agencies, kinds=DAY_KINDS, zone_names=ZONE_NAMES,
                errors=errors or {}, form=form or {})


def _year(args) -> int:
    filters = Filters()
    filters.number(args, "year", today(JAKARTA).year, *YEARS)
    return filters.values["year"]


def _date(value: str, errors: dict) -> date | None:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        errors["date"] = [gettext("Not a valid date.")]
        return None
    if not within_years(day):
        errors["date"] = [gettext(YEARS_MESSAGE, first=YEARS[0], last=YEARS[1])]
        return None
    return day


def _agency(code: str | None, errors: dict) -> Agency | None:
    try:
        return find_agency(code)
    except InvalidInput as exc:
        errors["agency"] = [refusal(exc)]
        return None
