"""What `kontakt demo` adds for SMS and e-mail: a private Kannel (bearerbox,
smsbox, fakesmsc) whose sms-service delivers to kontakt's inbound SMS
endpoint, kontakt's SMTP listener on, and citizens who write: SMS injected
at Kannel's fake SMSC, e-mail sent over SMTP to the contact center's address.
They answer the operator once, and some ask their ticket's status by SMS or
write again about their ticket by e-mail (a PDF attached).  The operators are
the demo's (kontakt.chat.demo: every conversation the ACD assigns).  The
summary's ``sms_in``, ``sms_out`` and ``emails_in`` are read back from the
database (``channel_messages``)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib

from acd.conversation import Channel
from infra.logs import get_logger
from kontakt.channels import kannel_box
from kontakt.channels.kannel_box import KannelBox, free_port, kannel_missing
from kontakt.channels.sms_http import get_url
from kontakt.settings import Settings

log = get_logger()
SMS_TEXTS = ["Добар дан, на углу Футошке и Хајдук Вељкове не ради семафор.",
             "Kontejner u Ulici Narodnih heroja nije ispraznjen vec 5 dana.",
             "Поздрав, пукла је цев испред зграде у Булевару ослобођења 40, вода тече.",
             "Где могу да пријавим рупу на путу код Лимана 3?"]
SMS_DETAILS = ["Хвала, то је адреса.", "Jos uvek je isto.", "Данас од јутра."]
MAIL_SUBJECTS = ["Пријава: смеће није одвезено", "Јавна расвета у парку", "Бука ноћу",
                 "Питање о паркингу"]
MAIL_BODIES = ["Поштовани,\n\nу нашој улици смеће није одвезено већ недељу дана.\n\nЈелена",
               "Добар дан,\n\nне ради расвета у Дунавском парку.\n\nМарко",
               "Poštovani,\n\nmolim vas za informaciju o zoni parkiranja.\n\nAna"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ChannelCitizens:
    def __init__(self, base: Path, seed: int, total: int | None, spread: float = 15.0,
                 every: float = 8.0) -> None:
        self.dir = base / "kannel"
        self.rng = random.Random(seed + 29)
        self.total, self.spread, self.every = total, spread, every
        self.box: KannelBox | None = None
        self.system: Any = None
        self.smtp_port = 0
        self.center = "kontakt@novisad.rs"
        self._tasks: set[asyncio.Task[Any]] = set()
        self._phones: dict[str, bool] = {}  # citizen's number -> has answered the operator
        self._mails: dict[str, bool] = {}

    async def prepare(self, settings: Settings) -> Settings:
        """Kannel started, and the settings that point kontakt at it and open e-mail in."""
        password = secrets.token_urlsafe(12)
        sms_port, self.smtp_port = free_port(), free_port()
        settings = settings.replace(
            sms_inbound_host="127.0.0.1", sms_inbound_port=sms_port,
            sms_inbound_username="kannel", sms_inbound_password=password,
            email_inbound=True, email_inbound_host="127.0.0.1",
            email_inbound_port=self.smtp_port, email_inbound_addresses=(self.center,))
        reason = kannel_missing()
        if reason:
            log.warning("demo.no_kannel", reason=reason)
            return settings
        self.box = KannelBox(self.dir, get_url("kannel", password, "127.0.0.1", sms_port))
        try:
            await self.box.start()
        except Exception as e:
            log.warning("demo.kannel_failed", error=str(e))
            self.box.stop()
            self.box = None
            return settings
        return settings.replace(kannel_url=self.box.url, kannel_username=kannel_box.USERNAME,
                                kannel_password=kannel_box.PASSWORD)

    async def __call__(self, system: Any) -> Any:
        """A system part (``Options.extras``)."""
        self.system = system
        if system.chats is not None:
            system.chats.listeners.append(self._on_event)
            self._spawn(self._citizens())
        return self.stop

    async def stop(self) -> None:
        if self.system is not None and self.system.chats is not None:
            with contextlib.suppress(ValueError):
                self.system.chats.listeners.remove(self._on_event)
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    def stop_kannel(self) -> None:
        if self.box is not None:
            self.box.stop()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _citizens(self) -> None:
        i = 0
        if self.total is None:
            while True:
                i += 1
                self._spawn(self._sms(i) if i % 2 else self._mail(i))
                await asyncio.sleep(self.every)
        starts = sorted(self.rng.uniform(0.5, max(1.0, self.spread))
                        for _ in range(2 * self.total))
        at = 0.0
        for i, start in enumerate(starts, 1):
            await asyncio.sleep(start - at)
            at = start
            self._spawn(self._sms(i) if i % 2 else self._mail(i))

    async def _sms(self, i: int) -> None:
        if self.box is None:
            return
        phone = f"+38164{self.rng.randrange(1000000, 9999999)}"
        self._phones[phone] = False
        await self._send_sms(phone, self.rng.choice(SMS_TEXTS))

    async def _send_sms(self, phone: str, text: str) -> None:
        assert self.box is not None
        try:
            await self.box.send_mo(phone, text)
        except Exception as e:
            log.warning("demo.sms_failed", error=str(e))

    async def _mail(self, i: int) -> None:
        address = f"gradjanin{i}@example.rs"
        self._mails.setdefault(address, False)
        await self._send_mail(address, self.rng.choice(MAIL_SUBJECTS),
                              self.rng.choice(MAIL_BODIES))

    async def _send_mail(self, address: str, subject: str, body: str,
                         pdf: bool = False) -> None:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = address, self.center, subject
        m.set_content(body)
        if pdf:
            m.add_attachment(PDF, maintype="application", subtype="pdf", filename="slika.pdf")
        try:
            await aiosmtplib.send(m, hostname="127.0.0.1", port=self.smtp_port, timeout=60)
        except Exception as e:
            log.warning("demo.email_failed", error=str(e))

    def _on_event(self, type_: str, conv: Any) -> None:
        """Citizens answer the operator once; with a ticket, some write about it."""
        if conv.channel is Channel.SMS and conv.address in self._phones:
            if type_ == "chat.reply" and not self._phones[conv.address]:
                self._phones[conv.address] = True
                self._spawn(self._later(self._send_sms(conv.address,
                                                       self.rng.choice(SMS_DETAILS))))
            elif type_ in ("chat.ended", "chat.forwarded") and conv.ticket \
                    and self.rng.random() < 0.7:
                self._spawn(self._later(self._send_sms(conv.address, conv.ticket), 2.0))
        elif conv.channel is Channel.EMAIL and conv.address in self._mails:
            if type_ == "chat.reply" and not self._mails[conv.address]:
                self._mails[conv.address] = True
                self._spawn(self._later(self._send_mail(
                    conv.address, "Re: одговор", "Хвала, адреса је Футошка 12.")))
            elif type_ in ("chat.ended", "chat.forwarded") and conv.ticket:
                self._spawn(self._later(self._send_mail(
                    conv.address, f"Re: [{conv.ticket}] допуна",
                    "Шаљем фотографију у прилогу.", pdf=True), 2.0))

    async def _later(self, aw: Any, seconds: float = 0.5) -> None:
        try:
            await asyncio.sleep(seconds + self.rng.random())
        except BaseException:
            # Cancelled at the demo's stop: the message never started; close
            # it, or Python warns "never awaited" on the user's terminal.
            aw.close()
            raise
        await aw

    async def settle(self, timeout: float = 60.0) -> None:
        for _ in range(int(timeout / 0.25)):
            if not self._tasks:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.0)  # Kannel's last deliveries

    async def summary(self) -> dict[str, Any]:
        if self.system is None or self.system.channels is None:
            return {}
        await self.settle()
        counts = await self.system.channels.counts()
        return {k: counts[k] for k in ("sms_in", "sms_out", "emails_in")}
