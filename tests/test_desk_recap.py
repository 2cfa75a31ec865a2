"""The recap (page, print, CSV) and the public statistics: aggregates only, never a reporter."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from lapor import workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Category, Report
from tests import factories as f
from tests.test_desk_support import get, make, sign_in
from tests.test_web_citizen import text

DAY = timedelta(days=1)
NAMES = ("Siti Aminah", "Budi Santoso", "081234567890", "siti@example.id")


def people(**extra):
    return dict(reporter_name="Siti Aminah", reporter_phone="081234567890", reporter_email="siti@example.id", **extra)


def recap_csv(client, query="") -> list[dict]:
    response = client.get(f"/staff/rekap/?format=csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff") and not any(name in body for name in NAMES)
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def test_the_csv_has_one_row_per_agency_within_reach_and_no_identities(client, app, demo):
    with app.app_context():
        road = db.session.query(Category).filter_by(code="jalan").one().id
    make(app, "disposed", "TANGKAB", category_id=road, **people())
    make(app, "closed", "TANGKAB", channel="sms", **people(anonymous=True))
    make(app, "disposed", "DPUPRTANGKAB", received=utcnow() - 20 * DAY, **people())
    make(app, "disposed", "KEMENHUB", **people())
    sign_in(client, demo, "tangkab")
    rows = {row["Kode instansi"]: row for row in recap_csv(client)}
    assert set(rows) == {"TANGKAB", "DPUPRTANGKAB", "DINKESTANGKAB", "DISDUKTANGKAB"}
    tangkab = rows["TANGKAB"]
    assert tangkab["Instansi"] == "Pemerintah Kabupaten Tangerang" and tangkab["Diterima"] == "2"
    assert tangkab["Kanal: SMS"] == "1" and tangkab["Kanal: Situs web"] == "1"
    assert tangkab["Kategori: Jalan dan jembatan"] == "1" and tangkab["Kategori: tanpa kategori"] == "1"
    assert rows["DPUPRTANGKAB"]["Diterima"] == "1" and rows["DPUPRTANGKAB"]["Terlambat saat ini"] == "1"


def test_the_period_limits_the_rows_and_english_headers(client, app, demo):
    make(app, "disposed", "TANGKAB", received=utcnow() - 45 * DAY)
    sign_in(client, demo, "tangkab")
    assert {r["Kode instansi"]: r["Diterima"] for r in recap_csv(client)}["TANGKAB"] == "0"
    start = (utcnow() - 60 * DAY).date().isoformat()
    rows = recap_csv(client, f"&from={start}&lang=en")
    assert {r["Agency code"]: r["Received"] for r in rows}["TANGKAB"] == "1"


def test_the_printable_page(client, app, demo):
    make(app, "disposed", "TANGKAB", **people())
    sign_in(client, demo, "banten")
    page = get(client, "/staff/rekap/?from=nanti")
    assert "Rekapitulasi laporan" in page and "Pemerintah Kabupaten Tangerang" in page
    assert "Kementerian Perhubungan" not in page
    assert "data-print" in page and "format=csv" in page and "Siti" not in page
    assert re.search(r"<tfoot><tr><th>Jumlah</th><th>1</th>", page)
    assert "@media print" in get(client, "/static/css/desk.css")


def test_public_statistics_need_no_sign_in_and_leave_out_confidential_reports(client, app, demo):
    open_ = make(app, "disposed", "TANGKAB", **people())
    make(app, "disposed", "KEMENHUB", **people(confidential=True))
    with app.app_context():
        report = db.session.query(Report).filter_by(tracking_id=open_).one()
        workflow.follow_up(report, f.staff("tangkab"), report.received_at + timedelta(minutes=30), "Ditangani")
        db.session.commit()
    page = get(client, "/statistik")
    assert "Statistik layanan pengaduan" in page and "Pemerintah Kabupaten Tangerang" in page
    assert "Kementerian Perhubungan" not in page
    assert not any(name in page for name in NAMES) and open_ not in page
    assert "100%" in page
    english = get(client, "/statistik?days=365&lang=en")
    assert "Complaint service statistics" in english and "last 365 days" in english
    odd = client.get("/statistik?days=<script>&lang=id")
    assert odd.status_code == 200 and "30 hari terakhir" in text(odd) and "<script>" not in text(odd)


def test_the_xlsx_download_holds_the_same_rows_without_identities(client, app, demo):
    from openpyxl import load_workbook

    from tests.test_api_reports import REPORT

    client.post("/api/v1/reports", json=REPORT)
    client.post("/staff/", data={"username": "admin", "password": demo["admin"]})
    response = client.get("/staff/rekap/?format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Kode instansi"
    assert {row[0] for row in rows[1:-1]} >= {"TANGKAB", "KEMENHUB"}
    assert rows[-1][1] == "Jumlah"  # the totals row closes the sheet
    assert all("Siti" not in str(cell) for row in rows for cell in row)


def test_names_that_look_like_formulas_stay_text_in_the_csv_and_xlsx(client, app, demo):
    from openpyxl import load_workbook

    from lapor.models import Agency

    with app.app_context():
        db.session.query(Agency).filter_by(code="TANGKAB").one().name = '=HYPERLINK("http://x","klik")'
        db.session.query(Category).filter_by(code="jalan").one().name = "@jalan"
        road = db.session.query(Category).filter_by(code="jalan").one().id
        db.session.commit()
    make(app, "disposed", "TANGKAB", category_id=road)
    sign_in(client, demo, "tangkab")
    rows = {row["Kode instansi"]: row for row in recap_csv(client)}
    assert rows["TANGKAB"]["Instansi"] == '\'=HYPERLINK("http://x","klik")'
    assert rows["TANGKAB"]["Kategori: @jalan"] == "1"  # a header starting inside the cell is harmless
    sheet = load_workbook(io.BytesIO(client.get("/staff/rekap/?format=xlsx").data)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert '\'=HYPERLINK("http://x","klik")' in cells
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "-", "@")) for c in cells)


def test_public_statistics_are_worked_out_once_in_a_while_not_at_every_visit(app, demo):
    from lapor.extensions import redis_ext
    from lapor.web.desk.public_stats import FRESH, figures_for

    def tangkab(rows):
        return next(row["received"] for row in rows if row["agency"]["code"] == "TANGKAB")

    start = utcnow()
    make(app, "disposed", "TANGKAB", received=start - DAY)
    with app.app_context():
        rows, at = figures_for(30, start)
        assert (tangkab(rows), at) == (1, start)
        make(app, "disposed", "TANGKAB", received=start - DAY)
        assert figures_for(30, start + FRESH / 2) == (rows, start)  # fresh: shown as they are
        later = start + FRESH
        rows, at = figures_for(30, later)
        assert (tangkab(rows), at) == (2, later)  # worked out again
        make(app, "disposed", "TANGKAB", received=start - DAY)
        # Another process is working them out: meanwhile the figures it has stand in.
        redis_ext.client().set("lapor:public-stats:30:lock", "1")
        assert figures_for(30, later + 2 * FRESH) == (rows, later)


def test_public_statistics_are_shown_without_redis(app, demo):
    from tests.test_outbox import _app_without_redis

    make(app, "disposed", "TANGKAB")
    page = get(_app_without_redis(app).test_client(), "/statistik")
    assert "Pemerintah Kabupaten Tangerang" in page and "Angka per " in page


def test_a_name_with_control_characters_still_makes_an_xlsx(client, app, demo):
    from openpyxl import load_workbook

    from lapor.models import Agency

    with app.app_context():
        db.session.query(Agency).filter_by(code="TANGKAB").one().name = "Pemerintah\x0b Kabupaten\x1b Tangerang"
        db.session.commit()
    sign_in(client, demo, "tangkab")
    response = client.get("/staff/rekap/?format=xlsx")
    assert response.status_code == 200
    cells = [cell for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
             for cell in row]
    assert "Pemerintah Kabupaten Tangerang" in cells
