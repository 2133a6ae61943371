"""Full text in both alphabets, on SQLite and PostgreSQL: Latin and Cyrillic
spellings find each other, diacritics do not matter, the index follows
updates and anonymisation, newest first within the limit, and the rows
there before the migration are found after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import DateTime, bindparam, text

from infra.db import make_engine
from kontakt import migrate
from tickets.domain import Actor
from tickets.fold import fold
from tickets.service import TicketService

OP = Actor("op1", "agent")
SUP = Actor("sup", "supervisor")


def test_fold_writes_both_alphabets_alike():
    assert fold("Булевар ослобођења") == fold("Bulevar oslobođenja") == "bulevar oslobodjenja"
    assert fold("Bulevar Oslobodjenja") == "bulevar oslobodjenja"
    assert fold("УЛИЦА Ulica улица") == "ulica ulica ulica"
    assert fold("Џак ђак ћевап Чај Шума Жаба Љубав Њива") == (
        "dzak djak cevap caj suma zaba ljubav njiva")
    assert fold("Szabadság tér, Árpád") == "szabadsag ter, arpad"


@pytest.fixture
def svc(sm, clock):
    return TicketService(sm, clock=clock)


def num(found):
    return [t["number"] for t in found]


async def test_latin_and_cyrillic_find_each_other(svc, clock):
    a = await svc.open_ticket(OP, kind="complaint", subject="Рупа на путу",
                              description="Булевар ослобођења 12, код семафора")
    clock.advance(hours=1)
    b = await svc.open_ticket(OP, kind="complaint", subject="Ulica bez svetla",
                              description="Bulevar oslobođenja kod Merkatora")
    clock.advance(hours=1)
    c = await svc.open_ticket(OP, kind="request", subject="Улица Футошка",
                              description="Šljunak na trotoaru")
    newest_first = [c["number"], b["number"], a["number"]]
    both = [b["number"], a["number"]]
    assert num(await svc.search(SUP, text="Bulevar oslobođenja")) == both
    assert num(await svc.search(SUP, text="Булевар ослобођења")) == both
    assert num(await svc.search(SUP, text="bulevar oslobodjenja")) == both  # typed without đ
    assert num(await svc.search(SUP, text="ulica")) == [c["number"], b["number"]]
    assert num(await svc.search(SUP, text="УЛИЦА")) == [c["number"], b["number"]]
    assert num(await svc.search(SUP, text="шљунак")) == [c["number"]]
    assert num(await svc.search(SUP, text="sljunak")) == [c["number"]]
    assert num(await svc.search(SUP, text="семафор")) == [a["number"]]
    assert num(await svc.search(SUP, text="osl")) == both  # a word's beginning
    assert num(await svc.search(SUP, text="булевар merkatora")) == [b["number"]]
    assert num(await svc.search(SUP, text="oslobođenja nigde")) == []
    assert num(await svc.search(SUP, text="на")) == [c["number"], a["number"]]  # "na trotoaru"
    assert num(await svc.search(SUP, text="Ul")) == newest_first[:2]
    assert num(await svc.search(SUP, text="bulevar", limit=1)) == [b["number"]]


async def test_many_matches_newest_first_within_the_limit(svc, clock):
    made = []
    for i in range(30):
        clock.advance(minutes=1)
        made.append((await svc.open_ticket(OP, kind="complaint", subject=f"Квар {i}",
                                           description="нема воде у улици"))["number"])
    assert num(await svc.search(SUP, text="voda ulici", limit=7)) == []  # "voda" is no prefix
    assert num(await svc.search(SUP, text="vode ulici", limit=7)) == made[::-1][:7]
    assert num(await svc.search(SUP, text="квар", limit=50)) == made[::-1]


async def test_whole_words_fill_the_limit_before_words_they_begin(svc, sm, clock):
    """SQLite: the words as written first (FTS5 stops at the limit), their
    beginnings only to fill it; PostgreSQL: newest first either way."""
    old = await svc.open_ticket(OP, kind="complaint", subject="Улица без светла",
                                description="мрак")
    clock.advance(hours=1)
    new = await svc.open_ticket(OP, kind="complaint", subject="Улицама тече вода",
                                description="поплава")
    async with sm() as s:
        sqlite = s.bind.dialect.name == "sqlite"
    assert num(await svc.search(SUP, text="ulica", limit=1)) == (
        [old["number"]] if sqlite else [new["number"]])
    assert num(await svc.search(SUP, text="ulica", limit=5)) == [new["number"], old["number"]]
    assert num(await svc.search(SUP, text="ulicam", limit=1)) == [new["number"]]


async def test_rows_from_before_the_migration_are_found(db_url):
    """Downgrade below the fold, write a row the old way, upgrade: backfilled."""
    await migrate.downgrade(db_url, "0009_deadlines_returns_merges")  # the revision before
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO tickets (number, kind, status, subject, description, opened_by, "
                "channel, language, created_at, updated_at) VALUES ('NS-2027-000001', "
                "'complaint', 'forwarded', 'Стара пријава', 'Булевар ослобођења', 'op1', "
                "'phone', 'sr', :t, :t)").bindparams(bindparam("t", type_=DateTime(timezone=True))),
                {"t": datetime(2027, 1, 1, 10, tzinfo=UTC)})
        await migrate.upgrade(db_url)
        async with engine.connect() as conn:
            folded = (await conn.execute(text("SELECT search_text FROM tickets"))).scalar()
    finally:
        await engine.dispose()
    assert folded == "stara prijava bulevar oslobodjenja"
    from infra.db import make_sessionmaker

    engine = make_engine(db_url)
    try:
        found = await TicketService(make_sessionmaker(engine)).search(SUP, text="Bulevar")
    finally:
        await engine.dispose()
    assert num(found) == ["NS-2027-000001"]


async def test_an_anonymised_description_leaves_the_index(svc, sm, clock):
    from kontakt.privacy.anonymise import anonymise_tickets

    t = await svc.open_ticket(OP, kind="complaint", subject="Рупа на путу",
                              description="Јавио Петар Петровић, Булевар 5")
    assert num(await svc.search(SUP, text="petrovic")) == [t["number"]]
    async with sm() as s, s.begin():
        ids = [(await s.execute(text("SELECT id FROM tickets"))).scalar()]
        await anonymise_tickets(s, ids, at=clock(), actor="sup", role="supervisor", why="test")
    assert num(await svc.search(SUP, text="petrovic")) == []
    assert num(await svc.search(SUP, text="Рупа")) == [t["number"]]
