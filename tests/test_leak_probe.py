"""Leak probe: an anonymous reporter's identity and a confidential report, looked for everywhere.

One report of each kind is taken through its whole life (routing, a question to the
citizen and the answer, follow-ups, a manual intervention and its staff emails); then
every surface that others can read is collected and searched: the staff API and pages
for every staff role but the system admin, the recap exports, Open311 in both formats,
the public pages and statistics, and every SMS and email sent to anyone but the reporter.
Each probe is also run on a surface that must show the secret, so it cannot pass by
looking in the wrong place.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from lapor.extensions import db
from lapor.models import OutgoingMessage, Report, ReportEvent, User
from lapor.notify import audience_for, notify
from tests.test_api_reports import REPORT
from tests.test_subdomain import AGENCY_SITE
from tests.test_web_staff import sign_in

IDENTITY = {"name": "Wulan Kusumadewi", "phone": "081377712345", "email": "wulan.k@contoh.id"}
# What would give the reporter away, also as a gateway writes the number.
SECRETS = ("Wulan", "Kusumadewi", "81377712345", "wulan.k@contoh.id", "wulan.k")
CONFIDENTIAL_MARK = "Zaskiaprobe"
STAFF = ("dispatcher", "tangkab", "banten", "ombudsman", "kemenhub")
WORKING_HOURS = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # a Thursday, 10:00 WIB


def post(client, path, body, headers):
    response = client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), (path, response.get_json())
    return response.get_json()


@pytest.fixture
def probe(client, demo, app, token, run_worker):
    """The anonymous and the confidential report, each taken through its life."""
    with app.app_context():  # staff with addresses, so escalations are emailed
        for username in ("tangkab", "banten", "ombudsman"):
            db.session.execute(update(User).where(User.username == username)
                               .values(email=f"{username}@instansi.go.id"))
        db.session.commit()
    anonymous = post(client, "/api/v1/reports", {**REPORT, "anonymous": True, "reporter": IDENTITY}, {})
    confidential = post(client, "/api/v1/reports", {
        **REPORT, "confidential": True, "title": f"{CONFIDENTIAL_MARK} pungli di kantor desa",
        "body": f"{CONFIDENTIAL_MARK}: kepala desa meminta uang untuk surat keterangan.",
        "reporter": {"name": "Rahmat", "phone": "081299900011"}}, {})
    run_worker()
    for created in (anonymous, confidential):
        tid, reporter = created["tracking_id"], {"X-Access-Token": created["access_token"]}
        base = f"/api/v1/reports/{tid}"
        post(client, f"{base}/information-requests", {"message": "Mohon lokasi tepatnya."},
             token("tangkab"))
        post(client, f"{base}/replies", {"message": "Di depan balai desa."}, reporter)
        post(client, f"{base}/follow-ups", {"message": "Sedang kami periksa."}, token("tangkab"))
        post(client, f"{base}/escalations", {"level": "intervention", "note": "Segera tuntaskan."},
             token("banten"))
    run_worker()
    with app.app_context():  # staff emails go out in office hours: make them as then
        events = db.session.scalars(select(ReportEvent).order_by(ReportEvent.id)).all()
        for event in events:
            if audience_for(event.kind) == "staff":
                notify({"event_id": event.id, "audience": "staff"}, WORKING_HOURS)
        db.session.commit()
    return {"anonymous": anonymous["tracking_id"], "confidential": confidential["tracking_id"]}


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


def xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return " ".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))


def staff_surfaces(client, token, demo, username, tid) -> dict[str, str]:
    bearer = token(username)
    api = {
        "api list": client.get("/api/v1/reports?per_page=100", headers=bearer),
        "api report": client.get(f"/api/v1/reports/{tid}", headers=bearer),
        "api escalations": client.get(f"/api/v1/reports/{tid}/escalations", headers=bearer),
        "api scorecards": client.get("/api/v1/scorecards", headers=bearer),
    }
    pages = client.application.test_client()
    sign_in(pages, demo, username)
    screens = {name: pages.get(path) for name, path in {
        "inbox": "/staff/", "triage": "/staff/triase/", "report page": f"/staff/laporan/{tid}",
        "dashboard": "/staff/pemantauan/", "recap": "/staff/rekap/",
        "recap csv": "/staff/rekap/?format=csv",
    }.items()}
    surfaces = {name: r.get_data(as_text=True) for name, r in {**api, **screens}.items()}
    xlsx = pages.get("/staff/rekap/?format=xlsx")
    if xlsx.status_code == 200:
        surfaces["recap xlsx"] = xlsx_text(xlsx.data)
    return surfaces


PATHS = {
    "home": ("/", {}), "agency site": ("/", AGENCY_SITE), "statistics": ("/statistik", {}),
    "statistics 365": ("/statistik?days=365", {}), "public page": ("/laporan/{tid}", {}),
    "api list": ("/api/v1/reports?per_page=100", {}), "api report": ("/api/v1/reports/{tid}", {}),
    "open311 list json": ("/open311/v2/requests.json", {}),
    "open311 list xml": ("/open311/v2/requests.xml", {}),
    "open311 json": ("/open311/v2/requests/{tid}.json", {}),
    "open311 xml": ("/open311/v2/requests/{tid}.xml", {}),
    "open311 by id": ("/open311/v2/requests.json?service_request_id={tid}", {}),
}


def public_surfaces(client, tid: str) -> dict[str, str]:
    return {name: client.get(path.format(tid=tid), headers=headers).get_data(as_text=True)
            for name, (path, headers) in PATHS.items()}


@pytest.mark.parametrize("username", STAFF)
def test_anonymous_reporter_reaches_no_staff_surface(client, demo, token, probe, username):
    surfaces = staff_surfaces(client, token, demo, username, probe["anonymous"])
    found = {name: hit for name, text in surfaces.items() if (hit := leaks(text))}
    assert not found
    if username != "kemenhub":  # within reach: the probe read the report itself, not a refusal
        assert probe["anonymous"] in surfaces["api report"] and "Segera tuntaskan" in surfaces["report page"]


def test_the_probe_finds_the_identity_where_it_belongs(client, demo, token, probe):
    admin = staff_surfaces(client, token, demo, "admin", probe["anonymous"])
    assert leaks(admin["api report"]) and leaks(admin["report page"])


def test_anonymous_reporter_reaches_no_public_surface(client, probe):
    found = {name: hit for name, text in public_surfaces(client, probe["anonymous"]).items()
             if (hit := leaks(text))}
    assert not found


def test_messages_to_anyone_but_the_reporter_never_name_them(app, probe):
    with app.app_context():
        report = db.session.scalars(select(Report).filter_by(tracking_id=probe["anonymous"])).one()
        messages = db.session.scalars(select(OutgoingMessage)).all()
        own = {m for m in messages if m.report_id == report.id
               and m.recipient in ("6281377712345", "+6281377712345", IDENTITY["email"])}
        others = [m for m in messages if m not in own]
        assert own, "the reporter was told nothing: the probe saw no messages"
        assert any(m.channel == "email" and m.recipient.endswith("@instansi.go.id") for m in others)
        found = [(m.recipient, leaks(f"{m.subject or ''} {m.body}")) for m in others
                 if leaks(f"{m.recipient} {m.subject or ''} {m.body}")]
        assert not found


def test_confidential_report_is_on_no_public_surface(client, probe):
    tid = probe["confidential"]
    surfaces = public_surfaces(client, tid)
    found = [name for name, text in surfaces.items() if CONFIDENTIAL_MARK in text]
    # Pages asked for it by its ID echo the ID in their links; lists must not name it at all.
    found += [name for name, text in surfaces.items() if tid in text and "{tid}" not in PATHS[name][0]]
    assert not found
    for path in (f"/laporan/{tid}", f"/api/v1/reports/{tid}", f"/open311/v2/requests/{tid}.json"):
        assert client.get(path).status_code == 404, path
    # ...while the anonymous report is public, so the probe looks in the right places
    shown = public_surfaces(client, probe["anonymous"])
    assert probe["anonymous"] in shown["open311 list json"] and probe["anonymous"] in shown["home"]
