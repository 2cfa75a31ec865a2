"""System admins keep the agency directory: agencies, their keywords and addresses, supervision."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from lapor import workflow
from lapor.extensions import db
from lapor.models import Agency, OutboxItem, Report
from lapor.workflow import SYSTEM
from tests import factories as f

NEW = {"code": "DISHUBTANGKAB", "name": "Dinas Perhubungan Kabupaten Tangerang", "kind": "unit",
       "parent": "TANGKAB"}


def _add(client, headers, **fields):
    return client.post("/api/v1/agencies", json={**NEW, **fields}, headers=headers)


def test_a_new_agency_gets_its_keyword_and_address_and_takes_reports_at_once(client, token, run_worker):
    admin = token("admin")
    made = _add(client, admin)
    assert made.status_code == 201, made.get_json()
    assert made.get_json() == {
        "code": "DISHUBTANGKAB", "name": NEW["name"], "kind": "unit", "parent": "TANGKAB",
        "timezone": "Asia/Jakarta", "office_open": "08:00", "office_close": "16:00",
        "sms_keyword": "DISHUBTANGKAB", "subdomain": "dishubtangkab", "supervised": [],
    }
    assert "DISHUBTANGKAB" in {a["code"] for a in client.get("/api/v1/agencies").get_json()}
    assert client.get("/api/v1/agencies/dishubtangkab").get_json()["parent"] == "TANGKAB"

    # By the API, by its SMS keyword and on its own address, reports reach it.
    by_api = client.post("/api/v1/reports", json={"title": "Lampu lalu lintas mati", "agency": "DISHUBTANGKAB",
                                                  "body": "Lampu lalu lintas di simpang Cikupa mati sejak pagi."})
    assert by_api.status_code == 201, by_api.get_json()
    sms = {"from": "081234567890", "to": "1708", "id": str(uuid.uuid4()), "ts": "1795479040",
           "text": "dishubtangkab lampu lalu lintas di simpang cikupa mati"}
    assert client.get("/channels/sms/kannel?" + urlencode(sms)).status_code == 200
    site = client.get("/", headers={"Host": "dishubtangkab.lapor.test"})
    assert site.status_code == 200 and NEW["name"] in site.get_data(as_text=True)
    run_worker()
    with client.application.app_context():
        reports = db.session.scalars(select(Report).order_by(Report.id)).all()
        assert [(r.channel, r.requested_agency.code, r.agency.code) for r in reports] == [
            ("api", "DISHUBTANGKAB", "DISHUBTANGKAB"), ("sms", "DISHUBTANGKAB", "DISHUBTANGKAB")]


def test_only_system_admins_change_the_directory(client, token):
    assert _add(client, {}).status_code == 401
    for username in ("dispatcher", "tangkab", "banten", "ombudsman"):
        headers = token(username)
        refused = [
            _add(client, headers).status_code,
            client.patch("/api/v1/agencies/TANGKAB", json={"name": "Pemkab"}, headers=headers).status_code,
            client.put("/api/v1/agencies/BANTEN/supervised", json={"agencies": []}, headers=headers).status_code,
        ]
        assert refused == [403, 403, 403], username
    with client.application.app_context():
        assert db.session.scalars(select(Agency).where(Agency.code == "DISHUBTANGKAB")).first() is None
        assert f.agency("TANGKAB").name == "Pemerintah Kabupaten Tangerang"
        assert [a.code for a in f.agency("BANTEN").supervised] == ["TANGKAB"]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"code": "DISHUB-TANGKAB"}, "code", "Diawali huruf, lalu hanya huruf dan angka, 2 sampai 32 karakter."),
    ({"sms_keyword": "cek"}, "sms_keyword", "Kata ini adalah perintah atau jenis laporan SMS."),
    ({"sms_keyword": "DISHUB TANGKAB"}, "sms_keyword", "Hanya huruf dan angka, 2 sampai 32 karakter."),
    ({"subdomain": "www"}, "subdomain", "Alamat ini milik situs utama."),
    ({"subdomain": "Dishub"}, "subdomain",
     "Hanya huruf kecil, angka dan tanda hubung di tengah, 1 sampai 63 karakter."),
    ({"timezone": "Europe/Paris"}, "timezone", "Harus salah satu dari: WIB, WIT, WITA, Asia/Jakarta, "
                                               "Asia/Jayapura, Asia/Makassar."),
    ({"office_open": "pagi"}, "office_open", "Jam tidak valid (format HH:MM)."),
    ({"office_close": "16:00+07:00"}, "office_close", "Jam tidak valid (format HH:MM)."),
    ({"kind": "desa"}, "kind", "Harus salah satu dari: national, ministry, province, city, unit."),
])
def test_bad_fields_are_refused_field_by_field_in_indonesian(client, token, fields, field, message):
    answer = _add(client, token("admin"), **fields)
    assert answer.status_code == 422
    assert answer.get_json()["errors"][field] == [message]


def test_refusals_name_the_problem_in_the_callers_language(client, token):
    admin = token("admin")
    english = {**admin, "Accept-Language": "en"}
    cases = [
        (_add(client, admin, code="tangkab"), 409, "Instansi dengan kode TANGKAB sudah ada."),
        (_add(client, english, sms_keyword="kemenhub"), 409, "The SMS keyword 'kemenhub' is taken by KEMENHUB."),
        (_add(client, admin, subdomain="banten"), 409, "Subdomain 'banten' sudah dipakai BANTEN."),
        (_add(client, admin, parent="TIDAKADA"), 422, "Instansi 'TIDAKADA' tidak dikenal."),
        (_add(client, admin, office_open="16:00", office_close="08:00"), 422,
         "Jam buka (16:00) harus sebelum jam tutup (08:00)."),
        (client.patch("/api/v1/agencies/TANGKAB", json={"parent": "DPUPRTANGKAB"}, headers=english), 422,
         "DPUPRTANGKAB is below TANGKAB, so it cannot be its parent."),
        (client.patch("/api/v1/agencies/TIDAKADA", json={"name": "X Y"}, headers=admin), 404,
         "Instansi 'TIDAKADA' tidak dikenal."),
        (client.put("/api/v1/agencies/BANTEN/supervised", json={"agencies": ["TANGKAB", "NOPE"]},
                    headers=admin), 422, "Instansi 'NOPE' tidak dikenal."),
    ]
    assert [(a.status_code, a.get_json()["message"]) for a, *_ in cases] == [(s, m) for _, s, m in cases]
    with client.application.app_context():
        assert f.agency("TANGKAB").parent.code == "BANTEN"
        assert [a.code for a in f.agency("BANTEN").supervised] == ["TANGKAB"]


def test_no_agency_can_take_the_keyword_or_address_of_another_in_any_case(client, token):
    admin = token("admin")
    assert _add(client, admin, sms_keyword=None, subdomain=None).status_code == 201
    taken = client.patch("/api/v1/agencies/DISHUBTANGKAB", json={"sms_keyword": "Tangkab"}, headers=admin)
    assert taken.status_code == 409
    moved = client.patch("/api/v1/agencies/TANGKAB", json={"sms_keyword": None, "subdomain": "kab-tangerang"},
                         headers=admin)
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["sms_keyword"], moved.get_json()["subdomain"]) == (None, "kab-tangerang")
    claimed = client.patch("/api/v1/agencies/DISHUBTANGKAB", json={"sms_keyword": "tangkab"}, headers=admin)
    assert claimed.get_json()["sms_keyword"] == "TANGKAB"
    assert client.get("/", headers={"Host": "tangkab.lapor.test"}).status_code == 404
    assert client.get("/", headers={"Host": "kab-tangerang.lapor.test"}).status_code == 200


def test_new_office_hours_or_time_zone_move_the_open_deadlines(client, token, run_worker):
    with client.application.app_context():
        report = f.report("received")  # received Monday 2 March 2026 10:00 WIB
        workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
        closed = f.report("received")
        workflow.dispose(closed, SYSTEM, f.NOW, f.agency("TANGKAB"))
        closed.state = "closed"
        db.session.commit()
        tracking_id, before = report.tracking_id, report.followup_due_at
        closed_due = closed.followup_due_at
    assert before == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # 2 HK: Wednesday 10:00 WIB

    changed = client.patch("/api/v1/agencies/TANGKAB", json={"office_open": "11:00", "office_close": "19:00"},
                           headers=token("admin"))
    assert changed.status_code == 200 and changed.get_json()["office_open"] == "11:00"
    run_worker()
    with client.application.app_context():
        # Received before the new opening time: the clock starts at 11:00 and two whole office
        # days end Tuesday 19:00 WIB, where with 08:00-16:00 they ended Wednesday 10:00.
        report = db.session.scalars(select(Report).where(Report.tracking_id == tracking_id)).one()
        assert report.followup_due_at == datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
        assert db.session.get(Report, closed.id).followup_due_at == closed_due

    client.patch("/api/v1/agencies/TANGKAB", json={"timezone": "WIT"}, headers=token("admin"))
    run_worker()
    with client.application.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tracking_id)).one()
        # Received Monday 12:00 WIT, within the hours: 7 h that day, 8 h Tuesday, 1 h Wednesday.
        assert report.followup_due_at == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
        assert f.agency("TANGKAB").timezone == "Asia/Jayapura"
        items = db.session.scalars(select(OutboxItem).where(OutboxItem.topic == "recompute_deadlines")).all()
        assert len(items) == 2 and all(item.processed_at is not None for item in items)


def test_a_change_that_moves_no_clock_recomputes_nothing(client, token):
    answer = client.patch("/api/v1/agencies/TANGKAB", json={"name": "Pemkab Tangerang", "timezone": "WIB"},
                          headers=token("admin"))
    assert answer.status_code == 200 and answer.get_json()["name"] == "Pemkab Tangerang"
    with client.application.app_context():
        assert db.session.scalars(select(OutboxItem).where(OutboxItem.topic == "recompute_deadlines")).all() == []


def test_supervision_decides_what_a_coordinator_sees(client, token):
    with client.application.app_context():
        for code in ("TANGKAB", "KEMENHUB"):
            workflow.dispose(f.report("received"), SYSTEM, f.NOW, f.agency(code))
        db.session.commit()

    def seen(username):
        listed = client.get("/api/v1/reports?per_page=50", headers=token(username)).get_json()
        return sorted({item["agency"]["code"] for item in listed["items"]})

    assert seen("banten") == ["TANGKAB"] and seen("ombudsman") == ["KEMENHUB", "TANGKAB"]
    admin = token("admin")
    answer = client.put("/api/v1/agencies/BANTEN/supervised", json={"agencies": ["kemenhub"]}, headers=admin)
    assert answer.status_code == 200 and answer.get_json()["supervised"] == ["KEMENHUB"]
    assert seen("banten") == ["KEMENHUB", "TANGKAB"]  # TANGKAB is its own unit, supervised or not
    assert client.put("/api/v1/agencies/OMBUDSMAN/supervised", json={"agencies": ["KEMENHUB"]},
                      headers=admin).status_code == 200
    assert seen("ombudsman") == ["KEMENHUB"]


def test_an_agency_moved_in_the_tree_takes_its_new_parents_closures(client, token, run_worker):
    admin = token("admin")
    with client.application.app_context():
        report = f.report("received")
        workflow.dispose(report, SYSTEM, f.NOW, f.agency("DPUPRTANGKAB"))
        db.session.commit()
        report_id, before = report.id, report.followup_due_at
    closure = client.post("/api/v1/calendar/days", json={"date": "2026-03-03", "kind": "closure",
                                                         "agency": "KEMENHUB"}, headers=admin)
    assert closure.status_code == 201
    run_worker()
    moved = client.patch("/api/v1/agencies/DPUPRTANGKAB", json={"parent": "KEMENHUB"}, headers=admin)
    assert moved.status_code == 200 and moved.get_json()["parent"] == "KEMENHUB"
    run_worker()
    with client.application.app_context():
        after = db.session.get(Report, report_id).followup_due_at
        assert before == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
        assert after == datetime(2026, 3, 5, 3, 0, tzinfo=UTC)  # Tuesday closed: one day later
        assert f.agency("DPUPRTANGKAB").office_open == time(8)


def test_hostile_codes_get_a_clear_refusal(client, token):
    admin = token("admin")
    answers = [
        client.put("/api/v1/agencies/BANTEN/supervised", json={"agencies": ["TANG\x00KAB"]}, headers=admin),
        client.patch("/api/v1/agencies/TANG%00KAB", json={"name": "Pemkab"}, headers=admin),
        client.get("/api/v1/agencies/" + "X" * 5000),
        _add(client, admin, parent="TANG\x00KAB"),
    ]
    assert [a.status_code for a in answers] == [422, 404, 404, 422]


def test_the_tree_keeps_its_one_top_whose_dispatchers_see_everything(client, token):
    admin = token("admin")
    second_top = client.post("/api/v1/agencies", json={"code": "PUSAT", "name": "Pusat Kedua"}, headers=admin)
    assert (second_top.status_code, second_top.get_json()["message"]) == (
        422, "Sebutkan instansi induknya; puncak pohon instansi hanya satu (NASIONAL).")
    lifted = client.patch("/api/v1/agencies/TANGKAB", json={"parent": None}, headers=admin)
    assert lifted.status_code == 422
    assert client.patch("/api/v1/agencies/NASIONAL", json={"parent": None, "name": "Admin Nasional"},
                        headers=admin).status_code == 200


def test_system_admins_keep_the_categories(client, token, run_worker):
    admin = token("admin")
    made = client.post("/api/v1/categories", headers=admin,
                       json={"code": "jembatan", "name": "Jembatan", "parent": "infrastruktur",
                             "policy": "reguler"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json() == {"code": "jembatan", "name": "Jembatan", "parent": "infrastruktur",
                               "policy": "reguler"}
    assert client.get("/api/v1/categories/jembatan").get_json()["policy"] == "reguler"
    # A report filed under it gets its policy.
    filed = client.post("/api/v1/reports", json={"title": "Jembatan retak", "category": "jembatan", "agency": "TANGKAB",
                                                 "body": "Jembatan di Cikupa retak di bagian tengahnya."})
    assert filed.status_code == 201, filed.get_json()
    changed = client.patch("/api/v1/categories/jembatan", headers=admin, json={"policy": "khusus", "parent": None})
    assert changed.status_code == 200 and changed.get_json()["parent"] is None
    run_worker()
    with client.application.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.policy_code == "reguler"  # filed before the change: keeps its deadlines


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"code": "infrastruktur", "name": "Lagi"}, 409, "category_exists"),
    ({"code": "baru", "name": "Baru", "parent": "tidak-ada"}, 422, "category_not_found"),
    ({"code": "baru", "name": "Baru", "policy": "kilat"}, 422, "policy_not_found"),
    ({"code": "Ada Spasi", "name": "Baru"}, 422, None),
])
def test_a_category_that_cannot_be_is_refused_with_the_reason(client, token, body, status, code):
    refused = client.post("/api/v1/categories", headers=token("admin"), json=body,
                          environ_base={"HTTP_ACCEPT_LANGUAGE": "id"})
    assert refused.status_code == status, refused.get_json()
    if code:
        assert refused.get_json()["status"] == code


def test_a_category_cannot_be_put_below_itself_and_only_system_admins_change_them(client, token):
    admin = token("admin")
    assert client.post("/api/v1/categories", headers=admin,
                       json={"code": "jembatan", "name": "Jalan", "parent": "infrastruktur"}).status_code == 201
    cycle = client.patch("/api/v1/categories/infrastruktur", headers=admin, json={"parent": "jembatan"})
    assert cycle.status_code == 422 and cycle.get_json()["status"] == "category_cycle"
    assert client.patch("/api/v1/categories/nothing", headers=admin, json={"name": "X Y"}).status_code == 404
    assert client.post("/api/v1/categories", json={"code": "x1", "name": "X Y"}).status_code == 401
    for username in ("dispatcher", "tangkab", "banten"):
        assert client.post("/api/v1/categories", headers=token(username),
                           json={"code": "x1", "name": "X Y"}).status_code == 403
        assert client.post("/api/v1/sla/policies", headers=token(username),
                           json={"code": "kilat", "name": "Kilat", "disposition_days": 0.5,
                                 "followup_days": 1}).status_code == 403


def test_system_admins_add_sla_policies_for_categories_and_rules(client, token):
    admin = token("admin")
    body = {"code": "kilat", "name": "Layanan kilat", "disposition_days": 0.5, "followup_days": 1}
    made = client.post("/api/v1/sla/policies", headers=admin, json=body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["followup_days"] == 1
    assert client.post("/api/v1/sla/policies", headers=admin, json=body).status_code == 409
    assert client.post("/api/v1/categories", headers=admin,
                       json={"code": "darurat", "name": "Darurat", "policy": "kilat"}).status_code == 201
    shorter = client.post("/api/v1/sla/policies", headers=admin,
                          json={**body, "code": "pendek", "extended_followup_days": 1})
    assert shorter.status_code == 422 and "extended_followup_days" in str(shorter.get_json())
    assert {e["action"] for e in client.get("/api/v1/audit", headers=admin).get_json()["items"]} >= {
        "policy.create", "category.create"}


@pytest.mark.parametrize(("code", "field"), [("CEK", "sms_keyword"), ("BANTUAN", "sms_keyword"),
                                             ("INFO", "sms_keyword"), ("WWW", "subdomain")])
def test_a_code_that_cannot_be_its_own_keyword_or_address_must_name_another(client, token, code, field):
    admin = token("admin")
    refused = _add(client, admin, code=code)
    assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.get_json()
    made = _add(client, admin, code=code, **{field: None})
    assert made.status_code == 201 and made.get_json()[field] is None
