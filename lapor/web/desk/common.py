"""What every desk screen shares: who is signed in, which screens a role has, reading filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select

from lapor.auth import current_user
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.sla.calendar import within_years
from lapor.workflow import NotAllowed

JAKARTA = "Asia/Jakarta"
EVERYONE = frozenset({"dispatcher", "agency_admin", "coordinator", "sysadmin"})

# The desk's screens in menu order: endpoint, label, roles that may open it.
SCREENS = (
    ("staff.desk", "desk.nav.inbox", EVERYONE),
    ("staff.triage.queue", "desk.nav.triage", frozenset({"dispatcher", "sysadmin"})),
    ("staff.dashboard.index", "desk.nav.dashboard", frozenset({"coordinator", "sysadmin"})),
    ("staff.recap.index", "desk.nav.recap", EVERYONE),
    ("staff.calendar.index", "desk.nav.calendar", frozenset({"sysadmin"})),
    ("staff.log.index", "desk.nav.log", frozenset({"sysadmin"})),
)
ROLES_OF = {endpoint: roles for endpoint, _, roles in SCREENS}


def zone_of(user) -> str:
    """Staff read times in their agency's zone; national staff in Jakarta's."""
    return user.agency.timezone if user.agency else JAKARTA


def staff_only(*roles: str):
    """Run `view(user, ...)` for a signed-in staff member of one of `roles` (any role if none).

    Anyone signed out goes to the sign-in form; a role without the screen gets 403.
    """
    allowed = frozenset(roles) or EVERYONE

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            user = current_user()
            if user is None:
                return to_sign_in()
            if user.role not in allowed:
                raise NotAllowed("screen_not_allowed", role=gettext(f"web.role.{user.role}"))
            return view(user, **kwargs)

        return wrapper

    return decorate


signed_in = staff_only()


def sign_in_url() -> str:
    """The sign-in form's address, coming back to this page (or the page a form was sent from)."""
    return url_for("staff.desk", next=come_back_to())


def to_sign_in():
    """The sign-in form, coming back here afterwards; htmx is told to load it as a whole page."""
    target = sign_in_url()
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def come_back_to() -> str:
    """Where to land after signing in: this page, or for a form sent while signed out (whose
    address answers POST only) the page the form was on, else its screen."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    if request.endpoint == "staff.report.act":
        return url_for("staff.report.show", tracking_id=request.view_args["tracking_id"])
    for endpoint in (f"{request.blueprint}.index", f"{request.blueprint}.queue"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("staff.desk")


def page(template: str, user, status: int = 200, **context):
    """Render a desk page with the menu of the user's role."""
    menu = [(endpoint, label) for endpoint, label, roles in SCREENS if user.role in roles]
    html = render_template(template, user=user, menu=menu, zone=zone_of(user), now=utcnow(),
                           **context)
    return html, status


def is_htmx() -> bool:
    """A partial update asked for by htmx (not a boosted full page)."""
    return request.headers.get("HX-Request") == "true" and "HX-Boosted" not in request.headers


@dataclass
class Filters:
    """Values read from a query string; the names of those that were not understood."""

    values: dict = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def choice(self, args, name: str, allowed) -> None:
        value = args.get(name, "").strip()
        if value in allowed:
            self.values[name] = value
        elif value:
            self.ignored.append(name)

    def day(self, args, name: str) -> None:
        value = args.get(name, "").strip()
        if not value:
            return
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
        if day is not None and within_years(day):
            self.values[name] = day
        else:  # unreadable, or so far off that a day's bounds in UTC do not exist
            self.ignored.append(name)

    def number(self, args, name: str, default: int, low: int, high: int) -> None:
        value = args.get(name, "").strip()
        try:
            self.values[name] = min(max(int(value), low), high) if value else default
        except ValueError:
            self.values[name] = default
            self.ignored.append(name)


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone))


def today(zone: str) -> date:
    return utcnow().astimezone(ZoneInfo(zone)).date()


def period(args, zone: str, default_days: int = 30):
    """The dates `from`..`to` (inclusive, local) and the instants [start, end) they span.

    Missing or unreadable dates fall back to the last `default_days` days; a reversed range
    is swapped. Returns (first, last, start, end, filters).
    """
    filters = Filters()
    filters.day(args, "from")
    filters.day(args, "to")
    last = filters.values.get("to") or today(zone)
    first = filters.values.get("from") or last - timedelta(days=default_days - 1)
    if first > last:
        first, last = last, first
    end = local_midnight(last + timedelta(days=1), zone)
    return first, last, local_midnight(first, zone), end, filters


def zone_spans(agencies, first: date, last: date, filters: Filters, now: datetime,
               ) -> list[tuple[list[int], datetime, datetime]]:
    """``period``'s dates first..last as instants for each agency's own zone (``scorecard.Spans``):
    a WIT agency's March begins two hours before a WIB one's. A period without an end date chosen
    (the last 30 days) runs up to `now` everywhere, also where a zone ahead has begun tomorrow."""
    until = None if "to" in filters.values else now
    by_zone: dict[str, list[int]] = {}
    for agency in agencies:
        by_zone.setdefault(agency.timezone, []).append(agency.id)
    spans = []
    for zone, ids in sorted(by_zone.items()):
        end = local_midnight(last + timedelta(days=1), zone)
        spans.append((ids, local_midnight(first, zone), max(end, until) if until else end))
    return spans


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


@dataclass(frozen=True)
class Pager:
    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (min(self.page, self.pages) - 1) * self.size


def paginate(query, page: int, size: int, total: int | None = None):
    """One page of a select's rows (a page past the end shows the last) and its Pager; `total`,
    the number of rows, when the caller has it already (else it is counted)."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pager = Pager(page, size, total or 0)
    return list(db.session.scalars(query.offset(pager.offset).limit(size))), pager
