"""The API against its own OpenAPI document, with generated (often hostile) input: never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize("who", [None, "admin", "tangkab"])
def test_generated_requests_never_get_a_server_error(app, demo, token, monkeypatch, who):
    """Anonymous, then as a system admin and an agency admin, so that generated bodies and
    parameters get past sign-in to the handlers of staff endpoints too."""
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
    headers = token(who) if who else {}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            case.call_and_validate(checks=CHECKS, headers=headers)

        exercise()
