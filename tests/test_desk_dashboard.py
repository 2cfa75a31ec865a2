"""The coordinators' dashboard: only supervised agencies, overdue now, rates, escalations and charts."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from lapor import workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Report
from lapor.sla.sweeper import sweep
from tests import factories as f
from tests.test_desk_support import get, make, sign_in

DAY = timedelta(days=1)


def chart_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="desk-charts">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_a_coordinator_sees_only_the_agencies_it_supervises(client, app, demo):
    make(app, "disposed", "TANGKAB", title="Laporan Tangerang")
    make(app, "disposed", "KEMENHUB", title="Laporan Kemenhub")
    make(app, "disposed", "MAKASSAR")
    sign_in(client, demo, "banten")
    page = get(client, "/staff/pemantauan/")
    assert "Pemerintah Kabupaten Tangerang" in page
    assert "Kementerian Perhubungan" not in page and "Pemerintah Kota Makassar" not in page
    client.post("/staff/logout")
    sign_in(client, demo, "ombudsman")
    page = get(client, "/staff/pemantauan/")
    assert all(name in page for name in ("Pemerintah Kabupaten Tangerang", "Kementerian Perhubungan",
                                         "Pemerintah Kota Makassar"))


def test_overdue_reports_escalations_and_drill_down(client, app, demo):
    late = make(app, "disposed", "TANGKAB", received=utcnow() - 20 * DAY, title="Got mampet")
    make(app, "disposed", "TANGKAB")
    with app.app_context():
        sweep(utcnow())  # warning, intervention and, a day later, the reprimand
        report = db.session.query(Report).filter_by(tracking_id=late).one()
        workflow.escalate(report, f.staff("banten"), utcnow(), "manual", "intervention", note="Segera")
        db.session.commit()
    sign_in(client, demo, "banten")
    page = get(client, "/staff/pemantauan/")
    late_row = r"<tr class=\"row-late\">\s*<td[^>]*>Pemerintah Kabupaten Tangerang.*?</tr>"
    tangkab = re.search(late_row, page, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", tangkab, re.S)
    assert cells[1:3] == ["2", '<a href="/staff/?agency=TANGKAB&amp;overdue=1">1</a>']
    assert (cells[5], cells[6]) == ("2", "0")  # interventions: the sweeper's and the coordinator's
    assert "Got mampet" in page and f"/staff/laporan/{late}#aksi-escalate" in page
    charts = chart_data(page)
    assert charts["overdue"]["labels"] == ["TANGKAB"] and charts["overdue"]["values"] == [1]
    assert len(charts["weekly"]["labels"]) == 8 and charts["weekly"]["labels"][-1].count("-W") == 1
    assert "vendor/chart.js/chart.umd.min.js" in page and "js/desk.js" in page
    assert "onclick" not in page and "onload" not in page


def test_weekly_compliance_counts_on_time_follow_ups(client, app, demo):
    now = utcnow()
    on_time = make(app, "disposed", "TANGKAB", received=now - 14 * DAY)
    make(app, "disposed", "TANGKAB", received=now - 14 * DAY)
    with app.app_context():
        report = db.session.query(Report).filter_by(tracking_id=on_time).one()
        workflow.follow_up(report, f.staff("tangkab"), report.received_at + timedelta(hours=1), "Ditangani")
        db.session.commit()
    sign_in(client, demo, "banten")
    weekly = chart_data(get(client, "/staff/pemantauan/"))["weekly"]
    assert 50 in weekly["values"] and weekly["values"].count(None) == 7


def test_the_period_is_chosen_and_bad_dates_fall_back(client, app, demo):
    make(app, "closed", "TANGKAB", received=utcnow() - 60 * DAY)
    sign_in(client, demo, "banten")
    assert "Belum ada laporan pada periode ini." in get(client, "/staff/pemantauan/")
    start = (utcnow() - 90 * DAY).date().isoformat()
    assert "Pemerintah Kabupaten Tangerang" in get(client, f"/staff/pemantauan/?from={start}")
    page = get(client, "/staff/pemantauan/?from=kemarin&to=2026-02-30")
    assert "Isian berikut tidak dikenali dan diabaikan" in page


def test_only_coordinators_and_sysadmins_open_the_dashboard(client, demo):
    for username, status in (("tangkab", 403), ("dispatcher", 403), ("admin", 200)):
        sign_in(client, demo, username)
        response = client.get("/staff/pemantauan/")
        assert response.status_code == status
        client.post("/staff/logout")
    sign_in(client, demo, "tangkab")
    page = client.get("/staff/pemantauan/").get_data(as_text=True)
    assert "Halaman ini tidak tersedia untuk peran Anda (Admin instansi)." in page
