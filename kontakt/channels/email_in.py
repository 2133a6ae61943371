"""E-mail from citizens: an SMTP listener (aiosmtpd, in kontakt's own event
loop) for the contact center's addresses, and the operators' replies out
through the SMTP sender (``tickets.notify.smtp``).

Each message that parses (``mail_parse``) is logged with its attachments
(``channel_messages``, ``channel_attachments``) before the 250, then:

* its subject carries a ticket number: a comment on that ticket (the
  department sees it), its attachments kept with the ticket -- only when
  the ticket was opened for this sender's address; any other number is
  refused (550 5.7.1: "write without the number"), so a forged number
  reaches no ticket and the citizen knows;
* the sender has an open e-mail conversation: added to it (and to its ticket);
* the sender's last conversation became a ticket still open: a comment on it;
* else a new e-mail conversation is queued for the operators.

Replies carry the ticket number in the subject (``[NS-2027-000123]``), so
the citizen's answer comes back onto the ticket.  The 250 is given once
the message is logged; what follows runs on even if the client hangs up
(a failure there is written on the message's row for the supervisors);
a failure before it answers 451 (the sender's server tries again).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiosmtpd.smtp import SMTP

from infra.logs import get_logger
from kontakt.channels import texts
from kontakt.channels.mail_parse import Mail, MailLimits, MailRefused, parse
from kontakt.channels.numbers import find_ticket_number
from kontakt.channels.routing import Routing
from kontakt.channels.store import ChannelLog, Direction, Fate
from tickets.domain import Actor

log = get_logger()
ACTOR = Actor("email", "agent")  # what the e-mail channel writes on tickets
EMAIL = "email"
ANSWER_WITHIN = 10.0  # seconds the SMTP client waits for 250; the routing goes on after


def conversation_text(mail: Mail, conversations: Any = None) -> str:
    parts = [p for p in (mail.subject, mail.text) if p]
    if mail.attachments:
        parts.append("Прилози: " + ", ".join(a.filename for a in mail.attachments))
    return texts.fit(conversations, "\n\n".join(parts) or "(без текста)")


class EmailChannel:
    def __init__(self, log_: ChannelLog, tickets: Any, conversations: Any, sender: Any) -> None:
        self.log, self.tickets, self.conversations, self.sender = (
            log_, tickets, conversations, sender)

    async def receive(self, mail: Mail) -> str:
        """``comment``, ``conversation``, ``ticket`` or ``opened``; raises ``MailRefused``."""
        mid, number = await self.accept(mail)
        return await self.route(mid, number, mail)

    async def accept(self, mail: Mail) -> tuple[int, str | None]:
        """Checked and logged with its attachments (safe once this returns): the
        message's row and the ticket its subject names; raises ``MailRefused``."""
        number = find_ticket_number(mail.subject)
        if number is not None:
            ticket = await self._ticket(number)
            if ticket is None or (ticket.get("email") or "").lower() != mail.sender:
                raise MailRefused("email.unknown_ticket",
                                  f"550 5.7.1 ticket {number} is not known for {mail.sender}; "
                                  "write without the number to open a new conversation")
        return await self._log(mail, ticket_number=number), number

    async def route(self, mid: int, number: str | None, mail: Mail) -> str:
        """The logged message to where it belongs (a failure is written on its row)."""
        try:
            if number is not None:
                await self._on_ticket(mid, number, mail)
                return "comment"
            return await self._route(mid, mail)
        except Exception as e:
            log.exception("email.routing_failed", message=mid)
            await self.log.settle(mid, fate=Fate.FAILED, reason=f"routing: {type(e).__name__}")
            raise

    async def _on_ticket(self, mid: int, number: str, mail: Mail) -> None:
        await self._comment(number, mail)
        conv = self.conversations.find_open(EMAIL, mail.sender)
        if conv is not None and conv.ticket == number:  # the operator is still writing
            await self.conversations.inbound(conv.id, conversation_text(mail, self.conversations))
            await self.log.settle(mid, conversation_id=conv.id)

    async def _route(self, mid: int, mail: Mail) -> str:
        text = conversation_text(mail, self.conversations)
        conv = self.conversations.find_open(EMAIL, mail.sender)
        if conv is not None:
            await self.conversations.inbound(conv.id, text)
            if conv.ticket:
                await self._comment(conv.ticket, mail)
            await self.log.settle(mid, conversation_id=conv.id, ticket_number=conv.ticket)
            return "conversation"
        number = await texts.last_ticket_of(self.log.sm, EMAIL, mail.sender)
        if number is not None:
            ticket = await self._ticket(number)
            if ticket is not None and texts.is_open(ticket):
                await self._comment(number, mail)
                await self.log.settle(mid, ticket_number=number)
                return "ticket"
        conv = await self.conversations.open(EMAIL, mail.sender, text)
        await self.log.settle(mid, conversation_id=conv.id)
        return "opened"

    async def _log(self, mail: Mail, ticket_number: str | None = None) -> int:
        mid = await self.log.record(EMAIL, Direction.IN, Fate.ACCEPTED, mail.sender, mail.text,
                                    subject=mail.subject, ticket_number=ticket_number,
                                    gateway_id=mail.message_id, attachments=mail.attachments)
        log.info("email.received", sender=mail.sender, message=mid,
                 attachments=len(mail.attachments), ticket=ticket_number)
        return mid

    async def _ticket(self, number: str) -> dict[str, Any] | None:
        return await texts.ticket_or_none(self.tickets, ACTOR, number)

    async def _comment(self, number: str, mail: Mail) -> None:
        files = "".join(f"\nприлог: {a.filename} ({a.content_type}, {len(a.data)} B)"
                        for a in mail.attachments)
        await self.tickets.comment(
            ACTOR, number, f"Е-пошта грађанина ({mail.subject or 'без наслова'}):\n"
                           f"{mail.text[:8000]}{files}")

    # -- out -----------------------------------------------------------------
    async def send(self, conv: Any, msg: Any) -> None:
        """The conversation service's sender for e-mail: an operator's reply."""
        await self.send_text(conv.address, msg.text, ticket_number=conv.ticket,
                             conversation_id=conv.id)

    async def send_text(self, to: str, text: str, *, ticket_number: str | None = None,
                        conversation_id: int | None = None) -> bool:
        subject = (f"[{ticket_number}] Одговор Контакт центра Града Новог Сада" if ticket_number
                   else f"Одговор Контакт центра Града Новог Сада (разговор {conversation_id})")
        body = f"{text}\n\n-- \n{texts.SIGNATURE}"
        if ticket_number:
            body += (f"\nОдговорите на ову поруку: број {ticket_number} у наслову "
                     "је чува уз предмет.")
        if self.sender is None:
            await self.log.record(EMAIL, Direction.OUT, Fate.FAILED, to, body, subject=subject,
                                  reason="no SMTP relay configured (smtp_host)",
                                  ticket_number=ticket_number, conversation_id=conversation_id)
            return False
        try:
            message_id = await self.sender.send(to, subject, body)
        except Exception as e:
            code = getattr(e, "code", type(e).__name__)
            await self.log.record(EMAIL, Direction.OUT, Fate.FAILED, to, body, subject=subject,
                                  reason=str(code), ticket_number=ticket_number,
                                  conversation_id=conversation_id)
            log.warning("email.send_failed", to=to, code=code)
            return False
        await self.log.record(EMAIL, Direction.OUT, Fate.SENT, to, body, subject=subject,
                              gateway_id=message_id, ticket_number=ticket_number,
                              conversation_id=conversation_id)
        return True


