"""Queue, worker and ticket view on SQLite and PostgreSQL, with real SMTP and Kannel."""

from __future__ import annotations

import asyncio

import pytest

from kontakt.channels.kannel_box import PASSWORD, USERNAME, free_port
from tickets.notify import policy
from tickets.notify.jobs import NotificationWorker, enqueue, for_ticket, rearm
from tickets.notify.kannel import KannelSmsGateway
from tickets.notify.ports import NotificationFailed
from tickets.notify.smtp import SmtpEmailSender

NUMBER = "NS-2027-000123"
PHONE = "+381641234567"
MAIL = "gradjanin@example.org"
BACKOFF = policy.exponential_backoff(base=10, factor=2, cap=600)


async def _enqueue(sm, *, event_id="ev-1", status="resolved", language="sr", phone=PHONE,
                   email=MAIL, outcome="Квар је отклоњен.", **kw):
    async with sm() as session, session.begin():
        await enqueue(session, ticket_number=NUMBER, event_id=event_id, status=status,
                      language=language, phone=phone, email=email, outcome=outcome, **kw)


async def _view(sm):
    async with sm() as session:
        return await for_ticket(session, NUMBER)


def _smtp(port):
    return SmtpEmailSender("127.0.0.1", port, "kontakt@novisad.rs", timeout=3)


def _kannel(url):
    return KannelSmsGateway(url, USERNAME, PASSWORD, timeout=3)


async def test_enqueue_one_row_per_known_channel_and_once_per_event(sessionmaker):
    await _enqueue(sessionmaker)
    await _enqueue(sessionmaker)  # the same event delivered twice
    await _enqueue(sessionmaker, event_id="ev-2", email=None)
    await _enqueue(sessionmaker, event_id="ev-3", phone=None, email=None)
    rows = await _view(sessionmaker)
    assert [(r["event_id"], r["channel"], r["recipient"]) for r in rows] == [
        ("ev-1", "sms", PHONE), ("ev-1", "email", MAIL), ("ev-2", "sms", PHONE)]
    assert {r["status"] for r in rows} == {"pending"}
    assert all(r["attempts"] == 0 and r["language"] == "sr" for r in rows)


async def test_enqueue_only_on_the_statuses_the_administrator_chose(sessionmaker):
    await _enqueue(sessionmaker, event_id="a", status="active")
    await _enqueue(sessionmaker, event_id="f", status="forwarded",
                   notify_on=("resolved", "cancelled", "forwarded"))
    assert [r["event_id"] for r in await _view(sessionmaker)] == ["f", "f"]


async def test_enqueue_is_part_of_the_callers_transaction(sessionmaker):
    with pytest.raises(RuntimeError):
        async with sessionmaker() as session, session.begin():
            await enqueue(session, ticket_number=NUMBER, event_id="ev-x", status="resolved",
                          language="sr", phone=PHONE, email=None, outcome=None)
            raise RuntimeError("the status change failed")
    assert await _view(sessionmaker) == []


async def test_worker_sends_sms_and_email_through_real_gateways(sessionmaker, smtp_server,
                                                                 kannel, clock):
    await _enqueue(sessionmaker, language="hu", outcome="A hibát elhárítottuk.")
    worker = NotificationWorker(sessionmaker, _kannel(kannel.url), _smtp(smtp_server.port),
                                clock=clock)
    assert await worker.run_once() == 2
    assert await worker.run_once() == 0
    [sms] = await kannel.wait_received(1)
    assert sms.to == PHONE and NUMBER in sms.text and "megoldva" in sms.text
    [mail] = smtp_server.inbox.messages
    assert NUMBER in mail["Subject"] and "megoldva" in mail["Subject"]
    assert "A hibát elhárítottuk." in mail.get_content()
    rows = await _view(sessionmaker)
    assert [(r["channel"], r["status"], r["attempts"]) for r in rows] == [
        ("sms", "sent", 1), ("email", "sent", 1)]
    assert rows[1]["message_id"] == mail["Message-ID"]
    assert all(r["sent_at"] for r in rows)


