"""Every message a field of the API's schemas can refuse a value with is in the catalogue, so the
caller reads it in Indonesian (or English when asked), never in marshmallow's English alone."""

from __future__ import annotations

import marshmallow
import pytest
from marshmallow import ValidationError

from lapor.i18n import translate_validation

# Values of every shape, some of which every kind of field refuses.
PROBES = [None, object(), "", "x", "not-a-number", float("nan"), float("inf"), 10**400, -(10**9), 10**9, -1, 0,
          True, "\ud800", [], ["x"], {}, {"x": 1}, "2026-13-45", "a" * 20_000, "ZZZ"]


def schemas_of_lapor(cls=marshmallow.Schema):
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("lapor."):
            yield sub
        yield from schemas_of_lapor(sub)


def messages(errors):
    if isinstance(errors, dict):
        for value in errors.values():
            yield from messages(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from messages(value)
    else:
        yield str(errors)


def test_every_refusal_of_every_field_is_in_both_languages(app):  # the app imports every schema
    refusals: dict[str, str] = {}
    schemas = list(schemas_of_lapor())
    assert len(schemas) > 30
    for schema in schemas:
        for name, field in schema().fields.items():
            for value in PROBES:
                try:
                    field.deserialize(value)
                except ValidationError as exc:
                    for message in messages(exc.messages):
                        refusals.setdefault(message, f"{schema.__name__}.{name}")
    assert len(refusals) > 20
    untranslated = {message: where for message, where in refusals.items()
                    if translate_validation(message, "id") == message}
    assert not untranslated
    assert all(translate_validation(message, "en") == message for message in refusals)


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("post", "/api/v1/sla/policies",
     {"code": "kilat", "name": "Kilat", "disposition_days": 5, "followup_days": 1}, "disposition_days"),
    ("post", "/api/v1/sla/policies",
     {"code": "kilat", "name": "Kilat", "disposition_days": 1, "followup_days": 5,
      "extended_followup_days": 2}, "extended_followup_days"),
    ("post", "/api/v1/sla/policies",
     {"code": "Kilat Cepat", "name": "Kilat", "disposition_days": 1, "followup_days": 5}, "code"),
    ("post", "/api/v1/agencies", {"code": "CEK", "name": "Dinas Cek", "parent": "TANGKAB"}, "sms_keyword"),
    ("post", "/api/v1/agencies", {"code": "WWW", "name": "Dinas Web", "parent": "TANGKAB"}, "subdomain"),
    ("post", "/api/v1/categories", {"code": "Jembatan Baru", "name": "Jembatan"}, "code"),
    ("get", "/api/v1/reports?page=2&after=LPR-ABC", None, "after"),
])
def test_checks_across_fields_refuse_in_the_callers_language(client, token, method, path, body, field):
    def refusal(language: str) -> str:
        headers = {**token("admin"), "Accept-Language": language}
        response = getattr(client, method)(path, headers=headers, **({"json": body} if body is not None else {}))
        assert response.status_code == 422, response.get_json()
        [message] = response.get_json()["errors"][field]
        return message

    assert refusal("id") != refusal("en")
