"""JSON bodies that cannot be read are the client's mistake: a 400, whatever the reason.

The standard library's decoder raises RecursionError, not a ValueError, on arrays
nested past the interpreter's recursion limit (``[[[[...]]]]``), so neither Flask
nor webargs turns it into a 400. Both readers here do.
"""

from __future__ import annotations

import json

import flask_smorest
from flask.json.provider import DefaultJSONProvider
from webargs.flaskparser import FlaskParser


def _too_deep(exc: RecursionError) -> json.JSONDecodeError:
    error = json.JSONDecodeError("JSON nested too deeply", "", 0)
    error.__cause__ = exc
    return error


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with too-deep input reported as invalid JSON (``request.get_json``)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise _too_deep(exc) from exc


class Parser(FlaskParser):
    """webargs' parser for flask-smorest, with too-deep input reported as invalid JSON."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError as exc:
            raise _too_deep(exc) from exc


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()
