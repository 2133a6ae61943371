"""SMS from citizens, after Kannel's get-url (``kontakt.channels.sms_http``)
handed it over, and the operators' SMS replies.

Each message is logged first (``channel_messages``), then:

* it carries a ticket number: the ticket's status goes back by SMS at once
  (only to the phone the ticket belongs to: another number is told it is not
  found, so a guessed number shows nothing);
* the sender has an open conversation: the message is added to it (and to
  its ticket, when one was opened from it);
* the sender's last conversation became a ticket that is still open: the
  message is a comment on that ticket (the department sees it);
* else a new SMS conversation is queued for the operators.

An operator's reply goes out through Kannel's sendsms (``KannelSmsGateway``:
UCS-2 for Cyrillic, Kannel splits long texts into concatenated parts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.logs import get_logger
from kontakt.channels import texts
from kontakt.channels.numbers import find_ticket_number
from kontakt.channels.store import ChannelLog, Direction, Fate
from tickets.domain import Actor, InvalidTicket, normalize_phone

log = get_logger()
ACTOR = Actor("sms", "agent")  # what the SMS channel writes on tickets
SMS = "sms"


class SmsRefused(Exception):
    """An inbound SMS kontakt cannot take (``code`` stable, ``reason`` for the log)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class InboundSms:
    sender: str  # as Kannel gives it (%p)
    to: str  # our number (%P)
    text: str
    smsc: str = ""


class SmsChannel:
    def __init__(self, log_: ChannelLog, tickets: Any, conversations: Any, gateway: Any, *,
                 department_name: Callable[[str | None], str | None] = lambda d: d) -> None:
        self.log, self.tickets, self.conversations = log_, tickets, conversations
        self.gateway, self.department_name = gateway, department_name

    async def receive(self, sms: InboundSms) -> str:
        """What became of it: ``status``, ``conversation``, ``ticket`` or ``opened``."""
        mid, sender, text = await self.accept(sms)
        return await self.route(mid, sender, text)

    async def accept(self, sms: InboundSms) -> tuple[int, str, str]:
        """Checked and logged (the message is safe once this returns); raises ``SmsRefused``."""
        try:
            sender = normalize_phone(sms.sender)
        except InvalidTicket:
            sender = None
        text = sms.text.strip()
        if sender is None or not text:
            reason = "no sender number" if sender is None else "empty message"
            await self.log.record(SMS, Direction.IN, Fate.REFUSED, sms.sender[:40] or "?",
                                  sms.text, reason=reason)
            raise SmsRefused("sms.bad_message", reason)
        mid = await self.log.record(SMS, Direction.IN, Fate.ACCEPTED, sender, text)
        log.info("sms.received", sender=sender, message=mid)
        return mid, sender, text

    async def route(self, mid: int, sender: str, text: str) -> str:
        """The logged message to where it belongs (a failure is written on its row)."""
        try:
            return await self._route(mid, sender, text)
        except Exception as e:
            log.exception("sms.routing_failed", message=mid)
            await self.log.settle(mid, fate=Fate.FAILED, reason=f"routing: {type(e).__name__}")
            raise

    async def _route(self, mid: int, sender: str, text: str) -> str:
        number = find_ticket_number(text)
        if number is not None:
            await self._status(sender, number, mid)
            return "status"
        conv = self.conversations.find_open(SMS, sender)
        if conv is not None:
            await self.conversations.inbound(conv.id, texts.fit(self.conversations, text))
            if conv.ticket:
                await self._comment(conv.ticket, text)
            await self.log.settle(mid, conversation_id=conv.id, ticket_number=conv.ticket)
            return "conversation"
        number = await texts.last_ticket_of(self.log.sm, SMS, sender)
        if number is not None and await self._open_ticket(number):
            await self._comment(number, text)
            await self.log.settle(mid, ticket_number=number)
            log.info("sms.added_to_ticket", ticket=number, message=mid)
            return "ticket"
        conv = await self.conversations.open(SMS, sender, texts.fit(self.conversations, text))
        await self.log.settle(mid, conversation_id=conv.id)
        return "opened"

    async def send(self, conv: Any, msg: Any) -> None:
        """The conversation service's sender for SMS: an operator's reply."""
        await self.send_text(conv.address, msg.text, conversation_id=conv.id,
                             ticket_number=conv.ticket)

    async def send_text(self, to: str, text: str, *, conversation_id: int | None = None,
                        ticket_number: str | None = None) -> bool:
        if self.gateway is None:
            await self.log.record(SMS, Direction.OUT, Fate.FAILED, to, text,
                                  reason="no Kannel configured (kannel_url)",
                                  conversation_id=conversation_id, ticket_number=ticket_number)
            return False
        try:
            gateway_id = await self.gateway.send(to, text)
        except Exception as e:  # NotificationFailed and anything the gateway raises
            code = getattr(e, "code", type(e).__name__)
            await self.log.record(SMS, Direction.OUT, Fate.FAILED, to, text, reason=str(code),
                                  conversation_id=conversation_id, ticket_number=ticket_number)
            log.warning("sms.send_failed", to=to, code=code)
            return False
        await self.log.record(SMS, Direction.OUT, Fate.SENT, to, text, gateway_id=gateway_id,
                              conversation_id=conversation_id, ticket_number=ticket_number)
        return True

    async def _status(self, sender: str, number: str, mid: int) -> None:
        ticket = await self._ticket(number)
        if ticket is None or ticket.get("phone") != sender:
            log.info("sms.status_unknown", sender=sender, ticket=number)
            await self.send_text(sender, texts.unknown_ticket_text(number))
            return
        await self.log.settle(mid, ticket_number=number)
        text = texts.status_text(ticket, self.department_name(ticket.get("department")))
        await self.send_text(sender, text, ticket_number=number)
        log.info("sms.status_sent", sender=sender, ticket=number)

    async def _ticket(self, number: str) -> dict[str, Any] | None:
        return await texts.ticket_or_none(self.tickets, ACTOR, number)

    async def _open_ticket(self, number: str) -> bool:
        t = await self._ticket(number)
        return t is not None and texts.is_open(t)

    async def _comment(self, number: str, text: str) -> None:
        await self.tickets.comment(ACTOR, number, f"SMS грађанина: {text}")
