"""The SMS and e-mail channels built from ``kontakt.settings.Settings`` and
started beside the conversation service (``kontakt.bootstrap``):

* the SMS channel sends through Kannel when ``kannel_url`` is set; its
  inbound endpoint listens when ``sms_inbound_password`` is set;
* the e-mail channel sends through ``smtp_host``; its SMTP listener runs
  when ``email_inbound`` is on;
* each is the conversation service's sender for its channel (operators'
  replies), and a conversation forwarded to a department tells the citizen
  its ticket number on the channel it came from.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from acd.conversation import Channel
from infra.logs import get_logger
from kontakt.channels.email_in import EmailChannel, InboundMailHandler, SmtpListener
from kontakt.channels.mail_parse import MailLimits
from kontakt.channels.sms import SmsChannel
from kontakt.channels.sms_http import KannelDoor, SmsInbound
from kontakt.channels.store import ChannelLog
from kontakt.channels.texts import SIGNATURE
from tickets.notify.wiring import senders_from_settings

log = get_logger()


@dataclass
class Channels:
    log: ChannelLog
    sms: SmsChannel
    email: EmailChannel
    sms_inbound: SmsInbound | None = None
    smtp: SmtpListener | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.sms_inbound is not None:
            await self.sms_inbound.stop()
        if self.smtp is not None:
            await self.smtp.stop()

    def on_conversation(self, type_: str, conv: Any) -> None:
        """The conversation service's listener: a forwarded SMS or e-mail conversation
        tells the citizen the ticket's number (in the background: listeners never block)."""
        if type_ != "chat.forwarded" or not conv.ticket:
            return
        text = (f"Ваша порука је прослеђена надлежној служби: предмет {conv.ticket}. "
                f"Пошаљите број предмета за његово стање. {SIGNATURE}")
        if conv.channel is Channel.SMS:
            aw = self.sms.send_text(conv.address, text, conversation_id=conv.id,
                                    ticket_number=conv.ticket)
        elif conv.channel is Channel.EMAIL:
            aw = self.email.send_text(conv.address, text, conversation_id=conv.id,
                                      ticket_number=conv.ticket)
        else:
            return
        task = asyncio.ensure_future(aw)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def counts(self) -> dict[str, int]:
        return await self.log.counts()


async def start_channels(settings: Any, sessionmaker: Any, tickets: Any, chats: Any,
                         departments: Any = ()) -> Channels:
    s = settings
    names = {d.id: d.name for d in departments or ()}
    gateway, mailer = senders_from_settings(s)
    channel_log = ChannelLog(sessionmaker)
    sms = SmsChannel(channel_log, tickets, chats, gateway,
                     department_name=lambda d: names.get(d or "", d))
    mail = EmailChannel(channel_log, tickets, chats, mailer)
    chats.senders[Channel.SMS] = sms.send
    chats.senders[Channel.EMAIL] = mail.send
    channels = Channels(channel_log, sms, mail)
    chats.listeners.append(channels.on_conversation)
    try:
        if s.sms_inbound_password:
            door = KannelDoor(sms, s.sms_inbound_username, s.sms_inbound_password,
                              s.sms_inbound_allow)
            channels.sms_inbound = await SmsInbound(door, s.sms_inbound_host,
                                                    s.sms_inbound_port).start()
        if s.email_inbound:
            handler = InboundMailHandler(mail, s.email_inbound_addresses, MailLimits(
                s.email_attachment_max_bytes, s.email_attachment_types))
            channels.smtp = await SmtpListener(handler, s.email_inbound_host,
                                               s.email_inbound_port,
                                               max_bytes=s.email_max_bytes).start()
    except BaseException:
        await channels.stop()
        raise
    log.info("channels.started", sms_out=gateway is not None, email_out=mailer is not None,
             sms_in=channels.sms_inbound is not None, email_in=channels.smtp is not None)
    return channels
