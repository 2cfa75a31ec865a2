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


def test_every_migration_steps_down_and_up_again(settings, empty_database_url):
    """An operator can roll a release back one migration at a time, and forward again, on both
    backends: every step down leaves a schema the step up accepts."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from lapor.migrate import alembic_config

    config = alembic_config()
    revisions = [r.revision for r in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
    app = create_app(replace(settings, database_url=empty_database_url))

    def run(step, revision):
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    with app.app_context():
        try:
            run(command.upgrade, "head")
            with db.engine.begin() as connection:  # an installation in use: rows refer to an account
                connection.execute(text(
                    "INSERT INTO user_account (id, username, password_hash, role, active, created_at) "
                    "VALUES (1, 'admin', 'x', 'sysadmin', true, '2026-12-01 00:00:00+00:00')"))
                connection.execute(text(
                    "INSERT INTO staff_session (key_hash, user_id, created_at, seen_at) "
                    "VALUES ('k', 1, '2026-12-01 00:00:00+00:00', '2026-12-01 00:00:00+00:00')"))
                connection.execute(text(
                    "INSERT INTO admin_event (at, actor_kind, actor_user_id, actor_name, action, subject) "
                    "VALUES ('2026-12-01 00:00:00+00:00', 'staff', 1, 'admin', 'user.password', 'admin')"))
            for down, up in zip(reversed(revisions[:-1]), reversed(revisions[1:]), strict=True):
                run(command.downgrade, down)
                run(command.upgrade, up)
                run(command.downgrade, down)
            run(command.downgrade, "base")
            run(command.upgrade, "head")
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
        finally:
            db.engine.dispose()
    assert differences == []
