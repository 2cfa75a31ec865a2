"""The desk in a real browser (Debian's Chromium through Playwright): a report from citizen to reprimand."""

from __future__ import annotations

import os
import re
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Report
from lapor.sla.adapter import refresh_deadlines
from lapor.sla.sweeper import sweep

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.slow


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def server(app):
    """The test app on 127.0.0.1, on a free port, in a thread."""
    from werkzeug.serving import make_server

    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.server_port}"
    served.shutdown()
    thread.join(5)


class Screens:
    """Opens pages, keeps screenshots, and collects every console error and page error."""

    def __init__(self, browser, base: str, folder: Path):
        self.browser, self.base, self.folder = browser, base, folder
        self.errors: list[str] = []
        self.artefacts = Path(os.environ["LAPOR_ARTEFACTS"]) if os.environ.get("LAPOR_ARTEFACTS") else None

    def person(self, viewport=None):
        context = self.browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="id-ID")
        page = context.new_page()
        page.on("console", lambda msg: self.console(page, msg))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    def console(self, page, msg):
        if msg.type == "error":
            self.errors.append(f"{page.url}: {msg.text} ({msg.location.get('url')})")

    def open(self, page, path: str):
        response = page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        return page

    def shot(self, page, name: str):
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if self.artefacts:
            self.artefacts.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, self.artefacts / path.name)

    def sign_in(self, page, username: str, password: str):
        self.open(page, "/staff/")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"/staff/$"))


def citizen_submits(screens, page, title: str, agency: str = "") -> str:
    screens.open(page, "/")
    page.fill("#title", title)
    page.fill("#body", f"{title}. Sudah dua minggu dan membahayakan pengendara motor.")
    if agency:
        page.select_option("#agency", agency)
    page.fill("#reporter_name", "Siti Aminah")
    page.fill("#reporter_phone", "081234567890")
    page.click("form.report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/terkirim$"))
    return page.inner_text(".tracking-id").strip()


