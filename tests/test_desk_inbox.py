"""The inbox: reach, order, counts, filters, search, pages and htmx fragments."""

from __future__ import annotations

import re
from datetime import timedelta

from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Category
from tests.test_desk_support import get, make, sign_in
from tests.test_web_citizen import text

DAY = timedelta(days=1)


def category_id(app, code):
    with app.app_context():
        return db.session.query(Category).filter_by(code=code).one().id


def rows(page: str) -> list[str]:
    """Tracking IDs in the order the table lists them."""
    return re.findall(r'<a class="tid" href="/staff/laporan/(\w+)"', page)


def test_overdue_first_then_due_soonest_then_the_rest(client, app, demo):
    now = utcnow()
    late = make(app, "disposed", received=now - 30 * DAY, title="Terlambat lama")
    fresh = make(app, "disposed", received=now, title="Baru masuk")
    less_late = make(app, "in_progress", received=now - 20 * DAY, title="Terlambat sedikit")
    closed = make(app, "closed", received=now - DAY, title="Sudah selesai")
    sign_in(client, demo, "tangkab")
    page = get(client, "/staff/")
    assert rows(page) == [late, less_late, fresh, closed]
    assert page.count('class="due due-late"') == 2 and "terlambat " in page
    assert re.search(r'class="due due-(ok|warn)"[^>]*>sisa ', page)


def test_counts_by_state_follow_the_other_filters(client, app, demo):
    make(app, "disposed", channel="sms")
    make(app, "disposed")
    make(app, "resolved")
    sign_in(client, demo, "tangkab")
    counts = dict(re.findall(r'state-(\w+)">[^<]+</span> <strong>(\d+)</strong>', get(client, "/staff/")))
    assert (counts["disposed"], counts["resolved"], counts["received"]) == ("2", "1", "0")
    counts = dict(re.findall(r'state-(\w+)">[^<]+</span> <strong>(\d+)</strong>',
                             get(client, "/staff/?channel=sms")))
    assert (counts["disposed"], counts["resolved"]) == ("1", "0")


def test_filters_by_state_category_channel_date_and_overdue(client, app, demo):
    now = utcnow()
    road = make(app, "disposed", received=now - 40 * DAY, category_id=category_id(app, "jalan"))
    sms = make(app, "in_progress", received=now - DAY, channel="sms")
    done = make(app, "resolved", received=now)
    sign_in(client, demo, "tangkab")
    assert rows(get(client, "/staff/?state=resolved")) == [done]
    assert rows(get(client, "/staff/?category=jalan")) == [road]
    assert rows(get(client, "/staff/?channel=sms")) == [sms]
    assert rows(get(client, "/staff/?overdue=1")) == [road]
    start = (now - 10 * DAY).date().isoformat()
    assert set(rows(get(client, f"/staff/?from={start}"))) == {sms, done}
    until = (now - 30 * DAY).date().isoformat()
    assert rows(get(client, f"/staff/?to={until}")) == [road]
    # A reversed range is read as the same period, as the dashboard and the recap read it.
    assert set(rows(get(client, f"/staff/?from={start}&to={until}"))) == set()
    later = (now + DAY).date().isoformat()
    assert set(rows(get(client, f"/staff/?from={later}&to={start}"))) == {sms, done}


def test_search_looks_in_title_and_body_and_takes_wildcards_literally(client, app, demo):
    title = make(app, "disposed", title="Banjir di Perumahan Citra")
    body = make(app, "disposed", body="Saluran air tersumbat, BANJIR setiap hujan 100% pasti.")
    make(app, "disposed", title="Lampu jalan mati")
    sign_in(client, demo, "tangkab")
    assert set(rows(get(client, "/staff/?q=banjir"))) == {title, body}
    assert rows(get(client, "/staff/?q=100%25")) == [body]
    assert rows(get(client, "/staff/?q=%25")) == [body]
    assert rows(get(client, "/staff/?q=_")) == []


