"""Coordinators' numbers that must not mislead: exports that never run formulas, overdue reports
that stay overdue, follow-ups credited to the agency that made them, periods in order."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from lapor import workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Agency, Report
from tests import factories as f
from tests.test_desk_support import get, make, sign_in

DAY = timedelta(days=1)


def _report(tid) -> Report:
    return db.session.query(Report).filter_by(tracking_id=tid).one()


def recap_rows(client, query="") -> dict[str, dict]:
    response = client.get(f"/staff/rekap/?format=csv{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True).lstrip("\ufeff")
    return {row["Kode instansi"]: row for row in csv.DictReader(io.StringIO(body))}


def dashboard_row(page: str, name: str) -> list[str]:
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>" + re.escape(name) + r".*?</tr>", page, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


# 1. XLSX formula injection through a control character in front of the formula ----------------

def test_xlsx_control_character_before_a_formula_does_not_make_it_a_formula(client, app, demo):
    from openpyxl import load_workbook

    with app.app_context():
        db.session.query(Agency).filter_by(code="TANGKAB").one().name = '\x1b=HYPERLINK("http://x","klik")'
        db.session.commit()
    make(app, "disposed", "TANGKAB")
    sign_in(client, demo, "tangkab")
    response = client.get("/staff/rekap/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    formulas = [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "-", "@"))]
    assert not formulas, formulas


# 4. A late report disappears from "overdue now" once the agency asks the reporter something ---

def test_a_report_already_overdue_stays_overdue_when_the_agency_asks_the_reporter(client, app, demo):
    late = make(app, "disposed", "TANGKAB", received=utcnow() - 20 * DAY)
    with app.app_context():
        report = _report(late)
        assert report.followup_due_at < utcnow()
        workflow.request_info(report, f.staff("tangkab"), utcnow(), "Mohon kirim foto lokasi")
        db.session.commit()
    sign_in(client, demo, "banten")
    page = get(client, "/staff/pemantauan/")
    cells = dashboard_row(page, "Pemerintah Kabupaten Tangerang")
    assert cells[2] == "1", cells


# 5. A follow-up by one agency credited to the agency the report is transferred to -------------

def test_a_transfer_to_another_agency_does_not_credit_it_with_the_first_agencys_follow_up(
        client, app, demo, token):
    now = utcnow()
    tid = make(app, "disposed", "TANGKAB", received=now - 2 * DAY)
    with app.app_context():
        report = _report(tid)
        workflow.follow_up(report, f.staff("tangkab"), now - DAY, "Sedang kami pelajari")
        workflow.redispose(report, f.staff("dispatcher"), now - timedelta(hours=1), f.agency("KEMENHUB"),
                           note="Bukan jalan kabupaten, jalan nasional")
        db.session.commit()
    response = client.get("/api/v1/scorecards?agency=KEMENHUB", headers=token("ombudsman"))
    assert response.status_code == 200
    card = response.get_json()[0]
    assert card["received"] == 1
    assert card["followed_up_on_time"] == 0, card


# 6. A reversed period in the API is silently answered with zeros -------------------------------

def test_the_scorecards_api_refuses_or_swaps_a_period_that_ends_before_it_starts(client, app, demo, token):
    now = utcnow()
    make(app, "disposed", "TANGKAB", received=now - 10 * DAY)
    start, end = (now - 20 * DAY).isoformat(), now.isoformat()
    response = client.get("/api/v1/scorecards", query_string={"agency": "TANGKAB", "start": end, "end": start},
                          headers=token("banten"))
    assert response.status_code in (400, 422) or response.get_json()[0]["received"] == 1, response.get_json()



# 3. A report still within its deadline is not yet a miss ----------------------------------------

def test_the_on_time_rates_count_only_clocks_already_decided(client, app, demo, token):
    """One report followed up in time, one late, one received an hour ago and still within its
    deadline: the follow-up rate is 1 of 2 decided (50%), not 1 of 3, nor 0% for a fresh report."""
    on_time = make(app, "disposed", "TANGKAB", received=utcnow() - 10 * DAY)
    make(app, "disposed", "TANGKAB", received=utcnow() - 10 * DAY)  # never followed up: late
    make(app, "disposed", "TANGKAB", received=utcnow() - timedelta(hours=1))
    with app.app_context():
        report = _report(on_time)
        workflow.follow_up(report, f.staff("tangkab"), report.received_at + timedelta(hours=1), "Ditangani.")
        db.session.commit()
    [card] = client.get("/api/v1/scorecards?agency=TANGKAB", headers=token("admin")).get_json()
    assert (card["received"], card["followed_up_on_time"], card["followup_decided"]) == (3, 1, 2)
    sign_in(client, demo, "banten")
    row = dashboard_row(get(client, "/staff/pemantauan/"), "Pemerintah Kabupaten Tangerang")
    assert "50%" in row, row


def test_the_inbox_overdue_filter_keeps_a_report_already_late_when_the_reporter_was_asked(client, app, demo):
    late = make(app, "disposed", "TANGKAB", received=utcnow() - 20 * DAY)
    fresh = make(app, "disposed", "TANGKAB", received=utcnow() - timedelta(hours=1))
    with app.app_context():
        for tid in (late, fresh):
            workflow.request_info(_report(tid), f.staff("tangkab"), utcnow(), "Mohon kirim foto lokasi.")
        db.session.commit()
    sign_in(client, demo, "tangkab")
    page = get(client, "/staff/?overdue=1")
    assert late in page and fresh not in page


# 2. A month of an agency in WIT, looked at by a coordinator in WIB ------------------------------

def test_a_jayapura_report_of_1_march_wit_is_in_jayapuras_march_for_a_wib_coordinator(client, app, demo):
    from datetime import UTC, datetime

    # 1 March 2026 00:30 WIT (Asia/Jayapura, UTC+9) = 28 February 15:30 UTC = 22:30 WIB.
    make(app, "disposed", "JAYAPURA", received=datetime(2026, 2, 28, 15, 30, tzinfo=UTC))
    # 28 February 23:30 WIB = 1 March 01:30 WIT: February's in Jakarta (TANGKAB's zone).
    make(app, "disposed", "TANGKAB", received=datetime(2026, 2, 28, 16, 30, tzinfo=UTC))
    sign_in(client, demo, "ombudsman")
    march = recap_rows(client, "&from=2026-03-01&to=2026-03-31")
    february = recap_rows(client, "&from=2026-02-01&to=2026-02-28")
    assert (march["JAYAPURA"]["Diterima"], february["JAYAPURA"]["Diterima"]) == ("1", "0")
    assert (march["TANGKAB"]["Diterima"], february["TANGKAB"]["Diterima"]) == ("0", "1")
