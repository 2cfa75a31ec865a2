"""The JSON API: intake, routing by the real worker, the three views, and the workflow."""

from __future__ import annotations

from sqlalchemy import select

from lapor.extensions import db
from lapor.models import OutboxItem, Report

REPORT = {
    "title": "Sampah menumpuk di depan pasar",
    "body": "Sampah menumpuk di depan Pasar Cikupa, sudah dua minggu tidak diangkut.",
    "agency": "TANGKAB",
    "reporter": {"name": "Siti Aminah", "phone": "081234567890", "email": "siti@example.id"},
}


def submit(client, **changes):
    response = client.post("/api/v1/reports", json={**REPORT, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_submitted_report_is_stored_and_routed_by_the_worker(client, demo, run_worker, app):
    created = submit(client)
    assert created["state"] == "received"
    assert len(created["tracking_id"]) == 8 and created["access_token"]
    run_worker()
    view = client.get(f"/api/v1/reports/{created['tracking_id']}").get_json()
    assert view["state"] == "disposed"
    assert view["agency"]["code"] == "TANGKAB"
    assert [e["kind"] for e in view["timeline"]] == ["submitted", "disposed"]
    with app.app_context():
        routing = select(OutboxItem.processed_at).where(OutboxItem.topic == "route_report")
        assert db.session.scalars(routing).one() is not None


def test_report_without_agency_waits_in_triage(client, demo, run_worker, token):
    created = submit(client, agency=None)
    run_worker()
    staff_view = client.get(
        f"/api/v1/reports/{created['tracking_id']}", headers=token("dispatcher")
    ).get_json()
    assert staff_view["state"] == "received"
    assert staff_view["timeline"][-1]["kind"] == "triaged"


def test_routing_twice_changes_nothing(client, demo, run_worker, app):
    from workers.jobs import process_outbox

    created = submit(client)
    run_worker()
    with app.app_context():
        item_id = db.session.scalars(
            select(OutboxItem.id).where(OutboxItem.topic == "route_report")
        ).one()
        assert process_outbox(item_id) == "done-before"
        report = db.session.scalars(select(Report)).one()
        assert [e.kind for e in report.events] == ["submitted", "disposed"]
    assert created["tracking_id"] == report.tracking_id


def test_invalid_report_gets_field_errors_in_indonesian(client, demo):
    response = client.post("/api/v1/reports", json={"title": "x", "type": "gossip"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["body"] == ["Wajib diisi."]
    assert "Panjang harus antara 5 dan 200" in errors["title"][0]
    assert "Harus salah satu dari" in errors["type"][0]


def test_invalid_report_errors_in_english_on_request(client, demo):
    response = client.post(
        "/api/v1/reports", json={"title": "x"}, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["body"] == ["Missing data for required field."]


def test_unknown_agency_is_a_clear_422(client, demo):
    response = client.post("/api/v1/reports", json={**REPORT, "agency": "NOPE"})
    assert response.status_code == 422
    assert response.get_json()["message"] == "Instansi 'NOPE' tidak dikenal."


def test_malformed_json_is_a_400_not_a_500(client, demo):
    response = client.post(
        "/api/v1/reports", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.is_json


def test_reporter_sees_full_view_with_token_and_public_sees_no_identity(client, demo):
    created = submit(client)
    tid = created["tracking_id"]
    public = client.get(f"/api/v1/reports/{tid}").get_json()
    assert public["reporter"] is None and "siti" not in str(public).lower()
    private = client.get(f"/api/v1/reports/{tid}", headers={"X-Access-Token": created["access_token"]})
    assert private.get_json()["reporter"]["name"] == "Siti Aminah"
    wrong = client.get(f"/api/v1/reports/{tid}", headers={"X-Access-Token": "guess"})
    assert wrong.status_code == 404


def test_confidential_report_is_404_without_the_token(client, demo):
    created = submit(client, confidential=True)
    tid = created["tracking_id"]
    assert client.get(f"/api/v1/reports/{tid}").status_code == 404
    assert tid not in str(client.get("/api/v1/reports").get_json())
    ok = client.get(f"/api/v1/reports/{tid}", headers={"X-Access-Token": created["access_token"]})
    assert ok.status_code == 200


def test_whole_lifecycle_through_the_api(client, demo, run_worker, token):
    created = submit(client)
    tid, reporter = created["tracking_id"], {"X-Access-Token": created["access_token"]}
    run_worker()
    tangkab = token("tangkab")

    def act(path, body, headers):
        response = client.post(f"/api/v1/reports/{tid}/{path}", json=body, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    assert act("redisposition", {"agency": "DPUPRTANGKAB"}, tangkab)["agency"]["code"] == "DPUPRTANGKAB"
    pupr = token("pupr")
    assert act("information-requests", {"message": "Mohon kirim foto."}, pupr)["state"] == "waiting_reporter"
    assert act("replies", {"message": "Foto sudah saya kirim."}, reporter)["state"] == "in_progress"
    assert act("follow-ups", {"message": "Sedang dijadwalkan."}, pupr)["state"] == "in_progress"
    assert act("follow-ups", {"message": "Sudah ditambal.", "final": True}, pupr)["state"] == "resolved"
    assert act("confirmation", {"satisfied": False, "comment": "Masih berlubang"}, reporter)["state"] == "in_progress"
    assert act("follow-ups", {"message": "Diaspal ulang.", "final": True}, pupr)["state"] == "resolved"
    assert act("confirmation", {"satisfied": True}, reporter)["state"] == "closed"
    final = act("rating", {"rating": 5, "comment": "Terima kasih"}, reporter)
    assert final["rating"] == 5
    kinds = [e["kind"] for e in final["timeline"]]
    assert kinds == ["submitted", "disposed", "redisposed", "info_requested", "reporter_replied",
                     "followed_up", "resolved", "reopened", "resolved", "confirmed", "rated"]


def test_refused_transition_is_a_409_with_a_clear_message(client, demo, run_worker, token):
    created = submit(client)
    run_worker()
    response = client.post(
        f"/api/v1/reports/{created['tracking_id']}/archive",
        json={"reason": "spam"},
        headers=token("dispatcher"),
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        "Tindakan 'archive' tidak dapat dilakukan pada laporan berstatus 'disposed'."
    )


def test_role_that_may_not_act_is_refused(client, demo, run_worker, token):
    created = submit(client)
    run_worker()
    response = client.post(
        f"/api/v1/reports/{created['tracking_id']}/follow-ups",
        json={"message": "x"},
        headers={**token("dispatcher"), "Accept-Language": "en"},
    )
    assert response.status_code == 403
    assert "may not take this action" in response.get_json()["message"]


def test_staff_actions_need_a_valid_token(client, demo):
    created = submit(client)
    url = f"/api/v1/reports/{created['tracking_id']}/archive"
    assert client.post(url, json={"reason": "spam"}).status_code == 401
    bad = {"Authorization": "Bearer forged"}
    assert client.post(url, json={"reason": "spam"}, headers=bad).status_code == 401


def test_wrong_password_gets_no_token(client, demo):
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong"})
    assert response.status_code == 401
    assert response.get_json()["message"] == "Nama pengguna atau kata sandi salah."


def test_flags_can_be_set_but_never_cleared(client, demo, token):
    created = submit(client)
    url = f"/api/v1/reports/{created['tracking_id']}/flags"
    assert client.post(url, json={"anonymous": True}, headers=token("dispatcher")).status_code == 200
    response = client.post(url, json={"anonymous": False}, headers=token("dispatcher"))
    assert response.status_code == 409


def test_agencies_and_categories_are_public_lists(client, demo):
    agencies = client.get("/api/v1/agencies").get_json()
    tangkab = next(a for a in agencies if a["code"] == "TANGKAB")
    assert tangkab == {"code": "TANGKAB", "name": "Pemerintah Kabupaten Tangerang", "kind": "city",
                       "parent": "BANTEN", "timezone": "Asia/Jakarta"}
    categories = client.get("/api/v1/categories").get_json()
    assert {"code": "jalan", "name": "Jalan dan jembatan", "parent": "infrastruktur",
            "policy": "reguler"} in categories


def test_openapi_document_describes_the_report_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/reports" in spec["paths"]
    assert "/api/v1/reports/{tracking_id}/follow-ups" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_api_docs_load_their_assets_from_this_host(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_information_request_follows_the_public_information_policy(client, demo):
    created = submit(client, type="information_request", title="Minta data anggaran jalan")
    assert created["policy"] == "informasi"
    assert submit(client)["policy"] == "khusus"
    assert submit(client, category="jalan")["policy"] == "reguler"


def test_event_date_in_the_future_is_refused(client, demo):
    response = client.post("/api/v1/reports", json={**REPORT, "event_date": "2999-01-01"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["event_date"] == ["Tanggal kejadian tidak boleh di masa depan."]


def test_an_event_today_in_papua_is_not_in_the_future_on_any_channel(client, demo, monkeypatch):
    """At 01:00 WIT on 3 March it is still 2 March in Jakarta: a citizen in Jayapura reporting
    what happened today is taken, by the form of Jayapura's own site and by the API; the day
    after is refused."""
    from datetime import UTC, datetime

    from tests.test_web_citizen import FORM

    for where in ("lapor.api.schemas.utcnow", "lapor.web.citizen.utcnow"):
        monkeypatch.setattr(where, lambda: datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    form = client.post("/", data={**FORM, "agency": "", "event_date": "2026-03-03"},
                       headers={"Host": "jayapura.lapor.test"}, content_type="multipart/form-data")
    assert form.status_code == 303
    assert client.post("/api/v1/reports", json={**REPORT, "event_date": "2026-03-03"}).status_code == 201
    assert client.post("/api/v1/reports", json={**REPORT, "event_date": "2026-03-04"}).status_code == 422


def test_a_nul_character_is_a_clear_422_not_a_database_error(client, demo):
    response = client.post("/api/v1/reports", json={**REPORT, "body": "Jalan rusak\x00 parah sekali"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["body"] == ["Berisi karakter yang tidak diizinkan."]


def test_a_page_of_reports_takes_as_many_statements_however_many_it_holds(client, app, demo,
                                                                        run_worker, token):
    from sqlalchemy import event

    for n in range(6):
        submit(client, title=f"Sampah menumpuk nomor {n}", reporter={"phone": f"08123456780{n}"})
    run_worker()
    headers = token("tangkab")
    statements = []

    def count(*_args):
        statements.append(1)

    pages = {}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for size in (2, 6):
            statements.clear()
            body = client.get(f"/api/v1/reports?per_page={size}", headers=headers).get_json()
            pages[size] = (len(body["items"]), len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [items for items, _ in pages.values()] == [2, 6]
    assert pages[2][1] == pages[6][1]  # timelines, agencies and categories come page by page


def test_the_public_list_pages_back_ten_thousand_reports_and_counts_them_once_a_minute(
        client, demo, run_worker, token, monkeypatch):
    from lapor.api import reports

    for n in range(3):
        submit(client, title=f"Sampah menumpuk nomor {n}", reporter={"phone": f"08123456780{n}"})
    run_worker()
    first = client.get("/api/v1/reports?per_page=2").get_json()
    assert (first["total"], len(first["items"])) == (3, 2)
    newest = submit(client, title="Lampu jalan padam", reporter={"phone": "081234567809"})
    again = client.get("/api/v1/reports?per_page=2").get_json()
    assert again["items"][0]["tracking_id"] == newest["tracking_id"]  # the rows are read anew
    assert again["total"] == 3  # the count is a minute old at most
    staff = client.get("/api/v1/reports?per_page=2", headers=token("dispatcher")).get_json()
    assert staff["total"] == 4  # staff's is always counted
    monkeypatch.setattr(reports, "PUBLIC_TOTAL_FRESH", reports.timedelta(0))  # a minute later
    assert client.get("/api/v1/reports?per_page=2").get_json()["total"] == 4

    assert client.get("/api/v1/reports?per_page=20&page=500").status_code == 200  # rows to 10,000
    deep = client.get("/api/v1/reports?per_page=20&page=501")
    assert deep.status_code == 422
    assert deep.get_json()["status"] == "page_too_deep"
    assert "hanya sampai 10000 laporan terbaru" in deep.get_json()["message"]
    english = client.get("/api/v1/reports?per_page=100&page=101", headers={"Accept-Language": "en"})
    assert "reaches back 10000 reports" in english.get_json()["message"]
    # Staff page through everything within reach, however deep.
    assert client.get("/api/v1/reports?per_page=20&page=501", headers=token("dispatcher")).status_code == 200


def _page(client, headers, **params):
    answer = client.get("/api/v1/reports", query_string=params, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_paging_by_after_repeats_and_skips_none_while_reports_arrive(app, client, demo, token):
    from datetime import timedelta

    from tests import factories as f

    with app.app_context():
        # Two pairs received in the same instant: the order breaks their tie the same way every time.
        for n in (0, 1, 1, 2, 2, 3):
            f.report("disposed", holder="TANGKAB", now=f.NOW + timedelta(minutes=n), title=f"Jalan rusak nomor {n}")
        db.session.commit()
    for headers in (token("tangkab"), {}):
        seen, after = [], None
        while True:
            page = _page(client, headers, per_page=4, **({"after": after} if after else {}))
            seen += [item["tracking_id"] for item in page["items"]]
            if page["next"] is None:
                break
            after = page["next"]
            with app.app_context():  # a report arriving between two pages moves nothing
                f.report("disposed", holder="TANGKAB", now=f.NOW + timedelta(hours=len(seen)), title="Lampu padam")
                db.session.commit()
        assert len(seen) == len(set(seen)) >= 6
        with app.app_context():
            received = [db.session.scalars(select(Report.received_at).where(Report.tracking_id == t)).one()
                        for t in seen]
        assert received == sorted(received, reverse=True)
    assert client.get("/api/v1/reports?after=LPR-NOPE").status_code == 422
    assert client.get(f"/api/v1/reports?after={after}&page=2").status_code == 422


def test_paging_goes_on_whatever_became_of_the_report_a_page_ended_on(app, client, demo, token):
    """The last report of a page leaves the state filter, or is archived and so leaves the
    public list: the next page comes all the same."""
    from datetime import timedelta

    from tests import factories as f

    with app.app_context():
        made = [f.report("disposed", holder="TANGKAB", now=f.NOW + timedelta(minutes=n)).tracking_id
                for n in range(4)]
        db.session.commit()
    staff = token("tangkab")
    first = _page(client, staff, per_page=2, state="disposed")
    public = _page(client, {}, per_page=2)
    assert [i["tracking_id"] for i in first["items"]] == [made[3], made[2]] == [
        i["tracking_id"] for i in public["items"]]
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == made[2])).one()
        report.state, report.archive_reason = "archived", "duplicate"
        db.session.commit()
    assert [i["tracking_id"] for i in _page(client, staff, per_page=2, state="disposed",
                                            after=first["next"])["items"]] == [made[1], made[0]]
    assert [i["tracking_id"] for i in _page(client, {}, per_page=2, after=public["next"])["items"]] == [
        made[1], made[0]]