async def test_gateways_down_then_up_retry_with_backoff(sessionmaker, smtp_servers, kannels,
                                                        clock):
    smtp_port, sendsms_port = free_port(), free_port()
    await _enqueue(sessionmaker)
    worker = NotificationWorker(sessionmaker, _kannel(f"http://127.0.0.1:{sendsms_port}"),
                                _smtp(smtp_port), clock=clock, backoff=BACKOFF)
    assert await worker.run_once() == 2
    rows = await _view(sessionmaker)
    assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 1), ("pending", 1)]
    assert rows[0]["last_error"].startswith("sms.unreachable")
    assert rows[1]["last_error"].startswith("email.unreachable")
    assert all(r["next_attempt_at"] == "2027-03-01T09:00:10+00:00" for r in rows)

    assert await worker.run_once() == 0  # not due yet
    clock.advance(10)
    assert await worker.run_once() == 2  # still down: the wait doubles
    rows = await _view(sessionmaker)
    assert [r["attempts"] for r in rows] == [2, 2]
    assert rows[0]["next_attempt_at"] == "2027-03-01T09:00:30+00:00"

    server = smtp_servers(smtp_port)
    rig = await kannels(sendsms_port)
    clock.advance(20)
    assert await worker.run_once() == 2
    rows = await _view(sessionmaker)
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 3), ("sent", 3)]
    assert len(server.inbox.messages) == 1
    [sms] = await rig.wait_received(1)
    assert NUMBER in sms.text and "решен" in sms.text


async def test_gives_up_after_max_attempts_and_stays_listed(sessionmaker, clock):
    await _enqueue(sessionmaker, phone=None)
    worker = NotificationWorker(sessionmaker, None, _smtp(free_port()), clock=clock,
                                max_attempts=3, backoff=BACKOFF)
    for _ in range(5):
        await worker.run_once()
        clock.advance(600)
    [row] = await _view(sessionmaker)
    assert (row["status"], row["attempts"]) == ("gave_up", 3)
    assert row["last_error"].startswith("email.unreachable")
    assert row["next_attempt_at"] is None

    async with sessionmaker() as session, session.begin():
        again = await rearm(session, row["id"], now=clock())
    assert (again["status"], again["attempts"]) == ("pending", 0)


async def test_refused_recipient_fails_for_good_and_is_shown(sessionmaker, smtp_server, clock):
    await _enqueue(sessionmaker, phone=None, email="nobody@example.org")
    worker = NotificationWorker(sessionmaker, None, _smtp(smtp_server.port), clock=clock)
    assert await worker.run_once() == 1
    clock.advance(3600)
    assert await worker.run_once() == 0
    [row] = await _view(sessionmaker)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "email.refused" in row["last_error"] and "550" in row["last_error"]


async def test_channel_without_a_gateway_stays_pending_untouched(sessionmaker, smtp_server, clock):
    await _enqueue(sessionmaker)
    worker = NotificationWorker(sessionmaker, None, _smtp(smtp_server.port), clock=clock)
    assert await worker.run_once() == 1
    rows = {r["channel"]: r for r in await _view(sessionmaker)}
    assert rows["email"]["status"] == "sent"
    assert (rows["sms"]["status"], rows["sms"]["attempts"]) == ("pending", 0)


class _Exploding:
    async def send(self, to, subject, body):
        raise KeyError("adapter bug")


class _Refusing:
    async def send(self, to_e164, text):
        raise NotificationFailed("sms.refused", {"http_status": 400}, retryable=False)


async def test_an_adapter_bug_is_retried_not_lost(sessionmaker, clock):
    await _enqueue(sessionmaker)
    worker = NotificationWorker(sessionmaker, _Refusing(), _Exploding(), clock=clock)
    await worker.run_once()
    rows = {r["channel"]: r for r in await _view(sessionmaker)}
    assert rows["email"]["status"] == "pending"
    assert "notify.unexpected" in rows["email"]["last_error"]
    assert rows["sms"]["status"] == "failed"


async def test_run_loop_sends_and_stops(sessionmaker, smtp_server):
    await _enqueue(sessionmaker, phone=None)
    worker = NotificationWorker(sessionmaker, None, _smtp(smtp_server.port), poll_interval=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    for _ in range(100):
        if smtp_server.inbox.messages:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(smtp_server.inbox.messages) == 1
    assert (await _view(sessionmaker))[0]["status"] == "sent"


async def test_two_workers_never_send_the_same_row_twice(sessionmaker, smtp_server, clock):
    for i in range(12):
        await _enqueue(sessionmaker, event_id=f"ev-{i}", phone=None)
    workers = [NotificationWorker(sessionmaker, None, _smtp(smtp_server.port), clock=clock,
                                  batch=3) for _ in range(2)]

    async def drain(worker):
        while await worker.run_once():
            pass

    await asyncio.gather(*(drain(w) for w in workers))
    assert len(smtp_server.inbox.messages) == 12
    rows = await _view(sessionmaker)
    assert {(r["status"], r["attempts"]) for r in rows} == {("sent", 1)}
