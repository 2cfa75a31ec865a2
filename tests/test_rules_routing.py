"""Routing with the keyword rules through the real worker, and the compiled rules' cache."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lapor import rulesets
from lapor.extensions import db
from lapor.models import Report
from lapor.rules import store
from lapor.workflow import SYSTEM
from tests import factories as f
from tests.test_desk_support import sign_in

ACTIVE_DEMO_SETS = 12  # the national set and eleven agencies' (lapor/seed_rules.py)


def submit(client, title, body=None, agency=None, **fields):
    report = {"title": title, "body": body or f"{title}. Mohon segera ditindaklanjuti.",
              "agency": agency, **fields}
    response = client.post("/api/v1/reports", json=report)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tracking_id"]


def routed(app, tracking_id):
    """The report, and the data of the event that routed it."""
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tracking_id)).one()
        event = next(e for e in report.events if e.kind in ("disposed", "triaged"))
        agency = report.agency.code if report.agency else None
        category = report.category.code if report.category else None
        return {"state": report.state, "agency": agency, "category": category,
                "policy": report.policy_code, "urgent": report.urgent, "event": event.kind,
                "data": event.data, "disposition_due_at": report.disposition_due_at,
                "received_at": report.received_at}


def test_road_report_to_the_regency_lands_at_its_public_works_office(client, demo, run_worker, app):
    tid = submit(client, "Jalan rusak berlubang di Kecamatan Cikupa", agency="TANGKAB")
    run_worker()
    report = routed(app, tid)
    assert (report["state"], report["agency"]) == ("disposed", "DPUPRTANGKAB")
    assert report["category"] == "jalan"
    assert report["policy"] == "reguler"  # the category's policy, applied before the deadlines
    data = report["data"]
    assert (data["method"], data["agency"], data["rule"], data["reason"]) == (
        "rules", "DPUPRTANGKAB", "jalan", "match")
    assert data["keywords"] == ["jalan rusak", "berlubang"]
    assert data["rules"] == {"owner": "TANGKAB", "version": 1}
    assert data["explanation"]["winner"] == "jalan"


def test_deadlines_follow_the_policy_the_rules_chose(client, demo, run_worker, app):
    regular = submit(client, "Jalan rusak berlubang di Kecamatan Cikupa", agency="TANGKAB")
    special = submit(client, "Banjir setinggi lutut, warga mengungsi", agency="TANGKAB")
    run_worker()
    regular, special = routed(app, regular), routed(app, special)
    assert (special["agency"], special["category"], special["policy"], special["urgent"]) == (
        "DPUPRTANGKAB", "banjir", "khusus", True)
    assert regular["disposition_due_at"] - regular["received_at"] > (
        special["disposition_due_at"] - special["received_at"])  # 3 HK against 1 HK


def test_unscoped_train_report_goes_to_the_railways_directorate(client, demo, run_worker, app):
    tid = submit(client, "KRL terlambat terus di stasiun Tangerang")
    run_worker()
    report = routed(app, tid)
    assert (report["state"], report["agency"]) == ("disposed", "DITJENKA")
    assert report["category"] == "transportasi"
    assert report["data"]["rules"] == {"owner": "NASIONAL", "version": 1}
    assert report["data"]["keywords"] == ["krl", "stasiun"]


def test_a_tie_waits_for_a_dispatcher_with_the_candidates(client, demo, run_worker, app):
    tid = submit(client, "Kereta dan bus mudik penuh sesak")
    run_worker()
    report = routed(app, tid)
    assert (report["state"], report["agency"], report["event"]) == ("received", None, "triaged")
    data = report["data"]
    assert (data["method"], data["reason"]) == ("rules_tie", "tie")
    assert data["candidates"] == [
        {"agency": "DITJENKA", "rule": "Perkeretaapian", "keywords": ["kereta"]},
        {"agency": "DITJENHUBDAT", "rule": "Angkutan jalan dan terminal", "keywords": ["bus"]},
        {"agency": "KEMENHUB", "rule": "Perhubungan umum dan mudik", "keywords": ["mudik"]},
    ]


def test_no_match_waits_for_a_dispatcher(client, demo, run_worker, app):
    tid = submit(client, "Pelayanan lambat sekali", "Sudah tiga kali datang tetapi belum dilayani.")
    run_worker()
    report = routed(app, tid)
    assert (report["state"], report["event"]) == ("received", "triaged")
    assert (report["data"]["method"], report["data"]["candidates"]) == ("rules_no_match", [])


def test_dispatcher_sees_the_suggestions_on_the_triage_page(client, demo, run_worker, app):
    submit(client, "Kereta dan bus mudik penuh sesak")
    run_worker()
    sign_in(client, demo, "dispatcher")
    page = client.get("/staff/triase/").get_data(as_text=True)
    assert "Disposisikan ke Direktorat Jenderal Perkeretaapian" in page
    assert "Disposisikan ke Kementerian Perhubungan" in page


def test_a_named_agency_keeps_what_its_rules_do_not_place(client, demo, run_worker, app):
    nothing = submit(client, "Sampah menumpuk di pasar", agency="TANGKAB")
    tie = submit(client, "KTP hilang saat berobat ke puskesmas", agency="TANGKAB")
    run_worker()
    nothing, tie = routed(app, nothing), routed(app, tie)
    assert (nothing["agency"], nothing["data"]["method"], nothing["data"]["reason"]) == (
        "TANGKAB", "requested_agency", "no_match")
    assert (tie["agency"], tie["data"]["reason"]) == ("TANGKAB", "tie")
    assert {c["agency"] for c in tie["data"]["candidates"]} == {"DISDUKTANGKAB", "DINKESTANGKAB"}


def test_information_requests_keep_the_public_information_policy(client, demo, run_worker, app):
    tid = submit(client, "Data penerima dana BOS 2025", agency="KEMENDIKDASMEN",
                 type="information_request")
    run_worker()
    report = routed(app, tid)
    assert (report["agency"], report["category"], report["policy"]) == (
        "KEMENDIKDASMEN", "pendidikan", "informasi")


def test_report_type_and_channel_reach_the_rules(client, demo, run_worker, app):
    question = submit(client, "Minta salinan data NPSN sekolah", agency="KEMENDIKDASMEN",
                      type="information_request")
    complaint = submit(client, "Minta salinan data NPSN sekolah", agency="KEMENDIKDASMEN")
    run_worker()
    # Both name NPSN; only the information request also meets the rule filtered to its type.
    contributors = [routed(app, t)["data"]["explanation"]["contributors"]
                    for t in (question, complaint)]
    assert contributors == [["informasi", "data-pokok"], ["data-pokok"]]


def test_activation_switches_routing(client, demo, run_worker, app, token):
    admin = token("tangkab")
    rule = {"key": "sampah", "name": "Sampah dan kebersihan", "target": "DPUPRTANGKAB",
            "keywords": {"any": ["sampah"]}, "actions": {"category": "infrastruktur"}}
    assert client.post("/api/v1/rules", json=rule, headers=admin).status_code == 201
    before = submit(client, "Sampah menumpuk di pasar", agency="TANGKAB")
    run_worker()
    assert routed(app, before)["agency"] == "TANGKAB"  # a draft does not route
    assert client.post("/api/v1/rules/activate", json={}, headers=admin).status_code == 200
    after = submit(client, "Sampah menumpuk di pasar", agency="TANGKAB")
    run_worker()
    after = routed(app, after)
    assert (after["agency"], after["category"], after["data"]["rules"]) == (
        "DPUPRTANGKAB", "infrastruktur", {"owner": "TANGKAB", "version": 2})


def test_rules_reach_units_at_any_depth_but_not_units_moved_out_since(client, demo, run_worker, app, token):
    with app.app_context():
        from lapor.models import Agency

        db.session.add(Agency(code="UPTJALAN", name="UPT Jalan Cikupa", kind="unit",
                              parent=f.agency("DPUPRTANGKAB")))
        db.session.commit()
    admin = token("tangkab")
    rule = {"key": "trotoar", "name": "Trotoar", "target": "UPTJALAN", "priority": 90,
            "keywords": {"any": ["trotoar"]}}
    assert client.post("/api/v1/rules", json=rule, headers=admin).status_code == 201
    assert client.post("/api/v1/rules/activate", json={}, headers=admin).status_code == 200
    deep = submit(client, "Trotoar amblas di depan pertokoan", agency="TANGKAB")
    run_worker()
    deep = routed(app, deep)
    assert deep["agency"] == "UPTJALAN", deep["data"]["explanation"]  # a unit of a unit of the owner

    with app.app_context():  # the unit moves to another regency; the active rules still name it
        f.agency("UPTJALAN").parent = f.agency("MAKASSAR")
        db.session.commit()
    moved = submit(client, "Trotoar amblas di depan pertokoan", agency="TANGKAB")
    run_worker()
    moved = routed(app, moved)
    assert (moved["state"], moved["agency"]) == ("disposed", "TANGKAB")  # its own admins pass it on
    assert moved["data"]["problem"] == "UPTJALAN is not a unit of TANGKAB"


def test_a_policy_removed_since_the_rules_were_activated_is_not_applied(client, demo, run_worker, app, token):
    from lapor.models import SlaPolicy

    with app.app_context():
        db.session.add(SlaPolicy(code="sementara", name="Sementara", disposition_days=3, followup_days=5))
        db.session.commit()
    admin = token("tangkab")
    rule = {"key": "trotoar", "name": "Trotoar", "target": "DPUPRTANGKAB", "priority": 90,
            "keywords": {"any": ["trotoar"]}, "actions": {"policy": "sementara"}}
    assert client.post("/api/v1/rules", json=rule, headers=admin).status_code == 201
    assert client.post("/api/v1/rules/activate", json={}, headers=admin).status_code == 200
    with app.app_context():
        db.session.delete(db.session.get(SlaPolicy, "sementara"))
        db.session.commit()
    tid = submit(client, "Trotoar amblas di depan pertokoan", agency="TANGKAB")
    run_worker()
    report = routed(app, tid)
    assert (report["state"], report["agency"]) == ("disposed", "DPUPRTANGKAB")
    assert report["policy"] != "sementara"
    assert report["data"]["problem"] == "unknown SLA policy sementara"


@pytest.fixture
def compilations(monkeypatch):
    """Count rule-set compilations, starting from a process that has compiled nothing."""
    calls = []
    real = store.compile_rules

    def counting(rules, abbreviations=None, build=True):
        calls.append(1)
        return real(rules, abbreviations=abbreviations, build=build)

    monkeypatch.setattr(store, "compile_rules", counting)
    monkeypatch.setattr(store, "_cache", None)
    monkeypatch.setattr(store, "_fresh", {})
    return calls


def test_active_rules_compile_once_and_again_only_after_an_activation(ctx, demo, compilations):
    route = store.route_text
    assert route("Jalan rusak", None, owner="TANGKAB")[0].target == "DPUPRTANGKAB"
    assert len(compilations) == ACTIVE_DEMO_SETS
    for _ in range(20):
        route("KRL terlambat", "di stasiun", "complaint", "sms")
        route("Jalan rusak", None, owner="TANGKAB")
    assert len(compilations) == ACTIVE_DEMO_SETS  # no compiling per decision

    tangkab = f.agency("TANGKAB")
    draft = rulesets.draft_for(tangkab, SYSTEM, f.NOW)
    rulesets.add_rule(draft, {"id": "sampah", "target": "DPUPRTANGKAB",
                              "keywords": {"any": ["sampah"]}})
    db.session.commit()
    # Drafts are not routed.
    assert route("Sampah menumpuk", None, owner="TANGKAB")[0].target is None
    rulesets.activate(tangkab, SYSTEM, f.NOW)
    db.session.commit()
    decision, active = route("Sampah menumpuk", None, owner="TANGKAB")
    assert (decision.target, active.version) == ("DPUPRTANGKAB", 2)
    # The new version only, compiled once to check it while activating; the others are reused.
    assert len(compilations) == ACTIVE_DEMO_SETS + 1
    route("KRL terlambat", None)
    assert len(compilations) == ACTIVE_DEMO_SETS + 1


def test_worker_routing_reuses_the_compiled_rules(client, demo, run_worker, app, compilations):
    for title in ("KRL terlambat terus", "Jalan rusak berlubang", "Bus ugal-ugalan di terminal"):
        submit(client, title)
        submit(client, title, agency="TANGKAB")
    run_worker()
    assert len(compilations) == ACTIVE_DEMO_SETS
