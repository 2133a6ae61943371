"""Every SMS and e-mail that came in or went out, and the e-mail
attachments kept with their ticket: SQLAlchemy 2 tables on ``infra.db.Base``
(schema by the Alembic revision ``0011_channel_messages``).

A message is logged before anything is done with it (``accepted``), so a
failure further on leaves it here; what is refused is logged as
``refused`` with the reason given to the sender.  The demo's ``sms_in``,
``sms_out`` and ``emails_in`` are counts of these rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Fate(StrEnum):
    ACCEPTED = "accepted"  # came in and was kept
    REFUSED = "refused"  # came in and was refused (the reason was given back)
    SENT = "sent"  # went out (the gateway took it)
    FAILED = "failed"  # could not go out


class ChannelMessageRow(Base):
    __tablename__ = "channel_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(8))  # sms, email
    direction: Mapped[str] = mapped_column(String(4))
    fate: Mapped[str] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(String(254))  # the citizen's number or address
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    ticket_number: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(300))  # why refused or failed
    gateway_id: Mapped[str | None] = mapped_column(String(200))  # Kannel's / our Message-ID

    __table_args__ = (
        Index("ix_channel_messages_kind", "channel", "direction", "fate"),
        Index("ix_channel_messages_address", "address", "at"),
        Index("ix_channel_messages_ticket", "ticket_number"),
    )


class AttachmentRow(Base):
    __tablename__ = "channel_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(Integer)  # channel_messages.id
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    ticket_number: Mapped[str | None] = mapped_column(String(24))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_channel_attachments_ticket", "ticket_number"),
                      Index("ix_channel_attachments_conv", "conversation_id"))


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int


class ChannelLog:
    def __init__(self, sessionmaker: Any,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sm, self.clock = sessionmaker, clock

    async def record(self, channel: str, direction: Direction, fate: Fate, address: str,
                     body: str, *, subject: str | None = None, reason: str | None = None,
                     conversation_id: int | None = None, ticket_number: str | None = None,
                     gateway_id: str | None = None,
                     attachments: tuple[Attachment, ...] = ()) -> int:
        async with self.sm() as s, s.begin():
            row = ChannelMessageRow(
                at=self.clock(), channel=channel, direction=direction.value, fate=fate.value,
                address=address[:254], subject=subject[:300] if subject else None, body=body,
                conversation_id=conversation_id, ticket_number=ticket_number,
                reason=reason[:300] if reason else None,
                gateway_id=gateway_id[:200] if gateway_id else None)
            s.add(row)
            await s.flush()
            for a in attachments:
                s.add(AttachmentRow(message_id=row.id, conversation_id=conversation_id,
                                    ticket_number=ticket_number, filename=a.filename[:200],
                                    content_type=a.content_type[:100], size=len(a.data),
                                    data=a.data))
            return int(row.id)

    async def settle(self, message_id: int, *, conversation_id: int | None = None,
                     ticket_number: str | None = None, fate: Fate | None = None,
                     reason: str | None = None) -> None:
        """What became of a logged message (its conversation, its ticket)."""
        async with self.sm() as s, s.begin():
            row = await s.get(ChannelMessageRow, message_id)
            if row is None:
                return
            if conversation_id is not None:
                row.conversation_id = conversation_id
            if ticket_number is not None:
                row.ticket_number = ticket_number
            if fate is not None:
                row.fate = fate.value
            if reason is not None:
                row.reason = reason[:300]
            for a in (await s.scalars(select(AttachmentRow).where(
                    AttachmentRow.message_id == message_id))).all():
                a.conversation_id = conversation_id or a.conversation_id
                a.ticket_number = ticket_number or a.ticket_number

    async def counts(self) -> dict[str, int]:
        """``sms_in``, ``sms_out``, ``emails_in``, ``emails_out`` and the refused, from the rows."""
        async with self.sm() as s:
            rows = (await s.execute(
                select(ChannelMessageRow.channel, ChannelMessageRow.direction,
                       ChannelMessageRow.fate, func.count())
                .group_by(ChannelMessageRow.channel, ChannelMessageRow.direction,
                          ChannelMessageRow.fate))).all()
        got = {(c, d, f): int(n) for c, d, f, n in rows}
        return {
            "sms_in": got.get(("sms", "in", "accepted"), 0),
            "sms_out": got.get(("sms", "out", "sent"), 0),
            "sms_refused": got.get(("sms", "in", "refused"), 0),
            "emails_in": got.get(("email", "in", "accepted"), 0),
            "emails_out": got.get(("email", "out", "sent"), 0),
            "emails_refused": got.get(("email", "in", "refused"), 0),
        }

    async def attachments(self, ticket_number: str, conversations: list[int] | None = None
                          ) -> list[AttachmentInfo]:
        """A ticket's attachments: sent about it, or to a conversation it was opened from."""
        cond = AttachmentRow.ticket_number == ticket_number
        if conversations:
            cond = cond | AttachmentRow.conversation_id.in_(conversations)
        async with self.sm() as s:
            rows = (await s.execute(
                select(AttachmentRow.id, AttachmentRow.filename, AttachmentRow.content_type,
                       AttachmentRow.size).where(cond).order_by(AttachmentRow.id))).all()
        return [AttachmentInfo(*r) for r in rows]

    async def attachment(self, attachment_id: int) -> AttachmentRow | None:
        async with self.sm() as s:
            row: AttachmentRow | None = await s.get(AttachmentRow, attachment_id)
        return row

    async def messages(self, channel: str | None = None, address: str | None = None
                       ) -> list[ChannelMessageRow]:
        q = select(ChannelMessageRow).order_by(ChannelMessageRow.id)
        if channel:
            q = q.where(ChannelMessageRow.channel == channel)
        if address:
            q = q.where(ChannelMessageRow.address == address)
        async with self.sm() as s:
            return list((await s.scalars(q)).all())
