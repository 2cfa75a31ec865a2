"""No agency sees another agency's reports; an anonymous reporter stays unknown to agencies."""

from __future__ import annotations

import pytest

from tests.test_api_reports import REPORT, submit


@pytest.fixture
def routed(client, demo, run_worker):
    """One report held by TANGKAB, one by KEMENHUB, one in triage."""
    made = {
        "tangkab": submit(client),
        "kemenhub": submit(client, agency="KEMENHUB", title="Bus AKAP ugal-ugalan di tol"),
        "triage": submit(client, agency=None, title="Pelayanan lambat sekali"),
    }
    run_worker()
    return {k: v["tracking_id"] for k, v in made.items()}


def _ids(client, headers):
    body = client.get("/api/v1/reports?per_page=100", headers=headers).get_json()
    return {item["tracking_id"] for item in body["items"]}


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ("admin", {"tangkab", "kemenhub", "triage"}),
        ("dispatcher", {"tangkab", "kemenhub", "triage"}),
        ("tangkab", {"tangkab"}),
        ("pupr", set()),
        ("kemenhub", {"kemenhub"}),
        ("banten", {"tangkab"}),
        ("ombudsman", {"tangkab", "kemenhub"}),
    ],
)
def test_each_role_lists_exactly_the_reports_within_its_reach(client, routed, token, user, sees):
    assert _ids(client, token(user)) == {routed[k] for k in sees}


@pytest.mark.parametrize("user", ["kemenhub", "pupr"])
def test_agency_admin_asking_for_another_agencys_report_gets_404(client, routed, token, user):
    response = client.get(f"/api/v1/reports/{routed['tangkab']}", headers=token(user))
    assert response.status_code == 404
    action = client.post(
        f"/api/v1/reports/{routed['tangkab']}/follow-ups",
        json={"message": "bukan urusan kami"}, headers=token(user),
    )
    assert action.status_code == 404


def test_anonymous_reporter_is_hidden_from_agency_and_dispatcher_but_not_sysadmin(
    client, demo, run_worker, token
):
    created = submit(client, anonymous=True)
    run_worker()
    url = f"/api/v1/reports/{created['tracking_id']}"
    for user in ("tangkab", "dispatcher", "banten", "ombudsman"):
        body = client.get(url, headers=token(user)).get_data(as_text=True)
        for secret in ("Siti", "081234567890", "siti@example.id"):
            assert secret not in body, (user, secret)
        assert '"Anonim"' in body
        listing = client.get("/api/v1/reports", headers=token(user)).get_data(as_text=True)
        assert "Siti" not in listing
    admin = client.get(url, headers=token("admin")).get_json()
    assert admin["reporter"]["name"] == REPORT["reporter"]["name"]
    mine = client.get(url, headers={"X-Access-Token": created["access_token"]}).get_json()
    assert mine["reporter"]["phone"] == "081234567890"


def test_report_marked_anonymous_later_hides_the_reporter_from_then_on(client, demo, run_worker, token):
    created = submit(client)
    run_worker()
    url = f"/api/v1/reports/{created['tracking_id']}"
    assert client.get(url, headers=token("tangkab")).get_json()["reporter"]["name"] == "Siti Aminah"
    client.post(f"{url}/flags", json={"anonymous": True}, headers=token("dispatcher"))
    assert "Siti" not in client.get(url, headers=token("tangkab")).get_data(as_text=True)


def test_what_a_coordinator_watches_is_found_in_one_query_however_many_it_supervises(app, demo):
    from sqlalchemy import event, select

    from lapor.extensions import db
    from lapor.models import Agency, watched_ids

    with app.app_context():
        agencies = db.session.scalars(select(Agency)).all()

        def below(agency):  # the obvious walk down the tree, for comparison
            return {agency.id}.union(*(below(child) for child in agency.children))

        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for coordinator in (a for a in agencies if a.code in ("OMBUDSMAN", "KEMENDAGRI", "BANTEN")):
                statements.clear()
                watched = watched_ids(coordinator)
                assert len(statements) == 1
                assert watched == below(coordinator).union(*(below(a) for a in coordinator.supervised))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