def test_from_citizen_to_reprimand(browser, server, app, demo, run_worker, tmp_path):
    screens = Screens(browser, server, tmp_path)
    expect = pytest.importorskip("playwright.sync_api").expect

    # A citizen reports twice: once without an agency (triage), once to the regency.
    citizen = screens.person({"width": 390, "height": 844})
    triaged = citizen_submits(screens, citizen, "Jalan berlubang di Jalan Raya Cikupa")
    screens.shot(citizen, "01-citizen-sent")
    citizen.click("a.button.primary")
    private_url = citizen.url
    assert "akses=" in private_url and triaged in citizen.inner_text("body")
    direct = citizen_submits(screens, citizen, "Lampu jalan mati di Perumahan Citra", agency="TANGKAB")
    run_worker()

    # The dispatcher dispositions the first from the triage queue.
    dispatcher = screens.person()
    screens.sign_in(dispatcher, "dispatcher", demo["dispatcher"])
    screens.open(dispatcher, "/staff/triase/")
    item = dispatcher.locator(f"#r-{triaged}")
    assert "tidak ada aturan yang cocok" in item.inner_text()
    screens.shot(dispatcher, "02-triage")
    item.locator("select[name=agency]").select_option("TANGKAB")
    item.locator("form.action-dispose button[type=submit]").click()
    dispatcher.wait_for_load_state()
    assert f"Laporan {triaged} sudah didisposisikan." in dispatcher.inner_text("main")

    # The agency admin finds both in the inbox, filters with htmx, and follows the first up.
    admin = screens.person()
    screens.sign_in(admin, "tangkab", demo["tangkab"])
    assert triaged in admin.inner_text("#inbox-results") and direct in admin.inner_text("#inbox-results")
    screens.shot(admin, "03-inbox")
    admin.fill("#q", "lampu")
    # Locator assertions and evaluate(), not wait_for_function: the page's CSP forbids eval.
    expect(admin.locator("#inbox-results")).not_to_contain_text(triaged)
    assert direct in admin.inner_text("#inbox-results") and "q=lampu" in admin.url
    admin.click(f"a.tid:text('{direct}')")
    admin.wait_for_url(re.compile(direct))
    screens.open(admin, f"/staff/laporan/{triaged}")
    admin.fill("#follow_up-message", "Tim PUPR sudah meninjau lokasi; perbaikan dijadwalkan pekan ini.")
    admin.click("#aksi-follow_up button[type=submit]")
    admin.wait_for_url(re.compile(f"/staff/laporan/{triaged}$"))
    assert f"Tindak lanjut untuk {triaged} sudah dikirim." in admin.inner_text("main")
    screens.shot(admin, "04-report-followed-up")
    citizen.goto(private_url)
    assert "Tim PUPR sudah meninjau lokasi" in citizen.inner_text("body")
    screens.shot(citizen, "05-citizen-track")

    # Time passes for the second one: received three weeks ago, and the sweeper runs.
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == direct)).one()
        report.received_at = utcnow() - timedelta(days=21)
        refresh_deadlines(report)
        db.session.commit()
        sweep(utcnow())

    # The coordinator sees it overdue and reprimands.
    coordinator = screens.person()
    screens.sign_in(coordinator, "banten", demo["banten"])
    screens.open(coordinator, "/staff/pemantauan/")
    charts = "() => !!(window.Chart && Chart.getChart('chart-weekly') && Chart.getChart('chart-overdue'))"
    for _ in range(100):
        if coordinator.evaluate(charts):
            break
        coordinator.wait_for_timeout(100)
    assert coordinator.evaluate(charts), "the dashboard's charts were not drawn"
    assert direct in coordinator.inner_text("#terlambat")
    screens.shot(coordinator, "06-dashboard")
    coordinator.click(f"#terlambat a[href*='{direct}#aksi-escalate']")
    coordinator.wait_for_url(re.compile(f"/staff/laporan/{direct}"))
    coordinator.check("#aksi-escalate input[value=reprimand]")
    coordinator.fill("#escalate-note", "Sudah lewat tenggat; segera tindak lanjuti dan laporkan.")
    coordinator.click("#aksi-escalate button[type=submit]")
    coordinator.wait_for_load_state()
    assert f"Teguran untuk {direct} sudah dicatat." in coordinator.inner_text("main")
    screens.shot(coordinator, "07-report-reprimanded")

    # The sysadmin's screens, the recap and the public statistics render too.
    sysadmin = screens.person()
    screens.sign_in(sysadmin, "admin", demo["admin"])
    for path, name in (("/staff/kalender/", "08-calendar"), ("/staff/rekap/", "09-recap"),
                       ("/staff/triase/", "10-triage-empty")):
        screens.open(sysadmin, path)
        screens.shot(sysadmin, name)
    phone = screens.person({"width": 390, "height": 844})
    screens.sign_in(phone, "tangkab", demo["tangkab"])
    screens.shot(phone, "11-inbox-phone")
    screens.shot(screens.open(citizen, "/statistik"), "12-public-statistics")

    assert screens.errors == []
    assert len(list(tmp_path.glob("*.png"))) == 12


def test_a_part_of_a_desk_page_that_fails_to_load_says_so(browser, server, app, demo, tmp_path):
    """htmx swaps in only successful answers; a failed one must not leave the page silent."""
    screens = Screens(browser, server, tmp_path)
    expect = pytest.importorskip("playwright.sync_api").expect
    admin = screens.person()
    screens.sign_in(admin, "tangkab", demo["tangkab"])
    # The server answers the next filter with an error (as while its database restarts), then
    # cannot be reached at all.
    admin.route("**/staff/?q=lampu*", lambda route: route.fulfill(status=503, body="down"))
    admin.fill("#q", "lampu")
    expect(admin.locator("#inbox-results .notice-error")).to_have_text(
        "Bagian ini tidak dapat dimuat; coba lagi sebentar lagi. (503)")
    admin.route("**/staff/?q=jalan*", lambda route: route.abort())
    admin.fill("#q", "jalan")
    expect(admin.locator("#inbox-results .notice-error")).to_have_text(
        "Server tidak dapat dihubungi; periksa sambungan lalu coba lagi.")
    screens.shot(admin, "inbox-failed")
    assert not [error for error in screens.errors if "desk.js" in error]
