"""(c) Tickets: creates and status changes per second with 50 concurrent
writers, on SQLite and on PostgreSQL; search latency (p50/p99) at 1,000,000
tickets.  Everything goes through ``TicketService`` (ticket, history and
outbox rows in one transaction), on a migrated database.

    python -m bench.bench_tickets [--tickets N] [--writers N] [--rounds N] [--no-postgres]

PostgreSQL is the server on 127.0.0.1:5432 (a private database, dropped at
the end); when it is not reachable its rows say so.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.report import bench_line
from infra.db import make_engine, make_sessionmaker
from infra.logs import configure
from kontakt.migrate import upgrade
from tickets.domain import Actor, format_number
from tickets.service import TicketService

OP = Actor("bench-op", "agent")
DEP = Actor("bench-dep", "department", "vodovod")
SUP = Actor("bench-sup", "supervisor")
_VOCABULARY = ("вода цев квар улица рупа асфалт смеће контејнер дрво грана паркинг аутобус "
               "линија стајалиште грејање радијатор топла хладна светло бандера тротоар "
               "семафор кашњење рачун таксе буком комарци пас парк клупа игралиште мост "
               "бициклистичка стаза пумпа притисак мирис одвод канализација поплава снег лед "
               "со решење захтев")
WORDS = _VOCABULARY.split()
DEPS = ("vodovod", "cistoca", "zelenilo", "gsp", "parking", "toplana", "saobracaj")
KINDS = ("complaint", "request", "suggestion", "information", "callback")
STATUSES = ("forwarded", "active", "resolved", "cancelled", "closed")


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


# -- databases -------------------------------------------------------------------

async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="test",
                                 timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Db:
    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind, self.tmp = kind, tmp
        self.name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
        self.url = (f"sqlite+aiosqlite:///{tmp / (self.name + '.db')}" if kind == "sqlite"
                    else f"postgresql+asyncpg://postgres@127.0.0.1:5432/{self.name}")

    async def __aenter__(self) -> Db:
        if self.kind == "postgres":
            await _pg_admin(f'CREATE DATABASE "{self.name}"')
        await upgrade(self.url)
        self.engine = make_engine(self.url, pool_size=20, max_overflow=40)
        self.sm = make_sessionmaker(self.engine)
        import tickets.notify.jobs  # noqa: F401
        from infra.db import Base

        async with self.engine.begin() as conn:  # tables without a revision yet
            await conn.run_sync(Base.metadata.create_all)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.engine.dispose()
        if self.kind == "postgres":
            await _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# -- (1) concurrent writers ------------------------------------------------------

async def writers(db: Db, n_writers: int, per_writer: int) -> tuple[float, float]:
    svc = TicketService(db.sm)

    async def create(w: int) -> list[str]:
        out = []
        for i in range(per_writer):
            t = await svc.open_ticket(Actor(f"op{w}", "agent"), kind="complaint",
                                      subject=f"Пријава {w}-{i}", description="нема воде",
                                      phone="+381641234567", department="vodovod")
            out.append(t["number"])
        return out

    t0 = time.perf_counter()
    numbers = await asyncio.gather(*[create(w) for w in range(n_writers)])
    creates = n_writers * per_writer / (time.perf_counter() - t0)

    async def move(nums: list[str]) -> None:
        for n in nums:
            await svc.change_status(DEP, n, "active", "преузето")

    t0 = time.perf_counter()
    await asyncio.gather(*[move(nums) for nums in numbers])
    changes = n_writers * per_writer / (time.perf_counter() - t0)
    return creates, changes


def _table(statement: str) -> str:
    words = statement.split()
    head = words[0].upper() if words else "?"
    if head in ("INSERT", "REPLACE"):
        return "insert " + words[2].strip('"').split("(")[0] if len(words) > 2 else head
    if head == "UPDATE":
        return "update " + words[1].strip('"') if len(words) > 1 else head
    if head == "SELECT" and "nextval" in statement:
        return "select nextval"
    return head.lower()


async def breakdown(db: Db, n: int) -> dict[str, float]:
    """Where one create's time goes (one writer, ``n`` creates; ms per create):
    the pure domain (validation and the ticket's events), the outbox and
    history payloads (JSON), each SQL statement in the driver, the commit
    (SQLite: WAL write, no fsync with synchronous=NORMAL; PostgreSQL: the
    server's commit and WAL flush), and the rest (SQLAlchemy's session and
    Core execution, asyncio, and aiosqlite's trips to its thread: three or
    four a statement, for the cursor, the statement, the rows, the close)."""
    from collections import defaultdict

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from tickets.change_rows import change_rows, pending_number
    from tickets.domain import Ticket
    from tickets.store import ticket_values

    svc = TicketService(db.sm)
    op = Actor("op1", "agent")
    sql: dict[str, float] = defaultdict(float)
    marks: dict[str, float] = {}

    def before(conn: Any, *_: Any) -> None:
        marks["stmt"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        sql[_table(statement)] += time.perf_counter() - marks.pop("stmt", time.perf_counter())

    def commit_starts(conn: Any) -> None:
        marks["commit"] = time.perf_counter()

    def commit_done(session: Any) -> None:
        if "commit" in marks:
            sql["commit"] += time.perf_counter() - marks.pop("commit")

    sync = db.engine.sync_engine
    for target, name, fn in ((sync, "before_cursor_execute", before),
                             (sync, "after_cursor_execute", after),
                             (sync, "commit", commit_starts),
                             (Session, "after_commit", commit_done)):
        event.listen(target, name, fn)
    try:
        for i in range(20):  # warm
            await svc.open_ticket(op, kind="complaint", subject=f"w{i}", description="x",
                                  phone="+381641234567", department="vodovod")
        sql.clear()
        t0 = time.perf_counter()
        for i in range(n):
            await svc.open_ticket(op, kind="complaint", subject=f"Пријава {i}",
                                  description="нема воде", phone="+381641234567",
                                  department="vodovod")
        total = (time.perf_counter() - t0) / n
    finally:
        for target, name, fn in ((sync, "before_cursor_execute", before),
                                 (sync, "after_cursor_execute", after),
                                 (sync, "commit", commit_starts),
                                 (Session, "after_commit", commit_done)):
            event.remove(target, name, fn)

    at = datetime.now(UTC)
    t0 = time.perf_counter()
    tickets = []
    for i in range(n):
        t = Ticket.open(op, number=pending_number(), kind="complaint",
                        subject=f"Пријава {i}", description="нема воде", phone="+381641234567",
                        at=at, channel="phone", name=None, email=None, address=None,
                        lat=None, lon=None, language="sr", call=None)
        t.forward(op, "vodovod", at, "")
        tickets.append(t)
    domain = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for t in tickets:  # what TicketWriter.create builds before its transaction
        ticket_values(t)
        change_rows(t, notify_on=svc.notify_on, escalate=False).numbered(t.number, "NS-1-1")
    events = (time.perf_counter() - t0) / n
    parts = {"total": total, "validation + domain": domain, "outbox + history payloads": events}
    parts.update({k: v / n for k, v in sorted(sql.items(), key=lambda kv: -kv[1])})
    parts["SQLAlchemy, driver hops (the rest)"] = total - sum(
        v for k, v in parts.items() if k != "total")
    return {k: v * 1000 for k, v in parts.items()}


# -- (2) search at scale ---------------------------------------------------------

def _rows(n: int, rng: random.Random, start: datetime) -> Any:
    step = timedelta(days=365) / n
    for i in range(n):
        at = start + step * i
        yield {
            "number": format_number(at.year, i + 1), "kind": rng.choice(KINDS),
            "status": rng.choice(STATUSES), "subject": " ".join(rng.sample(WORDS, 3)),
            "description": " ".join(rng.sample(WORDS, 8)),
            "phone": f"+3816{rng.randrange(10**7, 10**8) % 200_000:08d}",
            "department": rng.choice(DEPS), "opened_by": f"agent{rng.randrange(20):02d}",
            "channel": "phone", "language": "sr", "created_at": at, "updated_at": at,
        }


async def load(db: Db, n: int) -> float:
    """Bulk-load ``n`` tickets (indexes and the full text index built after)."""
    rng = random.Random(11)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    cols = ["number", "kind", "status", "subject", "description", "phone", "department",
            "opened_by", "channel", "language", "created_at", "updated_at"]
    if db.kind == "postgres":
        import asyncpg

        conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres",
                                     database=db.name)
        try:
            await conn.execute("DROP INDEX ix_tickets_search_tsv")
            await conn.copy_records_to_table(
                "tickets", columns=cols,
                records=([r[c] for c in cols] for r in _rows(n, rng, start)))
            await conn.execute(
                "CREATE INDEX ix_tickets_search_tsv ON tickets USING gin (search_tsv)")
            await conn.execute("ANALYZE tickets")
        finally:
            await conn.close()
    else:
        import sqlite3

        path = db.url.split("///", 1)[1]
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("BEGIN")
            con.execute("DROP TRIGGER tickets_fts_ai")
            sql = (f"INSERT INTO tickets ({', '.join(cols)}) VALUES "
                   f"({', '.join('?' for _ in cols)})")
            # SQLAlchemy's SQLite DateTime text format (compared as text).
            con.executemany(sql, ([r[c].strftime("%Y-%m-%d %H:%M:%S.%f")
                                   if isinstance(r[c], datetime) else r[c] for c in cols]
                                  for r in _rows(n, rng, start)))
            con.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")
            con.execute("CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN "
                        "INSERT INTO tickets_fts(rowid, subject, description) "
                        "VALUES (new.id, new.subject, new.description); END")
            con.execute("COMMIT")
            con.execute("ANALYZE")
        finally:
            con.close()
    return time.perf_counter() - t0


async def search_latency(db: Db, n: int, samples: int) -> dict[str, tuple[float, float]]:
    svc = TicketService(db.sm)
    rng = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def number() -> dict[str, Any]:
        return {"number": format_number(2026, rng.randrange(1, n + 1))}

    def phone() -> dict[str, Any]:
        return {"phone": f"+3816{rng.randrange(200_000):08d}"}

    def dep_status() -> dict[str, Any]:
        return {"department": rng.choice(DEPS), "status": rng.choice(STATUSES)}

    def kind_range() -> dict[str, Any]:
        since = start + timedelta(days=rng.randrange(350))
        return {"kind": rng.choice(KINDS), "since": since, "until": since + timedelta(days=7)}

    def text1() -> dict[str, Any]:
        return {"text": rng.choice(WORDS)}

    def text2() -> dict[str, Any]:
        return {"text": " ".join(rng.sample(WORDS, 2))}

    def typo() -> dict[str, Any]:  # found nowhere: the worst case of a text search
        return {"text": f"жџx{rng.randrange(10**6)}"}

    out = {}
    for name, make in (("by number", number), ("by caller number", phone),
                       ("department + status", dep_status),
                       ("kind + 7-day range", kind_range),
                       ("full text, one word", text1), ("full text, two words", text2),
                       ("full text, no match", typo)):
        await svc.search(SUP, **make())  # warm
        times = []
        for _ in range(samples):
            q = make()
            t0 = time.perf_counter()
            await svc.search(SUP, limit=50, **q)
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = (_pct(times, 0.5), _pct(times, 0.99))
    return out


# -- main ----------------------------------------------------------------------

async def _pg_available() -> bool:
    try:
        await _pg_admin("SELECT 1")
        return True
    except Exception:
        return False


async def run_writes(n_writers: int, per_writer: int, rounds: int, kinds: list[str],
                     tmp: Path) -> None:
    tput: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    for _ in range(rounds):
        for kind in kinds:
            async with Db(kind, tmp) as db:
                tput[kind].append(await writers(db, n_writers, per_writer))
    print(f"Tickets, {n_writers} concurrent writers x {per_writer} each, "
          f"median of {rounds} rounds (operations per second)")
    print(f"{'operation':<22}" + "".join(f"{k:>12}" for k in kinds)
          + ("" if len(kinds) < 2 else f"{'pg/sqlite':>12}"))
    figures: dict[str, Any] = {"writers": n_writers}
    for i, (name, key) in enumerate((("ticket creates", "creates_per_s"),
                                     ("status changes", "changes_per_s"))):
        meds = [statistics.median(r[i] for r in tput[k]) for k in kinds]
        ratio = f"{meds[1] / meds[0]:>12.2f}" if len(meds) == 2 else ""
        print(f"{name:<22}" + "".join(f"{m:>12.0f}" for m in meds) + ratio)
        for k, m in zip(kinds, meds, strict=True):
            figures[f"{k}_{key}"] = round(m, 1)
    if "postgres" not in kinds:
        print("(PostgreSQL on 127.0.0.1:5432 not reachable: no PostgreSQL column)")
    parts: dict[str, dict[str, float]] = {}
    for kind in kinds:
        async with Db(kind, tmp) as db:
            parts[kind] = await breakdown(db, 300)
    print("\nOne ticket create, one writer, where the time goes (ms per create)")
    names = list(dict.fromkeys(n for k in kinds for n in parts[k]))
    print(f"{'part':<34}" + "".join(f"{k:>12}" for k in kinds))
    for name in names:
        print(f"{name:<34}" + "".join(f"{parts[k].get(name, 0.0):>12.3f}" for k in kinds))
    figures["create_ms"] = {k: {n: round(v, 3) for n, v in parts[k].items()} for k in kinds}
    bench_line("tickets", **figures)


async def run_search(tickets: int, samples: int, kinds: list[str], tmp: Path) -> None:
    lat: dict[str, dict[str, tuple[float, float]]] = {}
    loaded: dict[str, float] = {}
    for kind in kinds:
        async with Db(kind, tmp) as db:
            loaded[kind] = await load(db, tickets)
            lat[kind] = await search_latency(db, tickets, samples)
    print(f"Ticket search at {tickets:,} tickets, limit 50, {samples} queries each "
          "(milliseconds)")
    print(f"{'query':<24}" + "".join(f"{k + ' p50':>13}{k + ' p99':>13}" for k in kinds))
    for q in lat[kinds[0]]:
        print(f"{q:<24}" + "".join(f"{lat[k][q][0]:>13.2f}{lat[k][q][1]:>13.2f}"
                                   for k in kinds))
    print("bulk load (s): " + ", ".join(f"{k} {loaded[k]:.0f}" for k in kinds))


async def run(tickets: int, n_writers: int, per_writer: int, rounds: int, samples: int,
              postgres: bool, only: str | None = None) -> None:
    kinds = ["sqlite"] + (["postgres"] if postgres and await _pg_available() else [])
    with tempfile.TemporaryDirectory(prefix="kontakt-bench-tickets-") as tmp:
        if only in (None, "writes"):
            await run_writes(n_writers, per_writer, rounds, kinds, Path(tmp))
        if only is None:
            print()
        if only in (None, "search"):
            await run_search(tickets, samples, kinds, Path(tmp))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_tickets")
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--writers", type=int, default=50)
    p.add_argument("--per-writer", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--only", choices=("writes", "search"))
    a = p.parse_args(argv if argv is not None else [])
    configure("warning")
    asyncio.run(run(a.tickets, a.writers, a.per_writer, a.rounds, a.samples,
                    not a.no_postgres, a.only))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
