"""The policies' one extension of the follow-up deadline (DESIGN §4: informasi 10 HK with one
extension of 7 HK, UU 14/2008; pengawasan 14 HK, 60 HK with a field inspection)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from lapor import workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import OutboxItem, Report, ReportEvent
from lapor.sla.recompute import recompute
from lapor.workflow import SYSTEM
from tests import factories as f
from tests.test_desk_support import get, post, sign_in

WIB = ZoneInfo("Asia/Jakarta")


def wib(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def _request(app, policy="informasi", received=f.NOW, **fields) -> str:
    """A report received Monday 2 March 2026 10:00 WIB, disposed to TANGKAB under `policy`."""
    with app.app_context():
        report = f.report("received", now=received, type="information_request" if policy == "informasi"
                          else "complaint", policy_code=policy, reporter_phone="081234567890", **fields)
        workflow.dispose(report, SYSTEM, received, f.agency("TANGKAB"))
        db.session.commit()
        return report.tracking_id


def _report(app, tid) -> Report:
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tid)).one()
        db.session.expunge(report)
        return report


def test_an_information_request_gets_seven_more_working_days_once_with_its_reason(client, app, demo, token):
    tid = _request(app)
    assert _report(app, tid).followup_due_at == wib(3, 16, 10)  # 10 HK
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tid)).one()
        workflow.extend_followup(report, f.staff("tangkab"), wib(3, 12, 9),
                                 "Data yang diminta ada di arsip kecamatan.")
        db.session.commit()
    # 17 HK from receipt: past Idul Fitri and its cuti bersama (18-24 March 2026).
    assert _report(app, tid).followup_due_at == wib(4, 1, 10)
    public = client.get(f"/api/v1/reports/{tid}").get_json()
    extended = [e for e in public["timeline"] if e["kind"] == "extended"]
    assert [e["message"] for e in extended] == ["Data yang diminta ada di arsip kecamatan."]
    with app.app_context():
        event = db.session.scalars(select(ReportEvent).where(ReportEvent.kind == "extended")).one()
        notices = db.session.scalars(select(OutboxItem).where(OutboxItem.topic == "notify")).all()
        assert {"event_id": event.id, "audience": "reporter"} in [n.payload for n in notices]
        recompute(f.NOW, "calendar")  # a recompute keeps the extension
    assert _report(app, tid).followup_due_at == wib(4, 1, 10)

    again = client.post(f"/api/v1/reports/{tid}/extension", headers=token("tangkab"), json={"reason": "Lagi."})
    assert (again.status_code, again.get_json()["message"]) == (
        409, "Batas tindak lanjut laporan ini sudah pernah diperpanjang.")


def test_a_complaint_under_the_special_mechanism_cannot_be_extended(client, app, demo, token):
    tid = _request(app, policy="khusus")
    answer = client.post(f"/api/v1/reports/{tid}/extension", headers={**token("tangkab"), "Accept-Language": "en"},
                         json={"reason": "Butuh waktu."})
    assert (answer.status_code, answer.get_json()["message"]) == (
        409, "This report's SLA policy (khusus) allows no extension.")
    sign_in(client, demo, "tangkab")
    assert 'aksi/extend"' not in get(client, f"/staff/laporan/{tid}")


def test_an_extension_must_come_before_the_deadline_and_from_the_agency_holding_it(client, app, demo, token):
    late = _request(app, received=utcnow() - timedelta(days=30))
    answer = client.post(f"/api/v1/reports/{late}/extension", headers=token("tangkab"), json={"reason": "Telat."})
    assert answer.status_code == 409 and "sudah lewat" in answer.get_json()["message"]
    tid = _request(app, received=utcnow() - timedelta(hours=1))
    by_api = client.post(f"/api/v1/reports/{tid}/extension", headers=token("tangkab"), json={"reason": "Arsip."})
    assert by_api.status_code == 200, by_api.get_json()
    tid = _request(app, received=utcnow() - timedelta(hours=1))
    assert client.post(f"/api/v1/reports/{tid}/extension", headers=token("kemenhub"),
                       json={"reason": "Bukan milik kami."}).status_code == 404
    assert client.post(f"/api/v1/reports/{tid}/extension", headers=token("banten"),
                       json={"reason": "Koordinator."}).status_code == 403
    assert _report(app, tid).followup_extended_at is None


def test_a_field_inspection_is_taken_from_the_desk(client, app, demo):
    tid = _request(app, policy="pengawasan", received=utcnow() - timedelta(hours=1))
    before = _report(app, tid).followup_due_at
    sign_in(client, demo, "tangkab")
    page = get(client, f"/staff/laporan/{tid}")
    assert "Perpanjang batas tindak lanjut" in page and "60 hari kerja sejak diterima" in page
    post(client, f"/staff/laporan/{tid}/aksi/extend", {"reason": "Perlu pemeriksaan lapangan."})
    report = _report(app, tid)
    assert report.followup_extended_at is not None
    assert report.followup_due_at - before > timedelta(days=60)  # 46 working days more
    assert 'aksi/extend"' not in get(client, f"/staff/laporan/{tid}")  # once
