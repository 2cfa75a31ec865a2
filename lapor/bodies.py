"""Request bodies sent in chunks, without a Content-Length: read whole before the app sees them.

Werkzeug stops reading such a body at ``MAX_CONTENT_LENGTH`` without saying so: the rest is
cut off, and the request goes on with part of its body. A malformed chunk, or a client gone in
the middle, raises the server's own parse error inside a view. Here the body is read first, up
to the limit: one that fits reaches the app as if it had come with its length; one too long is
answered 413 and one that cannot be read 400, each by the app's own error answers.
"""

from __future__ import annotations

import io
import logging
import tempfile

from flask import abort, request
from werkzeug.http import parse_set_header

log = logging.getLogger(__name__)

REFUSED = "lapor.body_refused"  # the status a chunked body was refused with, in the WSGI environ
STEP = 64 * 1024
SPOOL = 1024 * 1024  # larger bodies wait in a temporary file


class ChunkedBodies:
    """WSGI middleware turning a chunked request body into one of known length, or a refusal."""

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app

    def __call__(self, environ, start_response):
        if is_chunked(environ):
            read_whole(environ, self.flask_app.config.get("MAX_CONTENT_LENGTH"))
        return self.wsgi_app(environ, start_response)


def is_chunked(environ) -> bool:
    # As Werkzeug decides it: a chunked Transfer-Encoding makes any Content-Length moot.
    return "chunked" in parse_set_header(environ.get("HTTP_TRANSFER_ENCODING"))


def read_whole(environ, limit: int | None) -> None:
    """Replace the chunked input with the body read whole (kept on disk past SPOOL bytes, as
    Werkzeug keeps uploads), or mark the request refused."""
    body = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    size, refused = 0, None
    try:
        while chunk := environ["wsgi.input"].read(STEP):
            size += len(chunk)
            if limit is not None and size > limit:
                refused = 413
                break
            body.write(chunk)
    except Exception as exc:  # noqa: BLE001 - the server's parse error: the client's body, not ours
        log.info("chunked request body unreadable: %s", exc.__class__.__name__)
        refused = 400
    if refused:
        environ[REFUSED] = refused
        body.close()
        body, size = io.BytesIO(), 0
    body.seek(0)
    environ["wsgi.input"] = body
    environ["CONTENT_LENGTH"] = str(size)
    del environ["HTTP_TRANSFER_ENCODING"]  # what the app reads now has a length


def init_app(app) -> None:
    """Install the middleware and the check that answers its refusals. Call before anything
    else registers a hook that may read the body (the CSRF check reads forms)."""
    app.wsgi_app = ChunkedBodies(app.wsgi_app, app)

    @app.before_request
    def refuse_unreadable_body():
        status = request.environ.get(REFUSED)
        if status:
            abort(status)
