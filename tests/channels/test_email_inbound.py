"""E-mail in through kontakt's SMTP listener (a real SMTP client, aiosmtplib)
and out through the SMTP sender to a real SMTP server (aiosmtpd): a message
becomes a conversation an operator answers; with a ticket number in its
subject, a comment on that ticket the department sees, its attachment kept
with the ticket; forged numbers, wrong recipients, bad encodings, forbidden
or huge attachments and huge messages are refused in the SMTP dialogue and
leave nothing behind.  On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage

import aiosmtplib
import pytest

from acd.conversation import Channel, ConvState
from kontakt.channels.email_in import EmailChannel, InboundMailHandler, SmtpListener
from kontakt.channels.mail_parse import MailLimits
from kontakt.channels.store import ChannelLog
from tickets.domain import Actor
from tickets.notify.smtp import SmtpEmailSender

CENTER = "kontakt@novisad.rs"
CITIZEN = "jelena.petrovic@example.rs"


@pytest.fixture
async def mail_rig(desk, smtp_peer):
    log = ChannelLog(desk.tickets.sessionmaker)
    sender = SmtpEmailSender("127.0.0.1", smtp_peer.port, "kontakt-centar@novisad.rs")
    channel = EmailChannel(log, desk.tickets, desk.chats, sender)
    desk.chats.senders[Channel.EMAIL] = channel.send
    handler = InboundMailHandler(channel, (CENTER,), MailLimits(200_000, ("application/pdf",
                                                                           "image/png")))
    listener = await SmtpListener(handler, "127.0.0.1", 0, max_bytes=500_000).start()
    yield listener, log
    await listener.stop()


def mail(subject: str, body: str = "Поштовани, канта није испражњена.", frm: str = CITIZEN,
         to: str = CENTER) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = f"Јелена Петровић <{frm}>", to, subject
    m.set_content(body)
    return m


async def send(listener, message, **kw):
    return await aiosmtplib.send(message, hostname="127.0.0.1", port=listener.port,
                                 timeout=20, **kw)


async def until(predicate, within=10.0):
    deadline = time.monotonic() + within
    while not (result := predicate()):
        assert time.monotonic() < deadline, "not within time"
        await asyncio.sleep(0.05)
    return result


async def test_email_becomes_conversation_and_reply_carries_ticket_number(desk, mail_rig,
                                                                           smtp_peer):
    listener, log = mail_rig
    await send(listener, mail("Пуна канта у Футошкој"))
    conv = desk.chats.find_open(Channel.EMAIL, CITIZEN)
    assert conv is not None and conv.state is ConvState.QUEUED
    assert conv.messages[0].text.startswith("Пуна канта у Футошкој\n\nПоштовани")
    await desk.operator_in()
    await desk.chats.reply("agent01", conv.id, "Хвала, проверавамо.")
    ticket = await desk.chats.open_ticket(Actor("op1", "agent"), "agent01", conv.id,
                                          kind="complaint", subject="Канта")
    assert ticket["email"] == CITIZEN and ticket["channel"] == "email"
    await desk.chats.reply("agent01", conv.id, "Отворен је предмет.")
    got = await until(lambda: len(smtp_peer.inbox.messages) >= 2 and smtp_peer.inbox.messages)
    assert [str(m["To"]) for m in got] == [CITIZEN, CITIZEN]
    assert ticket["number"] not in str(got[0]["Subject"])
    assert f"[{ticket['number']}]" in str(got[1]["Subject"])
    assert "Отворен је предмет." in got[1].get_content()
    # the citizen answers while the conversation is open: on it, and on its ticket
    await send(listener, mail(f"Re: {got[1]['Subject']}", "Хвала!"))
    assert conv.messages[-1].text.endswith("Хвала!")
    history = await desk.tickets.history(Actor("op1", "agent"), ticket["number"])
    assert any("Хвала!" in (h["comment"] or "") for h in history)
    assert (await log.counts())["emails_in"] == 2
    assert (await log.counts())["emails_out"] == 2


async def test_subject_with_ticket_number_is_a_comment_the_department_sees(desk, mail_rig):
    listener, log = mail_rig
    ticket = await desk.tickets.open_ticket(
        Actor("op1", "agent"), kind="complaint", subject="Бука", department="cistoca",
        email=CITIZEN, channel="phone")
    m = mail(f"Допуна за предмет {ticket['number']}", "Шаљем фотографију.")
    m.add_attachment(b"\x89PNG\r\n\x1a\n fake", maintype="image", subtype="png",
                     filename="kanta.png")
    await send(listener, m)
    dep = Actor("cis1", "department", "cistoca")
    history = await desk.tickets.history(dep, ticket["number"])
    comment = next(h["comment"] for h in history if "Шаљем фотографију." in (h["comment"] or ""))
    assert "kanta.png" in comment
    kept = await log.attachments(ticket["number"])
    assert [(a.filename, a.content_type) for a in kept] == [("kanta.png", "image/png")]
    row = await log.attachment(kept[0].id)
    assert row is not None and row.data.startswith(b"\x89PNG")
    assert desk.chats.find_open(Channel.EMAIL, CITIZEN) is None  # not a new conversation

    # a forged number, and a real one from another address: refused, nothing kept
    for subject, frm in ((f"Предмет NS-{ticket['number'][3:7]}-999999", CITIZEN),
                         (f"Предмет {ticket['number']}", "uljez@example.com")):
        with pytest.raises(aiosmtplib.SMTPResponseException) as e:
            await send(listener, mail(subject, "Промените адресу", frm=frm))
        assert e.value.code == 550 and "without the number" in e.value.message
    history2 = await desk.tickets.history(dep, ticket["number"])
    assert len(history2) == len(history)
    counts = await log.counts()
    assert counts["emails_in"] == 1 and counts["emails_refused"] == 2


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n" + body


@pytest.mark.parametrize("make,code,words", [
    (lambda: mail("x", to="nekome@novisad.rs"), 550, "not an address"),
    (lambda: _raw(f"From: {CITIZEN}\nTo: {CENTER}\nSubject: x\nContent-Type: text/plain; "
                  "charset=klingon\n", b"Qapla'"), 550, "charset"),
    (lambda: _raw(f"From: {CITIZEN}\nTo: {CENTER}\nSubject: x\nContent-Type: text/plain; "
                  "charset=utf-8\nContent-Transfer-Encoding: 8bit\n", b"\xd0\x28 bad"),
     550, "not valid"),
    (lambda: _attach(b"MZ\x90\x00", "application", "x-msdownload", "virus.exe"), 554,
     "not accepted"),
    (lambda: _attach(b"%PDF" + b"0" * 300_000, "application", "pdf", "big.pdf"), 552,
     "over"),
    (lambda: mail("huge", "а" * 400_000), 552, ""),
])
async def test_bad_mail_is_refused_with_a_reason(desk, mail_rig, make, code, words):
    listener, log = mail_rig
    message = make()
    with pytest.raises((aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused)) \
            as e:
        if isinstance(message, bytes):
            await aiosmtplib.send(message, sender=CITIZEN, recipients=[CENTER],
                                  hostname="127.0.0.1", port=listener.port, timeout=20)
        else:
            await send(listener, message)
    err = e.value.recipients[0] if isinstance(e.value, aiosmtplib.SMTPRecipientsRefused) \
        else e.value
    assert err.code == code and words in err.message
    assert desk.chats.find_open(Channel.EMAIL, CITIZEN) is None
    assert (await log.counts())["emails_in"] == 0


def _attach(data: bytes, maintype: str, subtype: str, name: str) -> EmailMessage:
    m = mail("Прилог")
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


async def test_long_mail_is_cut_for_the_operator_and_kept_whole(desk, mail_rig):
    listener, log = mail_rig
    body = "Поштовани, " + "опис проблема " * 300
    await send(listener, mail("Дуга порука", body))
    conv = desk.chats.find_open(Channel.EMAIL, CITIZEN)
    assert conv is not None and len(conv.messages[0].text) <= desk.chats.limits.max_length
    assert conv.messages[0].text.endswith("цела порука је сачувана]")
    [row] = await log.messages("email", CITIZEN)
    assert row.body == body.strip() and row.conversation_id == conv.id
