"""The conversation service over the real storage (SQLite and PostgreSQL)
and the real ticket service: open and queue, assign, messages both ways,
a ticket with the transcript, forward, end, the fallback, a citizen who
disappears, and a restart that loses nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from acd.blend import Blender
from acd.conversation import Author, Channel, ConvState
from acd.distributor import Distributor
from infra.outbox import OutboxRow
from kontakt.chat.service import BadMessage, ConversationService, Limits, NotYours
from kontakt.chat.store import ConversationRow, ConversationStore
from tickets.domain import Actor
from tickets.service import TicketService


def build(sm, clock, agents=("agent01",), **limits):
    acd = Distributor()
    for a in agents:
        acd.add_agent(a, ("sr", "hu"))
    voice: list = []
    service = ConversationService(ConversationStore(sm), Blender(acd), clock=clock,
                                  run_voice=voice.extend, tickets=TicketService(sm),
                                  limits=Limits(**limits))
    return acd, service, voice


async def events(sm, conv_id):
    async with sm() as s:
        rows = (await s.scalars(select(OutboxRow).where(OutboxRow.topic == f"chats/{conv_id}")
                                .order_by(OutboxRow.id))).all()
    return [json.loads(r.payload)["type"] for r in rows]


async def test_open_queue_answer_ticket_end(sm, clock):
    acd, svc, _ = build(sm, clock)
    conv = await svc.open(Channel.CHAT, "chat:1.2.3.4", "  Добар дан, <b>канта</b>  ")
    assert conv.id > 0 and conv.state is ConvState.QUEUED
    assert svc.status(conv.id)["position"] == 1
    assert svc.status(conv.id)["expected_wait"] > 0
    acd.login("agent01", clock())
    await svc.sync()
    assert conv.state is ConvState.ACTIVE and conv.agent == "agent01"
    clock.now += 5
    await svc.reply("agent01", conv.id, "Изволите")
    await svc.inbound(conv.id, "Контејнер није испражњен")
    with pytest.raises(NotYours):
        await svc.reply("agent02", conv.id, "не")
    actor = Actor("op1", "agent")
    ticket = await svc.open_ticket(actor, "agent01", conv.id, kind="complaint",
                                   subject="Смеће")
    assert "<b>канта</b>" in ticket["description"]  # kept as typed: pages show text
    assert "Контејнер није испражњен" in ticket["description"]
    assert ticket["channel"] == "chat"
    await svc.end("agent01", conv.id)
    assert conv.id not in svc.blender.conversations
    row = await svc.store.row(conv.id)
    assert (row.state, row.outcome, row.ticket_number) == ("ended", "answered",
                                                          ticket["number"])
    assert await svc.store.by_ticket(ticket["number"]) == [conv.id]
    msgs = await svc.messages(conv.id)
    assert [m.message.author for m in msgs] == [Author.CITIZEN, Author.OPERATOR,
                                                 Author.CITIZEN, Author.SYSTEM]
    assert msgs[0].message.text == "Добар дан, <b>канта</b>"
    assert [m.id for m in await svc.messages(conv.id, after=msgs[1].id)] == \
        [m.id for m in msgs[2:]]
    types = await events(sm, conv.id)
    assert types[0] == "chat.opened" and "chat.assigned" in types and types[-1] == "chat.ended"
    counts = await svc.store.counts(Channel.CHAT)
    assert counts == {"offered": 1, "answered": 1, "lost": 0, "fallback": 0}


async def test_bad_messages_are_refused_with_a_reason(sm, clock):
    _, svc, _ = build(sm, clock, max_length=10)
    for text, reason in [("", "empty"), ("   \x00\x07 ", "empty"), ("x" * 11, "too_long"),
                         (None, "type")]:
        with pytest.raises(BadMessage) as e:
            await svc.open(Channel.CHAT, "chat:x", text)
        assert e.value.details["reason"] == reason
    async with sm() as s:
        assert (await s.scalars(select(ConversationRow))).all() == []


async def test_forward_to_a_department(sm, clock):
    acd, svc, _ = build(sm, clock)
    acd.login("agent01", clock())
    conv = await svc.open("sms", "+381641234567", "Пукла цев у Футошкој")
    ticket = await svc.forward(Actor("op1", "agent"), "agent01", conv.id,
                               department="vodovod", kind="complaint", subject="Цев")
    assert ticket["department"] == "vodovod" and ticket["phone"] == "+381641234567"
    row = await svc.store.row(conv.id)
    assert (row.state, row.department, row.ticket_number) == ("ended", "vodovod",
                                                             ticket["number"])


async def test_fallback_message_becomes_a_ticket_and_is_not_lost(sm, clock):
    _, svc, _ = build(sm, clock, wait_fallback=60)
    conv = await svc.open(Channel.CHAT, "chat:a", "Има ли кога?")
    clock.now += 61
    await svc.tick()
    assert conv.state is ConvState.FALLBACK
    ticket = await svc.fallback(conv.id, "message", text="Молим да ме позовете сутра")
    assert ticket["kind"] == "request" and "сутра" in ticket["description"]
    counts = await svc.store.counts(Channel.CHAT)
    assert counts == {"offered": 1, "answered": 0, "lost": 0, "fallback": 1}


async def test_keep_waiting_then_callback(sm, clock):
    _, svc, _ = build(sm, clock, wait_fallback=60)
    conv = await svc.open(Channel.CHAT, "chat:a", "Има ли кога?")
    clock.now += 61
    await svc.tick()
    await svc.fallback(conv.id, "wait")
    assert conv.state is ConvState.QUEUED
    clock.now += 30
    await svc.tick()
    assert conv.state is ConvState.QUEUED  # a fresh wait
    clock.now += 31
    await svc.tick()
    ticket = await svc.fallback(conv.id, "callback", phone="0641234567")
    assert ticket["kind"] == "callback" and ticket["phone"]


async def test_citizen_who_disappears_ends_the_chat_and_the_operator_is_told(sm, clock):
    acd, svc, _ = build(sm, clock, citizen_timeout=30)
    acd.login("agent01", clock())
    conv = await svc.open(Channel.CHAT, "chat:a", "Здраво")
    told = []
    svc.listeners.append(lambda type_, c: told.append((type_, c.agent)))
    clock.now += 20
    svc.seen(conv.id)
    clock.now += 20
    await svc.tick()
    assert conv.state is ConvState.ACTIVE
    clock.now += 31
    await svc.tick()
    assert conv.state is ConvState.ENDED
    assert ("chat.citizen_gone", "agent01") in told
    assert (await events(sm, conv.id))[-1] == "chat.citizen_gone"
    assert svc.blender.load("agent01")["chat"] == 0


async def test_restart_puts_open_conversations_back_in_the_queue(sm, clock):
    acd, svc, _ = build(sm, clock)
    acd.login("agent01", clock())
    a = await svc.open(Channel.CHAT, "chat:a", "прва")
    b = await svc.open(Channel.EMAIL, "a@example.org", "друга")
    await svc.end("agent01", a.id)
    acd2, svc2, _ = build(sm, clock)
    await svc2.start()
    try:
        assert [c.id for c in svc2.blender.waiting()] == [b.id]
        restored = svc2.blender.conversation(b.id)
        assert restored.messages[0].text == "друга" and restored.channel is Channel.EMAIL
        acd2.login("agent01", clock())
        await svc2.sync()
        assert restored.agent == "agent01"
        assert svc2.find_open("email", "a@example.org") is restored
    finally:
        await svc2.stop()


async def test_calls_held_off_at_text_capacity_reach_the_voice_side(sm, clock):
    acd, svc, voice = build(sm, clock)
    acd.login("agent01", clock())
    for i in range(3):
        await svc.open(Channel.CHAT, f"chat:{i}", "здраво")
    assert "agent01" in acd.no_calls
    acd.call_arrived("call1", clock())
    conv = svc.blender.of_agent("agent01")[0]
    await svc.end("agent01", conv.id)
    assert [type(c).__name__ for c in voice].count("Offer") == 1


async def test_the_call_cores_hook_names_the_agent(sm, clock):
    """The call core calls each agents-changed hook with the agent's id
    (kontakt.calls.core): the conversation service takes it and re-syncs."""
    acd, svc, _voice = build(sm, clock)
    acd.login("agent01", clock())
    svc.on_agents_changed("agent01")
    assert svc._pending_sync  # one re-sync scheduled on the loop
    svc.on_agents_changed("agent01")  # a second change in the same turn: still one


async def test_the_hook_offers_a_waiting_chat_to_an_operator_who_logs_in(sm, clock):
    import asyncio

    acd, svc, _voice = build(sm, clock)
    conv = await svc.open(Channel.CHAT, "chat:1", "здраво")
    acd.login("agent01", clock())
    svc.on_agents_changed("agent01")
    for _ in range(200):  # the re-sync runs on the loop, its writes in the database
        if conv.state is ConvState.ACTIVE:
            break
        await asyncio.sleep(0.01)
    assert conv.agent == "agent01"


async def test_changes_during_a_slow_sync_wait_as_one_more_round_not_a_task_each(sm, clock):
    """A sync held up (here: the service's lock taken; in life, a busy
    database) while agents keep changing: one task, which runs one more
    round for all the changes that came meanwhile."""
    import asyncio

    acd, svc, _voice = build(sm, clock)
    conv = await svc.open(Channel.CHAT, "chat:1", "здраво")
    rounds = 0
    real_sync = svc.sync

    async def counted() -> None:
        nonlocal rounds
        rounds += 1
        await real_sync()

    svc.sync = counted  # type: ignore[method-assign]
    async with svc._lock:
        for _ in range(50):  # fifty changes on fifty loop turns
            svc.on_agents_changed("agent01")
            await asyncio.sleep(0)
        tasks = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__.endswith(
            "_sync_rounds")]
        assert len(tasks) == 1
        acd.login("agent01", clock())
        svc.on_agents_changed("agent01")
        await asyncio.sleep(0)
    await tasks[0]
    assert rounds == 2  # the first, then one for everything that came while it waited
    assert conv.agent == "agent01" and svc._syncing is None
