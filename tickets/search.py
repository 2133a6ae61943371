"""Ticket search: the query behind ``TicketQueries.search`` and the full text
condition (``tickets.fold`` spelling: either alphabet, with or without
diacritics) the work queue shares.  SQLite reads its FTS5 table
``tickets_fts``; PostgreSQL the ``search_tsv`` column under GIN, generated
from ``tickets.search_text`` (migration 0010)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, column, func, select, table, text

from tickets.fold import fold
from tickets.store import TicketRow

_WORD = re.compile(r"\w+", re.UNICODE)


def text_words(query: str) -> list[str]:
    """The query's words in the index's spelling (``tickets.fold``), eight at most."""
    return _WORD.findall(fold(query))[:8]


def text_condition(dialect: str, query: str, *, whole_words: bool = False,
                   indexed: bool = True) -> Any:
    """Full text in subject and description: every word, as a prefix (or,
    with ``whole_words``, as written), in either alphabet, with or without
    diacritics."""
    words = text_words(query)
    if not words:
        return None
    if dialect == "postgresql":
        tsq = " & ".join(f"{w}:*" for w in words)
        # search_tsv: a stored column generated from search_text (migration 0010), GIN.
        # Not indexed: an expression the GIN index cannot serve, so the planner
        # walks the primary key (see search_query's ``recent``).
        col = "tickets.search_tsv" if indexed else "coalesce(tickets.search_tsv, ''::tsvector)"
        return text(f"{col} @@ to_tsquery('simple', :tsq)").bindparams(tsq=tsq)
    fts = " ".join(f'"{w}"' if whole_words else f'"{w}"*' for w in words)
    return text("tickets_fts MATCH :fts").bindparams(fts=fts)


# SQLite's FTS5 table (created by the migration), joined on rowid = tickets.id.
_FTS = table("tickets_fts", column("rowid"))
# PostgreSQL: how many of the newest tickets a text search reads first.
RECENT = 5000


def search_query(dialect: str, *, number: str | None = None, phone: str | None = None,
                 department: str | None = None, kind: str | None = None,
                 status: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, text_q: str | None = None,
                 opened_by: str | None = None, assignee: str | None = None,
                 channel: str | None = None, limit: int = 50,
                 recent: int | None = None, whole_words: bool = False) -> Any:
    """The search, newest first.  With text on SQLite, ``whole_words`` asks
    FTS5 for the words as written: it walks their lists newest first and
    stops at the limit (0.1-0.4 ms at 1,000,000 tickets), where a prefix
    merges every word it begins (7-27 ms); run it first, and the prefix
    search only when it found fewer than ``limit``.  With text on PostgreSQL, ``recent`` = N
    reads only the N newest tickets (walking the primary key back), and
    ``recent`` = None asks the GIN index for every match and sorts those:
    run the first, and the second only when the first found fewer than
    ``limit`` (a rare word, or none), so neither a common word (thousands
    of matches to sort) nor a word found nowhere (the whole table walked)
    is slow.  Ids grow with time: newest first is id descending."""
    conds: list[Any] = []
    for col, value in ((TicketRow.number, number), (TicketRow.phone, phone),
                       (TicketRow.department, department), (TicketRow.kind, kind),
                       (TicketRow.status, status), (TicketRow.opened_by, opened_by),
                       (TicketRow.assignee, assignee), (TicketRow.channel, channel)):
        if value is not None:
            conds.append(col == value)
    if since is not None:
        conds.append(TicketRow.created_at >= since)
    if until is not None:
        conds.append(TicketRow.created_at < until)
    q = select(TicketRow)
    order: tuple[Any, ...] = (TicketRow.created_at.desc(), TicketRow.id.desc())
    # On PostgreSQL's first step the GIN index must not be used: for a word
    # the planner thinks rare ("Змај Јовина") it took the index, fetched all
    # ~20,000 matches and sorted them (80 ms) instead of reading back the newest.
    cond = (text_condition(dialect, text_q, whole_words=whole_words, indexed=recent is None)
            if text_q else None)
    if cond is not None:
        conds.append(cond)
        if dialect == "sqlite":
            # FTS5 hands matches out in rowid order and stops at the limit;
            # sorting every match of a common word by created_at took ~1.5 s
            # at 1,000,000 tickets.  Ids grow with time: still newest first.
            q = q.select_from(_FTS.join(TicketRow, TicketRow.id == _FTS.c.rowid))
            order = (_FTS.c.rowid.desc(),)
        elif recent is not None:
            newest = select(func.max(TicketRow.id)).scalar_subquery()
            conds.append(TicketRow.id > newest - recent)
            order = (TicketRow.id.desc(),)
        else:  # "+ 0": not the primary key's order, so the planner takes the GIN index
            order = ((TicketRow.id + 0).desc(),)
    if conds:
        q = q.where(and_(*conds))
    return q.order_by(*order).limit(limit)


