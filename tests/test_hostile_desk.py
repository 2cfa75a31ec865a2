"""Generated (often hostile) query strings and forms on every page and form of the staff desk,
for every role: a page or a clear refusal, never a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lapor.extensions import db
from lapor.models import CalendarDay, RuleRow
from tests.test_desk_support import make, sign_in
from tests.test_hostile_forms import EXAMPLES, VALUES

QUERY = ["agency", "akses", "category", "comment", "format", "id", "lang", "next", "overdue", "page", "q",
         "title", "state", "type", "channel", "from", "to", "level", "kind", "htmx", "mode"]
FORM = ["agency", "akses", "category", "date", "final", "kind", "level", "limit", "name", "next", "note",
        "owner", "password", "policy", "priority", "reason", "scope", "text", "username", "message",
        "any", "all", "none", "regex", "target", "active", "stop", "urgent", "report_types", "channels",
        "type", "channel", "title", "anonymous", "confidential", "days", "key", "draft", "question"]
PAGES = ["/staff/", "/staff/aturan/", "/staff/aturan/{rule}", "/staff/kalender/", "/staff/laporan/{tid}",
         "/staff/pemantauan/", "/staff/rekap/", "/staff/triase/", "/staff/laporan/{tid}/lampiran/1"]
FORMS = ["/staff/aturan/", "/staff/aturan/{rule}", "/staff/aturan/draf/mulai", "/staff/aturan/draf/buang",
         "/staff/aturan/draf/aktifkan", "/staff/aturan/uji", "/staff/aturan/uji-ulang", "/staff/aturan/impor",
         "/staff/kalender/", "/staff/laporan/{tid}/aksi/{action}", "/staff/triase/{fresh}/{triage}",
         "/staff/aturan/{rule}/hapus", "/staff/kalender/{day}/hapus"]
ACTIONS = ["dispose", "follow_up", "request_info", "redispose", "return", "escalate", "archive", "flags", "x"]
FIELDS = st.dictionaries(st.sampled_from(FORM), VALUES, max_size=6)


ROLES = ["admin", "dispatcher", "tangkab", "banten", "pupr"]
FEW = settings(EXAMPLES, max_examples=30)


@pytest.fixture
def desk(client, app, demo, no_rate_limits):
    """Signs a role in; gives the ids to fill the desk's paths with."""
    ids = {"tid": make(app, "disposed", "TANGKAB"), "fresh": make(app, "received", None)}
    with app.app_context():
        ids["rule"] = db.session.scalars(select(RuleRow.id).order_by(RuleRow.id)).first()
        ids["day"] = db.session.scalars(select(CalendarDay.id).order_by(CalendarDay.id)).first() or 1
    return lambda username: sign_in(client, demo, username) or ids


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("username", ROLES)
def test_every_desk_page_answers_generated_query_strings_without_a_5xx(client, desk, username, page):
    path = page.format(**desk(username))

    @given(st.dictionaries(st.sampled_from(QUERY), VALUES, max_size=5))
    @FEW
    def read(query):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (query, response.status_code)

    read()


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("username", ROLES)
def test_every_desk_form_answers_generated_fields_without_a_5xx(client, desk, username, form):
    ids = desk(username)

    @given(st.sampled_from(ACTIONS), st.sampled_from(["dispose", "archive", "x"]), FIELDS)
    @FEW
    def submit(action, triage, fields):
        response = client.post(form.format(action=action, triage=triage, **ids), data=fields)
        assert response.status_code < 500, (action, fields, response.status_code)

    submit()
