"""What kontakt itself writes to citizens by SMS and e-mail (Serbian,
Cyrillic, as the city writes), and the common steps of both channels: the
open conversation of an address, the ticket a reply belongs to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tickets.domain import FINAL, STATUS_LABELS, Actor, Status

SIGNATURE = "Контакт центар Града Новог Сада"


def fit(conversations: Any, text: str) -> str:
    """The text as one conversation message (the service's length limit; the whole
    message stays in ``channel_messages``)."""
    limits = getattr(conversations, "limits", None)
    limit = int(getattr(limits, "max_length", 1000))
    if len(text) <= limit:
        return text
    return text[:max(1, limit - 40)].rstrip() + "\n[…скраћено; цела порука је сачувана]"


def status_text(ticket: dict[str, Any], department: str | None) -> str:
    status = Status(ticket["status"])
    where = f" Служба: {department}." if department else ""
    return f"Предмет {ticket['number']}: {STATUS_LABELS[status]}.{where} {SIGNATURE}"


def unknown_ticket_text(number: str) -> str:
    return f"Предмет {number} није пронађен за овај број. {SIGNATURE}"


async def ticket_or_none(tickets: Any, actor: Actor, number: str) -> dict[str, Any] | None:
    """The ticket ``number`` as the channel ``actor`` reads it; None if there is
    none (or the channel may not see it)."""
    try:
        t: dict[str, Any] = await tickets.get(actor, number)
    except Exception as e:
        if getattr(e, "code", "") in ("ticket.not_found", "ticket.forbidden"):
            return None
        raise
    return t


def is_open(ticket: dict[str, Any]) -> bool:
    return Status(ticket["status"]) not in FINAL


async def last_ticket_of(sessionmaker: Any, channel: str, address: str) -> str | None:
    """The ticket opened from this address's latest conversation on ``channel``."""
    from kontakt.chat.store import ConversationRow

    async with sessionmaker() as s:
        return await s.scalar(  # type: ignore[no-any-return]
            select(ConversationRow.ticket_number)
            .where(ConversationRow.channel == channel, ConversationRow.address == address,
                   ConversationRow.ticket_number.is_not(None))
            .order_by(ConversationRow.id.desc()).limit(1))
