"""Running the Alembic migrations from the app's own database connection."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

import migrations
from lapor.extensions import db


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def upgrade(revision: str = "head") -> None:
    """Bring the app's database up to `revision` (call inside an app context); at the head, add
    the standard SLA policies it lacks (a new installation has none to route reports under)."""
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    if revision == "head":
        from lapor import audit
        from lapor.clock import utcnow
        from lapor.sla.adapter import ensure_standard_policies

        for policy in ensure_standard_policies():
            audit.record(None, "policy.create", policy.code, utcnow(), {
                "name": policy.name, "disposition_days": policy.disposition_days,
                "followup_days": policy.followup_days, "extended_followup_days": policy.extended_followup_days})
        db.session.commit()


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config()).get_heads())
