"""Generated (often hostile) values in the citizens' form and in Open311 posts: a clear answer, never a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lapor.extensions import db
from lapor.models import Report
from tests.test_open311 import BASE
from tests.test_web_citizen import FORM, submit

ODD = ["", " ", "\x00", "A\x00B", "0001-01-01", "9999-12-31", "2026-13-45", "nan", "inf", "-1e309", "1e309",
       "-91", "TANGKAB", "jalan", "complaint", "1", "on", "9" * 400, "<script>alert(1)</script>",
       "http://x", "javascript:alert(1)", "a@b", "\u202etxt.exe", "\ufeff"]
VALUES = st.one_of(st.text(max_size=300), st.sampled_from(ODD))
EXAMPLES = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Report))


def test_the_citizens_form_answers_every_value_with_a_report_or_its_errors(client, demo, app, no_rate_limits):
    fields = [*FORM, "event_date", "category", "anonymous", "confidential", "lang"]

    @given(st.dictionaries(st.sampled_from(fields), VALUES, max_size=5))
    @EXAMPLES
    def post(changes):
        before = stored(app)
        response = client.post("/", data={**FORM, **changes})
        assert response.status_code in (303, 422), (changes, response.status_code)
        assert stored(app) == before + (response.status_code == 303)  # accepted means kept

    post()


def test_open311_posts_answer_every_value_in_the_spec_format(client, demo, api_key, app, no_rate_limits):
    good = {"service_code": "jalan", "description": "Jalan rusak parah di depan pasar Cikupa",
            "address_string": "Pasar Cikupa", "api_key": api_key}
    fields = ["service_code", "description", "lat", "long", "address_string", "email", "first_name",
              "last_name", "phone", "media_url", "jurisdiction_id", "attribute[type]", "device_id", "account_id"]

    @given(st.dictionaries(st.sampled_from(fields), VALUES, max_size=6), st.booleans(),
           st.sampled_from(["json", "xml"]))
    @EXAMPLES
    def post(changes, as_json, fmt):
        body = {**good, **changes}
        response = (client.post(f"{BASE}/requests.{fmt}", json=body) if as_json
                    else client.post(f"{BASE}/requests.{fmt}", data=body))
        assert response.status_code in (201, 400, 404), (changes, response.status_code)
        assert response.mimetype == ("text/xml" if fmt == "xml" else "application/json")

    post()


PUBLIC_QUERY = ["akses", "id", "lang", "page", "q", "agency", "category", "from", "to", "service_request_id",
                "service_code", "status", "start_date", "end_date", "jurisdiction_id", "api_key", "format"]
PUBLIC_PAGES = ["/", "/lacak", "/laporan/{tid}", "/laporan/{tid}/terkirim", "/laporan/{tid}/lampiran/1",
                "/statistik", f"{BASE}/requests.json", f"{BASE}/requests.xml", f"{BASE}/requests/{{tid}}.json",
                f"{BASE}/services.xml", f"{BASE}/services/jalan.json", f"{BASE}/discovery.json",
                f"{BASE}/tokens/{{tid}}.json"]
REPORTER_FORMS = ["/laporan/{tid}/balas", "/laporan/{tid}/konfirmasi", "/laporan/{tid}/nilai"]
REPORTER_FIELDS = ["akses", "message", "satisfied", "rating", "comment", "lang", "attachments"]


def test_public_pages_and_the_reporters_forms_answer_every_value_without_a_5xx(client, demo, app,
                                                                                no_rate_limits):
    tid, token = submit(client)

    targets = [*(("GET", page) for page in PUBLIC_PAGES), *(("POST", form) for form in REPORTER_FORMS)]

    @given(st.sampled_from(targets), st.dictionaries(st.sampled_from(PUBLIC_QUERY + REPORTER_FIELDS), VALUES,
                                                     max_size=5), st.booleans())
    @settings(EXAMPLES, max_examples=300)
    def send(target, values, with_token):
        method, path = target
        values = {"akses": token, **values} if with_token else values
        given_as = {"query_string": values} if method == "GET" else {"data": values}
        response = client.open(path.format(tid=tid), method=method, **given_as)
        assert response.status_code < 500, (target, values, response.status_code)

    send()


LATIN1 = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=200)
HEADER_VALUES = st.one_of(LATIN1, st.sampled_from(
    ["", "tangkab.lapor.test", "TANGKAB.lapor.test:80", "x.tangkab.lapor.test", ".lapor.test", "lapor.test:99999",
     "[::1]", "-.lapor.test", "Bearer ", "Bearer x.y.z", "Basic YTpi", "id;q=abc, en;q=2", "*", "en-US,id;q=0.9",
     "true", "multipart/form-data", "multipart/form-data; boundary=", "application/json; charset=latin-9"]))
HEADERS = ["Host", "Accept-Language", "Authorization", "X-Access-Token", "HX-Request", "HX-Boosted", "Cookie",
           "Content-Type", "Accept"]


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("POST", "/"), ("GET", "/laporan/{tid}"), ("GET", "/statistik"), ("GET", "/staff/"),
    ("GET", "/api/v1/reports"), ("GET", "/api/v1/reports/{tid}"), ("POST", "/api/v1/reports"),
    ("GET", f"{BASE}/requests.json"), ("POST", f"{BASE}/requests.xml"), ("GET", "/channels/sms/kannel"),
])
def test_generated_headers_get_an_answer_never_a_5xx(client, demo, app, no_rate_limits, method, path):
    tid, _ = submit(client)

    @given(st.dictionaries(st.sampled_from(HEADERS), HEADER_VALUES, min_size=1, max_size=4))
    @settings(EXAMPLES, max_examples=40)
    def send(headers):
        response = client.open(path.format(tid=tid), method=method, headers=headers,
                               data={**FORM} if method == "POST" else None)
        assert response.status_code < 500, (headers, response.status_code)

    send()


RULE_KEYS = ["id", "key", "name", "owner", "target", "priority", "active", "keywords", "any", "all", "none",
             "regex", "scope", "filters", "report_types", "channels", "actions", "category", "policy", "urgent",
             "stop", "phrases"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.dates(),
                    st.text(max_size=40), st.sampled_from(["TANGKAB", "DPUPRTANGKAB", "jalan*", "title", "both",
                                                           "complaint", "sms", "infrastruktur", "(", "a{99999}"]))
YAML_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(RULE_KEYS), inner, max_size=5)), max_leaves=12)
RULE = st.dictionaries(st.sampled_from(RULE_KEYS), YAML_VALUES, max_size=8)
DOCUMENT = st.one_of(
    st.lists(RULE, max_size=3),
    st.fixed_dictionaries({"rules": st.lists(RULE, max_size=3)},
                          optional={"owner": YAML_VALUES, "version": YAML_VALUES,
                                    "abbreviations": YAML_VALUES, "status": YAML_VALUES}),
    YAML_VALUES)


def test_generated_rule_files_are_imported_or_refused_with_their_problems(client, demo, token, no_rate_limits):
    import yaml

    admin = token("admin")

    @given(DOCUMENT)
    @settings(EXAMPLES, max_examples=120)
    def send_yaml(document):
        text = yaml.safe_dump(document, allow_unicode=True)
        response = client.post("/api/v1/rules/import?agency=TANGKAB&format=yaml", data=text.encode(),
                               headers=admin)
        assert response.status_code in (200, 409, 422), (text, response.status_code, response.get_json())

    @given(st.lists(st.dictionaries(st.sampled_from(RULE_KEYS), st.one_of(VALUES, SCALARS.map(str)), max_size=8),
                    min_size=1, max_size=3))
    @settings(EXAMPLES, max_examples=120)
    def send_csv(rows):
        import csv
        import io

        out = io.StringIO()
        columns = sorted({key for row in rows for key in row}) or ["name"]
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        writer.writerows(rows)
        response = client.post("/api/v1/rules/import?agency=TANGKAB&format=csv", data=out.getvalue().encode(),
                               headers=admin)
        assert response.status_code in (200, 409, 422), (out.getvalue(), response.status_code, response.get_json())

    send_yaml()
    send_csv()


# Any text JSON can carry, halves of surrogate pairs too (st.characters leaves them out).
ANY_TEXT = st.lists(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=300).map("".join)


def test_generated_json_reports_are_stored_or_refused_never_a_5xx(client, demo, app, api_key, no_rate_limits):
    good = {"title": "Jalan rusak di depan pasar", "body": "Lubang besar di depan Pasar Cikupa sejak bulan lalu.",
            "agency": "TANGKAB"}
    fields = ["title", "body", "agency", "category", "type", "location", "event_date", "anonymous", "confidential"]
    values = st.one_of(ANY_TEXT, st.sampled_from(ODD), st.integers(), st.booleans(), st.none(),
                       st.lists(ANY_TEXT, max_size=3), st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2))

    @given(st.dictionaries(st.sampled_from(fields), values, max_size=4),
           st.dictionaries(st.sampled_from(["name", "phone", "email"]), values, max_size=3))
    @settings(EXAMPLES, max_examples=200)
    def post(changes, reporter):
        before = stored(app)
        response = client.post("/api/v1/reports", json={**good, **changes, "reporter": reporter})
        assert response.status_code in (201, 400, 422), (changes, reporter, response.status_code)
        assert stored(app) == before + (response.status_code == 201)

    post()


def test_a_bug_is_answered_as_a_clear_500_and_its_transaction_rolled_back(settings, app):
    """The last line of defence: an unexpected error still answers in the caller's format and
    language, and leaves no half-done change behind."""
    from lapor.app import create_app
    from lapor.extensions import db
    from lapor.models import Category

    fresh = create_app(settings)

    @fresh.get("/api/v1/test-bug")
    def bug():
        db.session.add(Category(code="setengah", name="Setengah jadi"))
        db.session.flush()
        raise RuntimeError("a bug")

    answer = fresh.test_client().get("/api/v1/test-bug")
    assert answer.status_code == 500 and answer.get_json()["status"] == "internal"
    assert "Traceback" not in answer.get_data(as_text=True)
    with fresh.app_context():
        assert db.session.query(Category).filter_by(code="setengah").first() is None
