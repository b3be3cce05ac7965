"""Run the Alembic migrations in migrations/ against the app's database."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from bot.config import ROOT
from bot.store import db


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def upgrade(revision: str = "head") -> None:
    """Create or migrate the schema of the current app's database."""
    config = alembic_config()
    with db.engine().begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(revision: str) -> None:
    config = alembic_config()
    with db.engine().begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
