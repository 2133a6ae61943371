"""Schema migrations (Alembic, ``kontakt/migrations``), run from code.

``await upgrade(url)`` brings a SQLite or PostgreSQL database to the newest
revision; ``kontakt run``, ``kontakt demo``, ``kontakt db upgrade`` and the
tests call it.  Every table of kontakt goes through a revision here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from infra.db import make_engine
from infra.logs import get_logger

log = get_logger()

HERE = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, revision: str = "head") -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run, "upgrade", revision)
    finally:
        await engine.dispose()
    log.info("db.upgraded", revision=revision)


async def downgrade(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run, "downgrade", revision)
    finally:
        await engine.dispose()


async def current(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


def _run(connection: Any, what: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    getattr(command, what)(cfg, revision)
