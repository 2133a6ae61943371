"""SMS through a real private Kannel: a citizen's SMS injected at Kannel's
fake SMSC reaches kontakt through the sms-service get-url, queues a
conversation an operator takes; the operator's Cyrillic reply comes back out
of Kannel (UCS-2, concatenated parts); the conversation forwarded as a
ticket, the citizen's next SMS is added to the ticket; an SMS with the
ticket number gets its status back at once.  The endpoint answers only
Kannel's address and credentials.  On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from acd.conversation import Author, Channel, ConvState
from kontakt.channels.kannel_box import PASSWORD, USERNAME, KannelBox, kannel_missing
from kontakt.channels.sms import SmsChannel
from kontakt.channels.sms_http import KannelDoor, SmsInbound, get_url
from kontakt.channels.store import ChannelLog
from tickets.domain import Actor
from tickets.notify.kannel import KannelSmsGateway

CITIZEN = "+381641112233"
USER, SECRET = "kannel", "get-url-secret"


async def until(predicate, within=20.0):
    deadline = time.monotonic() + within
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("not within time")
        await asyncio.sleep(0.1)
    return result


@pytest.fixture
async def sms_rig(desk, tmp_path):
    reason = kannel_missing()
    if reason:
        pytest.skip(reason)
    log = ChannelLog(desk.tickets.sessionmaker)
    channel = SmsChannel(log, desk.tickets, desk.chats, None)
    inbound = await SmsInbound(KannelDoor(channel, USER, SECRET, ("127.0.0.1/32",)),
                               "127.0.0.1", 0).start()
    box = KannelBox(tmp_path / "kannel", get_url(USER, SECRET, "127.0.0.1", inbound.port))
    try:
        await box.start()
        channel.gateway = KannelSmsGateway(box.url, USERNAME, PASSWORD)
        desk.chats.senders[Channel.SMS] = channel.send
        yield box, channel, log, inbound
    finally:
        box.stop()
        await inbound.stop()


async def test_sms_to_operator_and_back_through_kannel(desk, sms_rig):
    box, _, log, _ = sms_rig
    await box.send_mo(CITIZEN, "Добар дан, контејнер у Улици Максима Горког није испражњен")
    conv = await until(lambda: desk.chats.find_open(Channel.SMS, CITIZEN))
    assert conv.messages[0].text.startswith("Добар дан, контејнер")  # UCS-2 in, decoded
    assert conv.state is ConvState.QUEUED
    await desk.operator_in()
    assert conv.state is ConvState.ACTIVE and conv.agent == "agent01"

    reply = ("Поштовани, хвала на поруци. ЈКП „Чистоћа“ ће испразнити контејнер "
             "до краја дана. Ваш Контакт центар.")
    assert len(reply) > 70  # more than one UCS-2 part
    await desk.chats.reply("agent01", conv.id, reply)
    got = await box.wait_received(1)
    assert [(s.to, s.text) for s in got] == [(CITIZEN, reply)]
    assert got[0].coding == "ucs-2" and got[0].parts >= 2

    ticket = await desk.chats.forward(Actor("op1", "agent"), "agent01", conv.id,
                                      department="cistoca", kind="complaint",
                                      subject="Контејнер")
    assert ticket["channel"] == "sms" and ticket["phone"] == CITIZEN
    # the citizen writes again: the conversation ended, the ticket is open
    await box.send_mo(CITIZEN, "Jos uvek nije ispraznjen")
    dep = Actor("cis1", "department", "cistoca")

    async def comments():
        return [h["comment"] or "" for h in await desk.tickets.history(dep, ticket["number"])]

    deadline = time.monotonic() + 20
    while not any("Jos uvek" in c for c in await comments()):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    assert any(c.startswith("SMS грађанина: Jos uvek nije ispraznjen") for c in await comments())
    assert desk.chats.find_open(Channel.SMS, CITIZEN) is None  # no new conversation

    # the ticket number: its status comes back at once
    before = len(box.received())
    await box.send_mo(CITIZEN, f"Stanje {ticket['number'].lower()}?")
    got = await box.wait_received(before + 1)
    assert got[-1].to == CITIZEN and ticket["number"] in got[-1].text
    assert "прослеђен" in got[-1].text  # forwarded, in the city's words
    # another phone asking about the same number learns nothing
    await box.send_mo("+381651234567", ticket["number"])
    got = await box.wait_received(before + 2)
    assert got[-1].to == "+381651234567" and "није пронађен" in got[-1].text

    deadline = time.monotonic() + 5  # the last send is logged once Kannel answered
    while (counts := await log.counts())["sms_out"] < 3:
        assert time.monotonic() < deadline, counts
        await asyncio.sleep(0.05)
    assert counts["sms_in"] == 4 and counts["sms_out"] == 3
    msgs = await desk.chats.messages(conv.id)
    assert [m.message.author for m in msgs][:2] == [Author.CITIZEN, Author.OPERATOR]


async def test_endpoint_answers_only_kannel(desk, sms_rig):
    _, channel, log, inbound = sms_rig
    url = f"http://127.0.0.1:{inbound.port}/kannel/sms"
    params = {"from": CITIZEN, "to": "1999", "bin": "zdravo", "coding": "0", "charset": "UTF-8"}
    async with httpx.AsyncClient() as c:
        assert (await c.get(url, params=params)).status_code == 401
        assert (await c.get(url, params=params, auth=(USER, "wrong"))).status_code == 401
        bad = {**params, "bin": "", "text": ""}
        assert (await c.get(url, params=bad, auth=(USER, SECRET))).status_code == 400
        r = await c.get(url + "?from=%2B381641112233&bin=%D0%28&coding=0&charset=UTF-8",
                        auth=(USER, SECRET))
        assert r.status_code == 400 and "UTF-8" in r.text.upper()  # not valid UTF-8: refused
    # an address not on the allow-list is refused before any credential is looked at
    door = KannelDoor(channel, USER, SECRET, ("10.9.9.9/32",))
    app = SmsInbound(door, "127.0.0.1", 0)
    try:
        transport = httpx.ASGITransport(app=app.app, client=("10.1.1.1", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as c:
            r = await c.get("/kannel/sms", params=params, auth=(USER, SECRET))
        assert r.status_code == 403
    finally:
        app.sock.close()
    assert desk.chats.find_open(Channel.SMS, CITIZEN) is None
    assert (await log.counts())["sms_in"] == 0
