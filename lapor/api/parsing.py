"""JSON bodies that cannot be read are the client's mistake: a 400, whatever the reason.

The standard library's decoder raises RecursionError, not a ValueError, on arrays
nested past the interpreter's recursion limit (``[[[[...]]]]``), so neither Flask
nor webargs turns it into a 400. Both readers here do.

JSON may also escape half of a surrogate pair on its own (``"\\ud83d"``): Python
decodes it into a string no text can hold (UTF-8 cannot encode it, so storing it
failed with a 500). Both readers turn each such half into U+FFFD, as an invalid
byte in a form becomes one: the rest of the citizen's text is kept.
"""

from __future__ import annotations

import json
import re

import flask_smorest
from flask.json.provider import DefaultJSONProvider
from webargs.flaskparser import FlaskParser


def _too_deep(exc: RecursionError) -> json.JSONDecodeError:
    error = json.JSONDecodeError("JSON nested too deeply", "", 0)
    error.__cause__ = exc
    return error


_SURROGATE = re.compile("[\ud800-\udfff]")  # after decoding, every one left is half a pair


def _whole_text(value):
    """``value`` (decoded JSON) with every lone surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_whole_text(item) for item in value]
    if isinstance(value, dict):
        return {_whole_text(key): _whole_text(item) for key, item in value.items()}
    return value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON (``request.get_json``), with too-deep input reported as invalid JSON and
    lone surrogates replaced."""

    def loads(self, s, **kwargs):
        try:
            return _whole_text(super().loads(s, **kwargs))
        except RecursionError as exc:
            raise _too_deep(exc) from exc


class Parser(FlaskParser):
    """webargs' parser for flask-smorest, with too-deep input reported as invalid JSON and lone
    surrogates replaced."""

    def _raw_load_json(self, req):
        try:
            return _whole_text(super()._raw_load_json(req))
        except RecursionError as exc:
            raise _too_deep(exc) from exc


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()
