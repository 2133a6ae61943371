"""Users of the workstations: the ``users`` table, argon2 password hashes
and the few queries the HTTP service and ``kontakt user`` need.

Roles follow ``tickets.domain.Actor``: ``agent`` (оператер), ``department``
(запослени у јавном сервису), ``supervisor`` (супервизор), ``admin``
(систем инжењер).  Department staff carry their department's id; agents
carry the seat/endpoint they answer on (``agent07``).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Boolean, DateTime, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base

ROLES = ("agent", "department", "supervisor", "admin")
LANGS = ("sr-Cyrl", "sr-Latn", "en")
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")

# argon2id with the library's current defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong username costs
# the same time as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("kontakt-dummy-password")


class UserError(ValueError):
    """Bad user data; ``code`` is stable, ``details`` names the field."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    full_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    lang: Mapped[str] = mapped_column(String(8), nullable=False, default="sr-Cyrl")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=lambda: datetime.now(UTC)
    )


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    department: str | None
    agent_id: str | None
    full_name: str
    lang: str

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(row.id, row.username, row.role, row.department, row.agent_id,
                   row.full_name, row.lang)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "role": self.role,
                "department": self.department, "agent_id": self.agent_id,
                "full_name": self.full_name, "lang": self.lang}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# Argon2 costs tens of milliseconds of CPU, hundreds on a loaded machine: in
# a thread (argon2-cffi lets go of the GIL), never on the event loop that
# routes the calls, and never inside a transaction (SQLite's write lock).
# Each hash takes the profile's 64 MiB: at most two at a time, so twenty
# operators logging in at 07:30 cost 128 MiB, not one per worker thread (the
# soak's start, creating its users, peaked at 460 MB).
_ARGON2_AT_ONCE = 2
# One semaphore per event loop (an asyncio primitive belongs to one loop).
_argon2_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


async def _in_turn(fn: Any, *args: str) -> Any:
    loop = asyncio.get_running_loop()
    turns = _argon2_turns.get(loop)
    if turns is None:
        turns = _argon2_turns[loop] = asyncio.Semaphore(_ARGON2_AT_ONCE)
    async with turns:
        return await asyncio.to_thread(fn, *args)


async def hash_password_async(password: str) -> str:
    return str(await _in_turn(hash_password, password))


async def verify_password_async(password_hash: str, password: str) -> bool:
    return bool(await _in_turn(verify_password, password_hash, password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_new_user(username: str, password: str, role: str, department: str | None,
                   agent_id: str | None, lang: str = "sr-Cyrl") -> None:
    """Check first: every problem of a new user, before anything is written."""
    if not _USERNAME.match(username or ""):
        raise UserError("user.bad_username", f"username {username!r}: use 2-32 of a-z, 0-9, . _ -",
                        username=username)
    if len(password or "") < 8:
        raise UserError("user.weak_password", "password: at least 8 characters")
    if role not in ROLES:
        raise UserError("user.bad_role", f"role {role!r}: one of {', '.join(ROLES)}", role=role)
    if role == "department" and not department:
        raise UserError("user.department_required", "department staff need --department",
                        role=role)
    if role == "agent" and not agent_id:
        raise UserError("user.agent_required", "agents need --agent (their seat, e.g. agent07)",
                        role=role)
    if lang not in LANGS:
        raise UserError("user.bad_lang", f"lang {lang!r}: one of {', '.join(LANGS)}", lang=lang)


async def add_user(sessionmaker: Any, username: str, password: str, role: str, *,
                   department: str | None = None, agent_id: str | None = None,
                   full_name: str = "", lang: str = "sr-Cyrl") -> User:
    check_new_user(username, password, role, department, agent_id, lang)
    hashed = await hash_password_async(password)
    async with sessionmaker() as s, s.begin():
        taken = await s.scalar(select(UserRow.id).where(UserRow.username == username))
        if taken is not None:
            raise UserError("user.exists", f"user {username!r} exists", username=username)
        row = UserRow(username=username, password_hash=hashed, role=role,
                      department=department if role == "department" else None,
                      agent_id=agent_id if role == "agent" else None,
                      full_name=full_name, lang=lang, active=True)
        s.add(row)
        await s.flush()
        return User.of(row)


async def authenticate(sessionmaker: Any, username: str, password: str) -> User | None:
    async with sessionmaker() as s:
        row = await s.scalar(select(UserRow).where(UserRow.username == username))
    if row is None or not row.active:
        await verify_password_async(_DUMMY_HASH, password)
        return None
    if not await verify_password_async(row.password_hash, password):
        return None
    return User.of(row)


async def get_user(sessionmaker: Any, user_id: int) -> User | None:
    async with sessionmaker() as s:
        row = await s.get(UserRow, user_id)
    return User.of(row) if row is not None and row.active else None


async def list_users(sessionmaker: Any, *, role: str | None = None,
                     department: str | None = None) -> list[User]:
    q = select(UserRow).where(UserRow.active.is_(True)).order_by(UserRow.username)
    if role:
        q = q.where(UserRow.role == role)
    if department:
        q = q.where(UserRow.department == department)
    async with sessionmaker() as s:
        return [User.of(r) for r in (await s.scalars(q)).all()]


async def count_admins(sessionmaker: Any) -> int:
    async with sessionmaker() as s:
        n = await s.scalar(select(func.count()).select_from(UserRow).where(
            UserRow.role == "admin", UserRow.active.is_(True)))
    return int(n or 0)


async def set_password(sessionmaker: Any, username: str, password: str) -> None:
    if len(password or "") < 8:
        raise UserError("user.weak_password", "password: at least 8 characters")
    hashed = await hash_password_async(password)
    async with sessionmaker() as s, s.begin():
        row = await s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise UserError("user.not_found", f"no user {username!r}", username=username)
        row.password_hash = hashed


DEMO_STAFF_DEPARTMENTS = 4


async def seed_demo_users(sessionmaker: Any, departments: list[str] | None = None,
                          seats: int = 20) -> list[tuple[str, str, str, str | None]]:
    """Demo only: random passwords for agent01..agentNN, a supervisor, an
    admin and one staff user for each of the first few departments.
    Returns (username, password, role, department or agent) to print."""
    if departments is None:
        from dialplan.departments import default_departments
        departments = [d.id for d in default_departments()]
    plan: list[tuple[str, str, str | None]] = [
        (f"agent{n:02d}", "agent", f"agent{n:02d}") for n in range(1, seats + 1)]
    plan += [("supervisor", "supervisor", None), ("admin", "admin", None)]
    plan += [(f"staff-{d}"[:32], "department", d) for d in departments[:DEMO_STAFF_DEPARTMENTS]]
    out = []
    for username, role, where in plan:
        password = secrets.token_urlsafe(9)
        try:
            await add_user(sessionmaker, username, password, role,
                           department=where if role == "department" else None,
                           agent_id=where if role == "agent" else None)
        except UserError as e:
            if e.code != "user.exists":
                raise
            await set_password(sessionmaker, username, password)
        out.append((username, password, role, where))
    return out


async def require_admin(sessionmaker: Any) -> None:
    """``kontakt run`` refuses to start without an administrator (no default
    passwords outside the demo)."""
    if await count_admins(sessionmaker) == 0:
        raise UserError("user.no_admin",
                        "no administrator: create one with `kontakt user add NAME --role admin`")
