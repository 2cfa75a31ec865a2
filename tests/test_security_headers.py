"""Security headers: a Content-Security-Policy that the pages actually live within."""

from __future__ import annotations

import re

import pytest

from tests.test_subdomain import AGENCY_SITE
from tests.test_web_citizen import submit
from tests.test_web_staff import sign_in

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
STYLE = re.compile(r"<style\b([^>]*)>", re.S)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_lives_within_policy(response) -> None:
    """Only external scripts (or JSON data blocks) and nonce'd styles; no inline handlers."""
    page = response.get_data(as_text=True)
    policy = directives(response)
    assert policy["script-src"] == "script-src 'self'"
    for attributes, content in SCRIPT.findall(page):
        assert "src=" in attributes or 'type="application/json"' in attributes, content[:80]
    nonce = re.search(r"'nonce-([^']+)'", policy["style-src"]).group(1)
    for attributes in STYLE.findall(page):
        assert f'nonce="{nonce}"' in attributes
    assert not INLINE_HANDLER.search(page)
    assert " style=" not in page


def test_citizen_pages_forbid_inline_scripts_and_framing(client, demo):
    tracking_id, token = submit(client)
    for path in ("/", f"/laporan/{tracking_id}", f"/laporan/{tracking_id}?akses={token}", "/statistik"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_lives_within_policy(response)
        policy = directives(response)
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert policy["object-src"] == "object-src 'none'"
        assert policy["form-action"] == "form-action 'self'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_agency_brand_style_carries_a_fresh_nonce_each_request(client, demo):
    first = client.get("/", headers=AGENCY_SITE)
    second = client.get("/", headers=AGENCY_SITE)
    assert_lives_within_policy(first)
    assert "<style nonce=" in first.get_data(as_text=True)
    assert directives(first)["style-src"] != directives(second)["style-src"]


@pytest.mark.parametrize("path", ["/staff/", "/staff/triase/", "/staff/pemantauan/",
                                  "/staff/kalender/", "/staff/rekap/", "/staff/aturan/",
                                  "/staff/laporan/{tracking_id}"])
def test_desk_pages_live_within_the_policy(client, demo, path):
    tracking_id, _ = submit(client)
    sign_in(client, demo, "admin")
    response = client.get(path.format(tracking_id=tracking_id), follow_redirects=True)
    assert response.status_code == 200, path
    assert_lives_within_policy(response)
    page = response.get_data(as_text=True)
    assert '"allowEval": false' in page  # htmx evaluates no code under the policy


def test_api_answers_may_load_nothing(client, demo):
    response = client.get("/api/v1/agencies")
    assert directives(response)["default-src"] == "default-src 'none'"
    assert "sandbox" in directives(response)


def test_api_docs_page_alone_allows_swagger_uis_inline_code(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"


def test_https_deployments_send_hsts(settings):
    from dataclasses import replace

    from lapor.app import create_app

    app = create_app(replace(settings, secure_cookies=True), TESTING=True)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = create_app(settings, TESTING=True).test_client().get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers


def test_a_reporters_or_staff_api_answer_is_kept_by_no_cache(client, demo, token):
    from tests.test_api_reports import REPORT

    created = client.post("/api/v1/reports", json={**REPORT, "confidential": True}).get_json()
    url = f"/api/v1/reports/{created['tracking_id']}"
    for headers in ({"X-Access-Token": created["access_token"]}, token("admin")):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        assert {"Authorization", "X-Access-Token"} <= set(answer.vary)
    public = client.get("/api/v1/reports")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    assert {"Authorization", "X-Access-Token"} <= set(public.vary)
