"""Conversation storage: SQLAlchemy 2 tables on ``infra.db.Base`` (schema by
the Alembic revision ``0008_conversations``), SQLite and PostgreSQL alike.

Every write is one transaction that also adds the live-feed event to the
outbox (``infra.outbox``: topic ``chats/{id}``), so a change and its news
commit together.  The events carry ids, states and counts, never a
message's text: browsers read the text through the API, which checks who
may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from acd.conversation import (
    OPEN,
    Author,
    Channel,
    Conversation,
    ConvState,
    Message,
    Outcome,
)
from acd.errors import UnknownConversation
from infra.db import Base
from infra.outbox import add_event


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _ts(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    priority: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(16))
    ticket_number: Mapped[str | None] = mapped_column(String(24))
    department: Mapped[str | None] = mapped_column(String(32))
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_conversations_state", "state", "opened_at"),
        Index("ix_conversations_channel", "channel", "opened_at"),
        Index("ix_conversations_address", "address", "opened_at"),
        Index("ix_conversations_ticket", "ticket_number"),
    )


class MessageRow(Base):
    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_conversation_messages_conv", "conversation_id", "id"),)


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation: int
    message: Message

    def public(self) -> dict[str, Any]:
        m = self.message
        return {"id": self.id, "author": m.author.value, "agent": m.agent,
                "at": datetime.fromtimestamp(m.at, UTC).isoformat(), "text": m.text}


def _fill(row: ConversationRow, conv: Conversation, now: datetime) -> None:
    row.state, row.agent = conv.state.value, conv.agent
    row.outcome = conv.outcome.value if conv.outcome else None
    row.ticket_number, row.department = conv.ticket, conv.department
    row.answered_at, row.ended_at = _dt(conv.answered_at), _dt(conv.ended_at)
    row.updated_at = now


def _event(conv: Conversation, type_: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "conversation": conv.id, "channel": conv.channel.value,
            "state": conv.state.value, "agent": conv.agent, **extra}


class ConversationStore:
    def __init__(self, sessionmaker: Any, on_commit: Callable[[], None] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sm, self.on_commit, self.clock = sessionmaker, on_commit, clock

    def _committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()

    async def create(self, conv: Conversation, secret_hash: str | None = None) -> int:
        """Write a new conversation and its messages; returns its id (also set on ``conv``)."""
        now = self.clock()
        async with self.sm() as s, s.begin():
            row = ConversationRow(channel=conv.channel.value, address=conv.address,
                                  language=conv.language, priority=conv.priority,
                                  secret_hash=secret_hash, opened_at=_dt(conv.arrived) or now)
            _fill(row, conv, now)
            s.add(row)
            await s.flush()
            conv.id = row.id
            for m in conv.messages:
                s.add(self._message_row(row.id, m))
            add_event(s, f"chats/{row.id}", _event(conv, "chat.opened"))
        self._committed()
        return int(row.id)

    async def save(self, conv: Conversation, type_: str, message: Message | None = None,
                   **extra: Any) -> int | None:
        """The conversation's state as it is now, with ``message`` appended if
        given, and the event ``type_``; returns the new message's id."""
        now = self.clock()
        msg_id = None
        async with self.sm() as s, s.begin():
            row = await s.get(ConversationRow, conv.id)
            if row is None:
                raise UnknownConversation(f"no conversation {conv.id}", conversation=conv.id)
            _fill(row, conv, now)
            if message is not None:
                mrow = self._message_row(conv.id, message)
                s.add(mrow)
                await s.flush()
                msg_id = int(mrow.id)
                extra["message"] = msg_id
                extra["author"] = message.author.value
            add_event(s, f"chats/{conv.id}", _event(conv, type_, **extra))
        self._committed()
        return msg_id

    async def notify(self, topic: str, payload: dict[str, Any]) -> None:
        """An event that changes no row (the queue moved)."""
        async with self.sm() as s, s.begin():
            add_event(s, topic, payload)
        self._committed()

    @staticmethod
    def _message_row(conv_id: int, m: Message) -> MessageRow:
        return MessageRow(conversation_id=conv_id, at=_dt(m.at), author=m.author.value,
                          agent=m.agent, body=m.text)

    # -- reading ------------------------------------------------------------
    async def row(self, conv_id: int) -> ConversationRow:
        async with self.sm() as s:
            row = await s.get(ConversationRow, conv_id)
        if row is None:
            raise UnknownConversation(f"no conversation {conv_id}", conversation=conv_id)
        return row

    async def messages(self, conv_id: int, after: int = 0, limit: int = 500
                       ) -> list[StoredMessage]:
        async with self.sm() as s:
            rows = (await s.scalars(
                select(MessageRow).where(MessageRow.conversation_id == conv_id,
                                         MessageRow.id > after)
                .order_by(MessageRow.id).limit(limit))).all()
        return [StoredMessage(r.id, r.conversation_id,
                              Message(Author(r.author), _ts(r.at) or 0.0, r.body, r.agent))
                for r in rows]

    async def by_ticket(self, number: str) -> list[int]:
        async with self.sm() as s:
            return list((await s.scalars(select(ConversationRow.id).where(
                ConversationRow.ticket_number == number).order_by(ConversationRow.id))).all())

    async def load_open(self) -> list[Conversation]:
        """Every conversation not ended, with its messages (after a restart)."""
        async with self.sm() as s:
            rows = (await s.scalars(select(ConversationRow).where(
                ConversationRow.state.in_([st.value for st in OPEN]))
                .order_by(ConversationRow.id))).all()
        out = []
        for r in rows:
            conv = Conversation(r.id, Channel(r.channel), r.address, r.language,
                                _ts(r.opened_at) or 0.0, 0, r.priority, ConvState(r.state),
                                r.agent, _ts(r.answered_at), ticket=r.ticket_number)
            conv.messages = [m.message for m in await self.messages(r.id)]
            out.append(conv)
        return out

    async def counts(self, channel: Channel) -> dict[str, int]:
        """Offered, answered and lost conversations of ``channel`` (the demo's summary)."""
        async with self.sm() as s:
            rows = (await s.execute(
                select(ConversationRow.state, ConversationRow.outcome,
                       ConversationRow.answered_at.is_not(None), func.count())
                .where(ConversationRow.channel == channel.value)
                .group_by(ConversationRow.state, ConversationRow.outcome,
                          ConversationRow.answered_at.is_not(None)))).all()
        offered = answered = lost = fallback = 0
        for state, outcome, was_answered, n in rows:
            offered += n
            answered += n if was_answered else 0
            if not was_answered and (outcome == Outcome.ABANDONED.value
                                     or state in (ConvState.QUEUED.value,
                                                  ConvState.FALLBACK.value)):
                lost += n
            if outcome in (Outcome.MESSAGE.value, Outcome.CALLBACK.value):
                fallback += n
        return {"offered": offered, "answered": answered, "lost": lost, "fallback": fallback}
