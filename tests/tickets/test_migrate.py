"""Alembic migrations on SQLite and PostgreSQL: upgrade to head from code,
idempotent, the ticket tables and full text index in place, and the ticket
number sequence revision reversible."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from infra.db import make_engine
from kontakt import migrate
from tests.dbs import KINDS, drop, migrated_url

TABLES = {"tickets", "ticket_calls", "ticket_history", "ticket_counters", "outbox",
          "ticket_number_years"}


@pytest.fixture(params=KINDS)
async def fresh_url(request, tmp_path):
    url, name = await migrated_url(request.param, tmp_path)
    yield url
    await drop(name)


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_to_head_and_again(fresh_url):
    assert await migrate.current(fresh_url) == migrate.head()
    await migrate.upgrade(fresh_url)  # nothing to do
    assert await migrate.current(fresh_url) == migrate.head()
    tables = await _tables(fresh_url)
    assert tables >= TABLES
    if fresh_url.startswith("sqlite"):
        assert "tickets_fts" in tables


async def test_number_sequence_revision_goes_down_and_up(fresh_url):
    await migrate.downgrade(fresh_url, "0003_http_users_call_log")
    assert "ticket_number_years" not in await _tables(fresh_url)
    await migrate.upgrade(fresh_url)
    assert "ticket_number_years" in await _tables(fresh_url)
