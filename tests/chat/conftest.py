"""A migrated database on SQLite (tmp file) and on PostgreSQL (a private
database, created and dropped here) for the conversation tests."""

from __future__ import annotations

import pytest

from tests.dbs import (
    KINDS,
    migrated,
    sm,  # noqa: F401  (fixture)
)


@pytest.fixture(params=KINDS)
async def db_url(request, tmp_path):
    async with migrated(request.param, tmp_path, "chat") as url:
        yield url


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()
