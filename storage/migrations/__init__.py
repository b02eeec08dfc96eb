"""Alembic migrations of the catalogue; :func:`migrate` brings a database to the newest schema."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
HEAD = max(p.name[:4] for p in (HERE / "versions").glob("0*.py"))


def _config(engine: Engine) -> Config:
    from alembic.config import Config  # only when there is something to migrate

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK = 0x50A0A  # PostgreSQL advisory lock key: one migrating process at a time


@contextmanager
def _alone(engine: Engine) -> Iterator[None]:
    """One process migrates at a time; the others wait, then find nothing left to do."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(f"{engine.url.database}.migrate-lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    elif engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": MIGRATION_LOCK})
    else:
        yield


def _current(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # no table yet: a new or pre-migration catalogue
        return None


def migrate(engine: Engine) -> None:
    """Upgrade to the newest revision, one process at a time (nothing to do, the common case,
    costs one query). A catalogue made before migrations existed (tables but no
    ``alembic_version``) is first stamped with the revision its tables match."""
    if _current(engine) == HEAD:
        return
    with _alone(engine):
        _migrate(engine)


def _migrate(engine: Engine) -> None:
    from alembic import command

    config = _config(engine)
    tables = set(inspect(engine).get_table_names())
    if "dossiers" in tables and "alembic_version" not in tables:
        columns = {c["name"] for c in inspect(engine).get_columns("documents")}
        command.stamp(config, "0002" if "digitisation_code" in columns else "0001")
    command.upgrade(config, "head")
