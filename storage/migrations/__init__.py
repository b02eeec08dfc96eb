"""Alembic migrations of the catalogue; :func:`migrate` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

HERE = Path(__file__).parent


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Upgrade to the newest revision. A catalogue made before migrations existed (tables but
    no ``alembic_version``) is first stamped with the revision its tables match."""
    config = _config(engine)
    tables = set(inspect(engine).get_table_names())
    if "dossiers" in tables and "alembic_version" not in tables:
        columns = {c["name"] for c in inspect(engine).get_columns("documents")}
        command.stamp(config, "0002" if "digitisation_code" in columns else "0001")
    command.upgrade(config, "head")
