"""A real call through the rig ends with a ticket linked to it and the
citizen transferred to the department's number (AMI Redirect, answered by
the city trunk's sipp); the department resolves it and the operator's and
supervisor's subscriptions get the change.  A transfer of a channel that is
not there leaves the ticket and the call, and says why."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from asterisk.rig import CITY_NUMBER
from kontakt.outbox import OutboxPublisher, Subscriber
from tests.rig.conftest import harness, needs_rig  # noqa: F401  (fixture)
from tickets.domain import Actor
from tickets.service import TicketService
from tickets.transfer_ami import AmiCallControl

pytestmark = [pytest.mark.rig, pytest.mark.mqtt, needs_rig]

OP = Actor("agent01", "agent")


def _city_answered(h):
    return any(e.get("Event") == "DialEnd" and e.get("DialStatus") == "ANSWER"
               and e.get("DestChannel", "").startswith("PJSIP/city") for e in h.events)


async def _talking_call(h):
    await h.rig.call([("0641234567", CITY_NUMBER)], rate=5)
    await h.until(lambda: h.ledger.talking == 1, 30, "the citizen talking to agent01")
    agent = next(a for a in h.engine.snapshot()["agents"] if a["call"])
    return agent["call"]


async def test_real_call_ticket_transfer_and_resolution(harness, sm):  # noqa: F811
    h = await harness(1)
    call = await _talking_call(h)
    prefix = f"kt-{uuid.uuid4().hex[:8]}"
    pub = OutboxPublisher(sm, "127.0.0.1", 1883, prefix, poll=0.05)
    svc = TicketService(sm, call_control=AmiCallControl(h.rig.ami), on_commit=pub.notify)
    async with Subscriber("127.0.0.1", 1883, f"{prefix}/tickets/#") as supervisor, \
            Subscriber("127.0.0.1", 1883, f"{prefix}/users/agent01/tickets/#") as operator:
        await asyncio.wait_for(supervisor.ready.wait(), 10)
        await asyncio.wait_for(operator.ready.wait(), 10)
        await pub.start()
        try:
            t = await svc.open_and_transfer(
                OP, kind="complaint", subject="Нема воде", description="Лиман 3",
                department="vodovod", channel_name=call["channel"], phone=call["caller"],
                call={"uniqueid": call["uniqueid"], "wait_seconds": call["wait"],
                      "agent": "agent01"})
            assert t["transfer"]["ok"], t["transfer"]
            await h.until(lambda: _city_answered(h), 20, "the department's number answering")
            stored = await svc.get(OP, t["number"])
            assert stored["calls"][0]["uniqueid"] == call["uniqueid"]
            assert stored["phone"] == "+381641234567" and stored["status"] == "forwarded"
            dep = Actor("vod1", "department", "vodovod")
            await svc.change_status(dep, t["number"], "resolved", "поправљено")
            for sub in (supervisor, operator):
                statuses = []
                while "resolved" not in statuses:
                    _, p = await sub.get(10)
                    statuses.append(p["status"])
        finally:
            await pub.stop()
    assert (await svc.totals())["transferred"] == 1


async def test_failed_transfer_keeps_ticket_and_call(harness, sm):  # noqa: F811
    h = await harness(1)
    call = await _talking_call(h)
    svc = TicketService(sm, call_control=AmiCallControl(h.rig.ami))
    t = await svc.open_and_transfer(OP, kind="request", subject="Одвоз", department="cistoca",
                                    channel_name="PJSIP/trunk-nothere", phone=call["caller"])
    assert t["transfer"]["ok"] is False
    assert t["transfer"]["code"] == "transfer.refused"
    assert "Channel" in t["transfer"]["message"]  # Asterisk's own words
    assert (await svc.get(OP, t["number"]))["status"] == "forwarded"
    await asyncio.sleep(0.5)
    assert h.ledger.talking == 1 and not _city_answered(h)  # still with the operator
    h_rows = await svc.history(OP, t["number"])
    assert h_rows[-1]["action"] == "transfer_failed"


async def test_attended_transfer_operator_talks_to_the_department_first(harness, sm):  # noqa: F811
    """AMI Atxfer on the operator's channel: the department is called from the
    operator's side; when the operator hangs up, the citizen stays with the
    department."""
    h = await harness(1, talk_ms=6000)
    call = await _talking_call(h)
    agent_channel = next(e["DestChannel"] for e in h.events
                         if e.get("Event") == "DialEnd"
                         and e.get("DestChannel", "").startswith("PJSIP/agent01"))
    svc = TicketService(sm, call_control=AmiCallControl(h.rig.ami))
    t = await svc.open_and_transfer(OP, kind="complaint", subject="Грејање", department="toplana",
                                    channel_name=call["channel"], attended=True,
                                    operator_channel=agent_channel)
    assert t["transfer"]["ok"] is True and t["transfer"]["mode"] == "attended"
    assert (await svc.get(OP, t["number"]))["status"] == "forwarded"
    await h.until(lambda: any(e.get("Event") == "AttendedTransfer"
                              and e.get("Result") == "Success" for e in h.events)
                  or any(e.get("Event") == "Newchannel"
                         and e.get("Channel", "").startswith("PJSIP/city-") for e in h.events),
                  20, "the department's number dialled from the operator's side")
