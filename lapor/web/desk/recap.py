"""The recap per agency within reach and period: on screen, printable, CSV and XLSX; no identities."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, make_response, request
from sqlalchemy import select

from lapor import access
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import CHANNELS, Category, Report
from lapor.spreadsheet import as_text
from lapor.web.desk import figures
from lapor.web.desk.common import page, period, signed_in, zone_of, zone_spans
from lapor.workflow import Actor

bp = Blueprint("recap", __name__)
COLUMNS = ("received", "disposed_on_time", "followed_up_on_time", "overdue_now", "average_rating")


@bp.get("/")
@signed_in
def index(user):
    actor, zone, now = Actor.staff(user), zone_of(user), utcnow()
    first, last, _, _, filters = period(request.args, zone)
    agencies = figures.agencies_within(access.watchable_agency_ids(actor))
    spans = zone_spans(agencies, first, last, filters, now)  # each agency's dates in its own zone
    cards = figures.cards(agencies, spans, now)
    by_category = figures.breakdown(spans, Report.category_id)
    by_channel = figures.breakdown(spans, Report.channel)
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    rows = [{**card, "id": agency.id} for agency, card in zip(agencies, cards, strict=True)]
    table = Recap(rows, categories, by_category, by_channel)
    name = f"lapor-rekap-{first.isoformat()}-{last.isoformat()}"
    if request.args.get("format") == "csv":
        return _csv(table, f"{name}.csv")
    if request.args.get("format") == "xlsx":
        return _xlsx(table, f"{name}.xlsx")
    return page("staff/recap.html", user, table=table, first=first, last=last,
                ignored=filters.ignored)


class Recap:
    """One table: the scorecard columns, then a column per channel and category in use."""

    def __init__(self, rows, categories, by_category, by_channel):
        self.rows = rows
        used = {key for counts in by_category.values() for key in counts}
        self.categories = [c for c in categories if c.id in used]
        self.uncategorised = None in used
        self.channels = [c for c in CHANNELS if any(c in counts for counts in by_channel.values())]
        self.by_category, self.by_channel = by_category, by_channel

    def header(self) -> list[str]:
        names = [gettext("desk.recap.agency_code"), gettext("web.report.agency")]
        names += [gettext(f"desk.col.{name}") for name in COLUMNS]
        names += [gettext("desk.recap.channel_col", channel=gettext(f"channel.{c}"))
                  for c in self.channels]
        names += [gettext("desk.recap.category_col", category=c.name) for c in self.categories]
        if self.uncategorised:
            names.append(gettext("desk.recap.category_col", category=gettext("desk.recap.none")))
        return names

    def cells(self, row) -> list:
        values = [row["agency"], row["name"]] + [row[name] for name in COLUMNS]
        values += [self.by_channel.get(row["id"], {}).get(c, 0) for c in self.channels]
        values += [self.by_category.get(row["id"], {}).get(c.id, 0) for c in self.categories]
        if self.uncategorised:
            values.append(self.by_category.get(row["id"], {}).get(None, 0))
        return ["" if v is None else v for v in values]

    def totals(self) -> list:
        """The sum of every count column (an average rating has no sum)."""
        columns = list(zip(*(self.cells(row) for row in self.rows), strict=True))[2:]
        rating = COLUMNS.index("average_rating")
        return ["", gettext("desk.recap.total"),
                *("" if i == rating else sum(column) for i, column in enumerate(columns))]


def _csv(table: Recap, filename: str):
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheet programs then read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow([as_text(cell) for cell in table.header()])
    for row in table.rows:
        writer.writerow([as_text(cell) for cell in table.cells(row)])
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx(table: Recap, filename: str):
    from openpyxl import Workbook  # only needed for this download
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cells(values):
        # XLSX cannot hold control characters (openpyxl would refuse the file): they go first, so
        # that a "\x1b=HYPERLINK(...)" is judged as the formula it becomes without them.
        return [as_text(ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v) for v in values]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("desk.recap.sheet"))
    sheet.append(cells(table.header()))
    for row in table.rows:
        sheet.append(cells(table.cells(row)))
    sheet.append(cells(table.totals()))
    out = io.BytesIO()
    book.save(out)
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

