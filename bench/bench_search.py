"""Full-text ticket search at 1,000,000 tickets on SQLite (FTS5) and
PostgreSQL (tsvector under GIN), both alphabets.

Tickets are written half in Cyrillic, half in Latin (with diacritics), and
one in three names a Novi Sad street, in either alphabet.  Queries, through
``TicketService.search`` (newest first, limit 50), each timed ``--samples``
times: ``one_word`` and ``two_words`` from the vocabulary in either
alphabet, ``no_match`` (a word found nowhere) and ``cross_alphabet`` (a
street in the alphabet other than half its tickets' own, as in "Bulevar
oslobođenja" for "Булевар ослобођења").  The load is a bulk insert (COPY on
PostgreSQL, one executemany on SQLite) with the full-text index built after.

    python -m bench.bench_search [--tickets N] [--samples N] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_tickets import DEPS, KINDS, STATUSES, SUP, WORDS, Db, _pct, _pg_available
from bench.report import bench_line
from infra.logs import configure
from tickets.domain import format_number
from tickets.fold import search_text
from tickets.service import TicketService

# Serbian Cyrillic to Latin with its diacritics: how the citizens write it.
_LATIN = str.maketrans({**dict(zip("абвгдђежзијклмнопрстћуфхцчш",
                                    "abvgdđežzijklmnoprstćufhcčš", strict=True)),
                        "љ": "lj", "њ": "nj", "џ": "dž"})
STREETS = ("Булевар ослобођења", "Футошка", "Змај Јовина", "Јеврејска", "Булевар Европе",
           "Темеринска", "Кисачка", "Радничка", "Житни трг", "Шафарикова", "Његошева",
           "Бранимира Ћосића", "Јанка Чмелика", "Суботичка", "Руменачка", "Ђорђа Сервицког")
QUERIES = ("one_word", "two_words", "no_match", "cross_alphabet")
COLS = ["number", "kind", "status", "subject", "description", "search_text", "phone",
        "department", "opened_by", "channel", "language", "created_at", "updated_at"]


def latin(s: str) -> str:
    return s.translate(_LATIN)


def _rows(n: int, rng: random.Random, start: datetime) -> Any:
    step = timedelta(days=365) / n
    for i in range(n):
        at = start + step * i
        script = (lambda s: s) if i % 2 else latin
        subject = script(" ".join(rng.sample(WORDS, 3)).capitalize())
        words = " ".join(rng.sample(WORDS, 8))
        if rng.random() < 1 / 3:
            words += f", {rng.choice(STREETS)} {rng.randrange(1, 120)}"
        description = script(words)
        yield (format_number(at.year, i + 1), rng.choice(KINDS), rng.choice(STATUSES),
               subject, description, search_text(subject, description),
               f"+3816{rng.randrange(10**7, 10**8) % 200_000:08d}", rng.choice(DEPS),
               f"agent{rng.randrange(20):02d}", "phone", "sr", at, at)


async def load(db: Db, n: int) -> float:
    """Bulk-load ``n`` tickets; the full-text index is built after the rows."""
    rng = random.Random(11)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    if db.kind == "postgres":
        import asyncpg

        conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres",
                                     database=db.name)
        try:
            await conn.execute("DROP INDEX ix_tickets_search_tsv")
            await conn.copy_records_to_table("tickets", columns=COLS,
                                             records=_rows(n, rng, start))
            await conn.execute(
                "CREATE INDEX ix_tickets_search_tsv ON tickets USING gin (search_tsv)")
            await conn.execute("VACUUM ANALYZE tickets")
            # Flush the load's WAL now: a checkpoint writing a million rows
            # behind the queries gave two of them 100 ms (steady state is the
            # figure wanted, not the load's after-effects).
            await conn.execute("CHECKPOINT")
        finally:
            await conn.close()
        return time.perf_counter() - t0
    import sqlite3

    con = sqlite3.connect(db.url.split("///", 1)[1], isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=OFF")  # a bench database: no fsync while loading
        con.execute("PRAGMA cache_size=-262144")  # 256 MiB of page cache for the load
        con.execute("BEGIN")
        (trigger,) = con.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND name = 'tickets_fts_ai'").fetchone()
        con.execute("DROP TRIGGER tickets_fts_ai")
        fmt = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DateTime text (compared as text)
        con.executemany(
            f"INSERT INTO tickets ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})",
            ((*r[:-2], r[-2].strftime(fmt), r[-1].strftime(fmt)) for r in _rows(n, rng, start)))
        con.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")
        con.execute(trigger)
        con.execute("COMMIT")
        con.execute("ANALYZE")
    finally:
        con.close()
    return time.perf_counter() - t0


def _makers(rng: random.Random) -> dict[str, Any]:
    def either(s: str) -> str:
        return latin(s) if rng.random() < 0.5 else s

    return {
        "one_word": lambda: either(rng.choice(WORDS)),
        "two_words": lambda: either(" ".join(rng.sample(WORDS, 2))),
        "no_match": lambda: f"{either('жџ')}x{rng.randrange(10**6)}",
        "cross_alphabet": lambda: either(rng.choice(STREETS)),
    }


async def latency(db: Db, samples: int) -> tuple[dict[str, float], dict[str, float],
                                                 dict[str, int]]:
    svc = TicketService(db.sm)
    makers = _makers(random.Random(5))
    p50, p99, found = {}, {}, {}
    for name in QUERIES:
        make = makers[name]
        await svc.search(SUP, text=make())  # warm
        times, hits = [], 0
        for _ in range(samples):
            q = make()
            t0 = time.perf_counter()
            rows = await svc.search(SUP, text=q, limit=50)
            times.append((time.perf_counter() - t0) * 1000)
            hits += bool(rows)
        p50[name], p99[name] = round(_pct(times, 0.5), 2), round(_pct(times, 0.99), 2)
        found[name] = hits
    return p50, p99, found


async def server_ms(db: Db) -> dict[str, float]:
    """PostgreSQL's own execution time (EXPLAIN ANALYZE) of each query's
    statements as the service runs them: the database's part, without the
    client's (which a loaded machine inflates)."""
    from sqlalchemy import text as sql_text
    from sqlalchemy.dialects import postgresql

    from tickets.search import RECENT, search_query

    out = {}
    makers = _makers(random.Random(9))
    async with db.sm() as s:
        for name in QUERIES:
            q = makers[name]()
            total = 0.0
            for recent in (RECENT, None):
                stmt = search_query("postgresql", text_q=q, limit=50, recent=recent)
                compiled = stmt.compile(dialect=postgresql.dialect(),
                                        compile_kwargs={"literal_binds": True})
                plan = (await s.execute(sql_text(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}"))
                        ).scalar()
                total += float(plan[0]["Execution Time"])
                if recent is None or plan[0]["Plan"].get("Actual Rows", 0) >= 50:
                    break
            out[name] = round(total, 2)
    return out


async def run(tickets: int, samples: int, postgres: bool) -> dict[str, Any]:
    kinds = ["sqlite"] + (["postgres"] if postgres and await _pg_available() else [])
    res: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="kontakt-bench-search-") as tmp:
        for kind in kinds:
            async with Db(kind, Path(tmp)) as db:
                loaded = await load(db, tickets)
                res[kind] = (loaded, *await latency(db, samples))
                if kind == "postgres":
                    res["server"] = await server_ms(db)
    print(f"Full-text search at {tickets:,} tickets, newest first, limit 50, {samples} "
          "queries each (milliseconds; found = queries with a result)")
    print(f"{'query':<16}" + "".join(f"{k + ' p50':>13}{k + ' p99':>13}{'found':>7}"
                                     for k in kinds))
    for q in QUERIES:
        print(f"{q:<16}" + "".join(f"{res[k][1][q]:>13.2f}{res[k][2][q]:>13.2f}"
                                   f"{res[k][3][q]:>7}" for k in kinds))
    print("bulk load (s): " + ", ".join(f"{k} {res[k][0]:.0f}" for k in kinds))
    if "server" in res:
        print("PostgreSQL's own execution time, one query each (ms): "
              + ", ".join(f"{q} {ms:.2f}" for q, ms in res["server"].items()))
    if "postgres" not in kinds:
        print("(PostgreSQL on 127.0.0.1:5432 not reachable: no PostgreSQL column)")
    figures: dict[str, Any] = {"tickets": tickets, "samples": samples}
    for k in kinds:
        figures[f"{k}_p99_ms"] = res[k][2]
        figures[f"{k}_p50_ms"] = res[k][1]
        figures[f"{k}_found"] = res[k][3]
        figures[f"{k}_load_s"] = round(res[k][0], 1)
    if "server" in res:
        figures["postgres_server_ms"] = res["server"]
    return bench_line("search", **figures)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m bench.bench_search")
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--no-postgres", action="store_true")
    a = p.parse_args(argv if argv is not None else [])
    configure("warning")
    return asyncio.run(run(a.tickets, a.samples, not a.no_postgres))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
