"""The demo's operators: those at a transferring seat transfer every citizen
they answer (while it is on the line), the others open a ticket only."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from kontakt.demo import transferring
from kontakt.demo_desk import DemoDesk


class _Tickets:
    def __init__(self) -> None:
        self.opened: list[str] = []
        self.transferred: list[tuple[str, str]] = []

    async def open_ticket(self, actor: Any, **kw: Any) -> dict[str, Any]:
        self.opened.append(actor.user_id)
        return {}

    async def open_and_transfer(self, actor: Any, *, channel_name: str, **kw: Any
                                ) -> dict[str, Any]:
        self.transferred.append((actor.user_id, channel_name))
        return {}

    async def search(self, *a: Any, **kw: Any) -> list[Any]:
        return []


class _Publisher:
    def __init__(self) -> None:
        self.subscribers: list[Any] = []

    def subscribe(self, s: Any) -> None:
        self.subscribers.append(s)

    def unsubscribe(self, s: Any) -> None:
        self.subscribers.remove(s)


def test_every_third_seat_transfers():
    assert transferring(20) == {"agent03", "agent06", "agent09", "agent12", "agent15",
                                "agent18"}
    assert transferring(2) == frozenset()


async def test_operators_at_transferring_seats_transfer_every_call():
    tickets, pub = _Tickets(), _Publisher()
    desk = DemoDesk(tickets, pub, ["vodovod"], rng=random.Random(1),
                    transfer_agents=frozenset({"agent03"}))
    desk.start()
    try:
        for n, agent in enumerate(["agent01", "agent03", "agent02", "agent03"]):
            for s in pub.subscribers:
                s("kontakt/queue/x", {"type": "call.connected", "agent": agent,
                                      "uniqueid": f"1.{n}", "channel": f"PJSIP/trunk-{n}"})
        for _ in range(100):
            if len(tickets.opened) + len(tickets.transferred) == 4:
                break
            await asyncio.sleep(0.1)
    finally:
        await desk.stop()
    assert sorted(tickets.transferred) == [("agent03", "PJSIP/trunk-1"),
                                           ("agent03", "PJSIP/trunk-3")]
    assert sorted(tickets.opened) == ["agent01", "agent02"]