class InboundMailHandler:
    """aiosmtpd's handler: only the contact center's addresses; each message
    parsed, handled and answered (250, or the refusal's reply)."""

    def __init__(self, channel: EmailChannel, addresses: tuple[str, ...],
                 limits: MailLimits) -> None:
        self.channel, self.addresses, self.limits = channel, set(addresses), limits
        self.routing = Routing(ANSWER_WITHIN)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address.strip().lower() not in self.addresses:
            return f"550 5.1.1 <{address[:100]}>: not an address of the contact center"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        mail_from = str(envelope.mail_from or "")
        try:
            mail = parse(content, mail_from, self.limits)
            mid, number = await self.channel.accept(mail)
        except MailRefused as e:
            log.info("email.refused", code=e.code, reply=e.reply, sender=mail_from)
            await self.channel.log.record(
                EMAIL, Direction.IN, Fate.REFUSED, mail_from[:254] or "?",
                content[:4000].decode("utf-8", "replace"), reason=e.reply)
            return e.reply
        except Exception as e:  # not logged (the database is down...): the sender retries
            log.error("email.inbound_unavailable", error=repr(e))
            return "451 4.3.0 not taken now; try again later"
        # Logged: from here on the message is kept whatever happens to this session.
        outcome = await self.routing.answer(self.channel.route(mid, number, mail))
        return f"250 2.0.0 OK: {outcome}"

    async def drain(self, within: float = 3.0) -> None:
        """Let messages being routed finish (on stop), then cancel what is left."""
        await self.routing.drain(within)


class SmtpListener:
    """The SMTP server for citizens' e-mail, inside the caller's loop."""

    def __init__(self, handler: InboundMailHandler, host: str, port: int, *,
                 max_bytes: int, hostname: str = "kontakt") -> None:
        self.handler, self.host, self.port = handler, host, port
        self.max_bytes, self.hostname = max_bytes, hostname
        self.server: asyncio.Server | None = None

    async def start(self) -> SmtpListener:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: SMTP(self.handler, data_size_limit=self.max_bytes, enable_SMTPUTF8=True,
                         hostname=self.hostname, ident="kontakt", timeout=60),
            self.host, self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        log.info("email.inbound_listening", host=self.host, port=self.port)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.handler.drain()
            await self.server.wait_closed()