def test_bad_filter_values_are_ignored_with_a_notice_never_a_500(client, app, demo):
    tid = make(app, "disposed")
    sign_in(client, demo, "tangkab")
    page = get(client, "/staff/?state=nope&category=zz&channel=fax&from=2026-13-01&page=x&agency=<b>")
    assert tid in page
    assert ("Isian berikut tidak dikenali dan diabaikan: Status, Kanal, Kategori, Instansi, "
            "Diterima sejak, Halaman.") in page
    assert "<b>" not in page
    english = get(client, "/staff/?state=nope&lang=en")
    assert "These filters were not understood and are ignored: Status." in english


def test_pages_of_25_and_a_page_past_the_end_shows_the_last(client, app, demo):
    made = [make(app, "closed", received=utcnow() - i * timedelta(minutes=1)) for i in range(27)]
    sign_in(client, demo, "tangkab")
    first = get(client, "/staff/")
    assert rows(first) == made[:25] and "Halaman 1 dari 2 · 27 laporan" in first
    assert 'href="/staff/?page=2"' in first
    assert rows(get(client, "/staff/?page=2")) == made[25:]
    assert rows(get(client, "/staff/?page=99")) == made[25:]


def test_htmx_gets_only_the_results_fragment(client, app, demo):
    tid = make(app, "disposed", title="Trotoar rusak")
    sign_in(client, demo, "tangkab")
    response = client.get("/staff/?q=trotoar", headers={"HX-Request": "true"})
    fragment = text(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert tid in fragment and "<html" not in fragment and 'id="q"' not in fragment
    assert 'hx-get="/staff/?q=trotoar&amp;state=disposed"' in fragment
    page = get(client, "/staff/?q=trotoar")
    assert '<section class="card" id="inbox-results"' in page and 'hx-target="#inbox-results"' in page
    assert "vendor/htmx/htmx.min.js" in page


def test_every_role_sees_only_what_is_within_reach(client, app, demo):
    tangkab = make(app, "disposed", holder="TANGKAB")
    unit = make(app, "disposed", holder="DPUPRTANGKAB")
    kemenhub = make(app, "disposed", holder="KEMENHUB")
    seen = {}
    for username in ("tangkab", "pupr", "kemenhub", "banten", "dispatcher"):
        sign_in(client, demo, username)
        seen[username] = set(rows(get(client, "/staff/")))
        client.post("/staff/logout")
    assert seen["tangkab"] == {tangkab, unit}
    assert seen["pupr"] == {unit}
    assert seen["kemenhub"] == {kemenhub}
    assert seen["banten"] == {tangkab, unit}
    assert seen["dispatcher"] == {tangkab, unit, kemenhub}


def test_a_coordinators_drill_down_by_agency_and_overdue(client, app, demo):
    late = make(app, "disposed", holder="TANGKAB", received=utcnow() - 30 * DAY)
    make(app, "disposed", holder="TANGKAB")
    make(app, "disposed", holder="DPUPRTANGKAB", received=utcnow() - 30 * DAY)
    sign_in(client, demo, "banten")
    assert rows(get(client, "/staff/?agency=TANGKAB&overdue=1")) == [late]


def test_htmx_after_the_session_ended_loads_the_sign_in_page(client, demo):
    response = client.get("/staff/?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/staff/?next=/staff/?q%3Dx"


def test_the_database_keeps_the_running_deadline_as_staff_read_it(app, demo):
    from lapor import workflow
    from lapor.models import Report
    from lapor.web.desk.deadlines import current_clock
    from lapor.workflow import SYSTEM
    from tests import factories as f

    def stored(report_id):
        db.session.expire_all()
        return db.session.get(Report, report_id).current_due_at

    with app.app_context():
        reports = {state: f.report(state) for state in
                   ("received", "disposed", "in_progress", "waiting_reporter", "resolved", "closed", "archived")}
        db.session.commit()
        for state, report in reports.items():
            clock = current_clock(db.session.get(Report, report.id))
            expected = clock[1] if clock else None
            assert stored(report.id) == expected, state
        assert stored(reports["received"].id) == reports["received"].disposition_due_at is not None
        # It follows the report through the workflow: disposed, then followed up.
        report = f.report("received")
        workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
        db.session.commit()
        assert stored(report.id) == db.session.get(Report, report.id).followup_due_at is not None
        workflow.follow_up(db.session.get(Report, report.id), f.staff("tangkab"), f.NOW, "Ditangani.")
        db.session.commit()
        assert stored(report.id) is None  # followed up: no clock runs
