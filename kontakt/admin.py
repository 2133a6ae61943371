"""The first administrator of a new installation (`kontakt setup`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    password: str | None  # generated: shown once; None when it was asked
    generated: bool


async def first_admin(url: str, username: str, password: str | None) -> FirstAdmin | None:
    """Add ``username`` as administrator when the database has no user yet
    (None: users exist, nothing done).  Without ``password`` one is generated."""
    from sqlalchemy import func, select

    from infra.db import make_engine, make_sessionmaker
    from kontakt.http import users

    engine = make_engine(url)
    try:
        sm = make_sessionmaker(engine)
        async with sm() as s:
            if await s.scalar(select(func.count()).select_from(users.UserRow)):
                return None
        generated = password is None
        pw = password or secrets.token_urlsafe(12)
        await users.add_user(sm, username, pw, "admin", full_name="Administrator")
        return FirstAdmin(username, pw if generated else None, generated)
    finally:
        await engine.dispose()
