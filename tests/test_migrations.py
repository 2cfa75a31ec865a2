"""The migrations have one head and build exactly the schema the models describe."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from lapor.app import create_app
from lapor.extensions import db
from lapor.migrate import heads, upgrade


def test_migrations_have_a_single_head():
    assert len(heads()) == 1


@pytest.fixture
def empty_database_url(settings, tmp_path):
    """A new, empty database on the backend of this run."""
    if settings.database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"lapor_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield settings.database_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_the_models(settings, empty_database_url):
    app = create_app(replace(settings, database_url=empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
