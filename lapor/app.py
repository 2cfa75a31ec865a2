"""The application factory."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from lapor import bodies
from lapor.api.parsing import JSONProvider
from lapor.config import Settings
from lapor.extensions import api, csrf, db, redis_ext
from lapor.queue import enqueue_after_commit
from lapor.ratelimit import init_limits, storage_uri

ROW_ID_MAX = 2**31 - 1  # the database's INTEGER


class RowId(IntegerConverter):
    """``<id:name>``: a row's id in a URL. An id no row can have does not match the URL (404)
    instead of reaching the database, which would refuse a number that large."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=ROW_ID_MAX)


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """Build a Lapor app from `settings` (the environment by default)."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.update(
        LAPOR=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        API_TITLE="Lapor API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="v1/openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "reporterToken": {"type": "apiKey", "in": "header", "name": "X-Access-Token"},
                }
            }
        },
    )
    app.config.update(
        RATELIMIT_STORAGE_URI=storage_uri(settings.redis_url),
        RATELIMIT_ENABLED=settings.rate_limits,
        SESSION_COOKIE_SECURE=settings.secure_cookies,
    )
    app.config.update(overrides)
    proxies = settings.trusted_proxies
    if proxies:
        # Behind a reverse proxy: trust its X-Forwarded-* headers for client IP, scheme and host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app.url_map.converters["id"] = RowId  # before any route uses it
    db.init_app(app)
    enqueue_after_commit(db.session.session_factory.class_)
    if settings.database_url.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    bodies.init_app(app)  # before the CSRF check, which reads the body
    csrf.init_app(app)
    redis_ext.init_app(app)
    api.init_app(app)
    init_limits(app)

    from lapor import channels, errors, mailer
    from lapor.api import register as register_api
    from lapor.web import register as register_web

    register_api(app, api, csrf)
    register_web(app)
    channels.init_app(app)
    mailer.init_app(app)
    errors.register(app)
    return app


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # WAL lets the worker write while the web process reads; the timeout waits out the lock.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "pool_timeout": 5}


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
