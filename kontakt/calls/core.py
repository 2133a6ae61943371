"""The call core: the ACD's decisions carried out, AMI's news applied.

``CallCore`` owns the live picture (the distributor, the contacts, the
counters).  Two ways in: ``run(commands)`` carries out what the distributor
decided (through the ports: events, queue_log, the waiting caller's
session), and ``on_ami(raw)`` applies what Asterisk says, translated first
by the pure ``asterisk.ami_events``.  Everything with I/O is a port, so the
unit tests drive this class with a fake PBX and recorded AMI traffic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from acd.distributor import Abandoned, AgentChanged, Command, Completed, Distributor, Offer, Queued
from acd.errors import AcdError
from asterisk.ami_events import Claimed, HangupAsked, LegHungUp, RingEnded, RingStarted, translate
from infra.logs import get_logger
from kontakt.calls.callbacks import ring_back
from kontakt.calls.contacts import Contact, Contacts, Kind
from kontakt.calls.fastpath import FastPath
from kontakt.calls.ports import CallbackRecorder, Pbx, QueueLogPort
from kontakt.calls.publish import Publisher
from kontakt.calls.stats import Stats

log = get_logger()


class CallCore:
    def __init__(self, acd: Distributor, *, pbx: Pbx, publisher: Publisher,
                 queue_log: QueueLogPort, callbacks: CallbackRecorder, fast: FastPath,
                 ring_timeout: float, clock: Callable[[], float],
                 on_agents_changed: Iterable[Callable[[str], None]] = ()) -> None:
        self.acd, self.pbx, self.publish = acd, pbx, publisher
        self.queue_log, self.record_callback, self.fast = queue_log, callbacks, fast
        self.ring_timeout, self.clock = ring_timeout, clock
        self.contacts = Contacts()
        self.stats = Stats()
        self._agents_changed = list(on_agents_changed)
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- carrying out the distributor's commands ------------------------------
    def run(self, commands: list[Command]) -> None:
        if commands:
            self.fast.schedule()
        now = self.clock()
        for cmd in commands:
            if isinstance(cmd, Offer):
                self._offer(cmd, now)
            elif isinstance(cmd, Queued):
                self.publish.call(cmd.call_id, "call.queued", position=cmd.position)
            elif isinstance(cmd, AgentChanged):
                self._agent_changed(cmd, now)
            elif isinstance(cmd, Abandoned):
                self.stats.abandoned += 1
                self.publish.call(cmd.call_id, "call.abandoned", wait=round(cmd.wait, 3),
                                  position=cmd.position)
                self.queue_log.write(cmd.call_id, "NONE", "ABANDON", cmd.position, 1,
                                     int(cmd.wait), now=now)
            elif isinstance(cmd, Completed):
                self._completed(cmd, now)

    def _offer(self, cmd: Offer, now: float) -> None:
        call = self.acd.calls.get(cmd.call_id)
        contact = self.contacts.get(cmd.call_id)
        if call is not None and call.callback:
            self.spawn(ring_back(self, cmd.call_id, cmd.agent_id))
        elif contact is not None:
            contact.resolve(cmd.agent_id)
        self.publish.call(cmd.call_id, "call.ringing", agent=cmd.agent_id)
        self.queue_log.write(cmd.call_id, cmd.agent_id, "RINGING", now=now)

    def _agent_changed(self, cmd: AgentChanged, now: float) -> None:
        for hook in self._agents_changed:
            hook(cmd.agent_id)
        self.publish.agent(cmd.agent_id, "agent.state", state=cmd.state, reason=cmd.reason)
        if cmd.state == "paused" and cmd.reason:
            self.queue_log.write("NONE", cmd.agent_id, "PAUSE", cmd.reason, now=now)

    def _completed(self, cmd: Completed, now: float) -> None:
        self.publish.call(cmd.call_id, "call.completed", agent=cmd.agent_id,
                          wait=round(cmd.wait, 3), talk=round(cmd.talk, 3))
        contact = self.contacts.get(cmd.call_id)
        by_agent = contact is not None and contact.ended_by_agent
        self.queue_log.write(cmd.call_id, cmd.agent_id,
                             "COMPLETEAGENT" if by_agent else "COMPLETECALLER",
                             int(cmd.wait), int(cmd.talk), 1, now=now)

    def spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)

    # -- what Asterisk says --------------------------------------------------------
    def on_ami(self, raw: dict[str, str]) -> None:
        event = translate(raw)
        if event is None:
            return
        try:
            if isinstance(event, RingStarted):
                self._ring_started(event)
            elif isinstance(event, RingEnded):
                self._ring_ended(event)
            elif isinstance(event, LegHungUp):
                self.leg_gone(event.uid)
            elif isinstance(event, HangupAsked):
                self._hangup_asked(event.uid)
            elif isinstance(event, Claimed):
                self._claimed(event)
        except AcdError as e:  # the picture and Asterisk disagree: say so, carry on
            log.warning("engine.ami_event_ignored", code=e.code, error=str(e),
                        event=type(event).__name__)

    def _ring_started(self, ev: RingStarted) -> None:
        contact = self.contacts.get(ev.caller_uid)
        if contact is not None and ev.leg_uid:
            self.contacts.link_agent_leg(contact, ev.leg_uid)
            return
        # app_queue (the fallback, e.g. during an upgrade) rings an agent for a
        # caller the engine does not know: busy elsewhere until that leg hangs up.
        agent = self.acd.agents.get(ev.agent)
        if contact is None and agent is not None and ev.leg_uid \
                and self.contacts.external(ev.leg_uid, agent.id) is not None \
                and agent.state.value == "available":
            self.run(self.acd.busy_elsewhere(agent.id, self.clock()))

    def _ring_ended(self, ev: RingEnded) -> None:
        contact = self.contacts.get(ev.caller_uid)
        if contact is not None and ev.status.final:
            contact.attempt = None  # AMI told how this attempt ended
        call = self.acd.calls.get(ev.caller_uid)
        if call is None or call.state != "offered":
            return
        if ev.status.value == "ANSWER":
            self._answered(ev.caller_uid)
        elif ev.status.not_reached:
            self.not_reached(ev.caller_uid, call.agent or "")

    def _answered(self, uid: str) -> None:
        now = self.clock()
        call = self.acd.call(uid)
        self.run(self.acd.answered(uid, now))
        wait = now - call.arrived
        self.stats.answer(wait)
        self.publish.call(uid, "call.connected", agent=call.agent, wait=round(wait, 3),
                          caller=call.caller, language=call.language, channel=call.channel)
        self.queue_log.write(uid, call.agent or "", "CONNECT", int(wait), "", 0, now=now)

    def not_reached(self, uid: str, agent: str) -> None:
        """The offered agent did not answer: paused, the caller keeps its place."""
        self.queue_log.write(uid, agent, "RINGNOANSWER", int(self.ring_timeout * 1000))
        contact = self.contacts.get(uid)
        if contact is not None and (contact.offer is None or contact.offer.done()):
            contact.new_offer()
        self.run(self.acd.no_answer(uid, self.clock()))

    def not_reached_once(self, uid: str, agent: str) -> None:
        """The ring returned without the agent: unless AMI said so already."""
        contact = self.contacts.get(uid)
        call = self.acd.calls.get(uid)
        if contact is None or contact.attempt != agent:
            return
        contact.attempt = None
        if call is not None and call.state == "offered" and call.agent == agent:
            self.not_reached(uid, agent)

    def leg_gone(self, uid: str) -> None:
        """A channel is gone (Hangup, or missing from the channels on reconcile)."""
        now = self.clock()
        owner = self.contacts.by_leg(uid)
        if owner is not None:
            callback_leg = owner.callback_leg == uid
            self.contacts.unlink_leg(uid)
            if callback_leg:  # the agent's end of a callback: the callback is over
                self.run(self.acd.call_gone(owner.uid, now))
                self.contacts.forget(owner.uid)
                return
            # the agent's leg: free the agent even if the caller stays (a transfer)
            self.run(self.acd.agent_gone(owner.uid, now))
        contact = self.contacts.get(uid)
        if contact is None:
            if uid in self.acd.calls:
                self.run(self.acd.call_gone(uid, now))
            return
        if contact.kind is Kind.EXTERNAL:
            self.contacts.forget(uid)
            if contact.agent:
                self.run(self.acd.free_again(contact.agent, now))
            return
        contact.stop_waiting()
        self.run(self.acd.call_gone(uid, now))
        if uid not in self.acd.calls:  # a callback request outlives the caller's leg
            self.contacts.forget(uid)

    def _hangup_asked(self, uid: str) -> None:
        owner = self.contacts.by_leg(uid)
        if owner is not None and owner.agent_leg == uid:
            owner.ended_by_agent = True
            return
        contact = self.contacts.get(uid)
        if contact is not None:
            contact.stop_waiting()

    def _claimed(self, ev: Claimed) -> None:
        """The dialplan rang the agent the fast path published: account for it."""
        if ev.agent not in self.acd.agents or ev.uid in self.acd.calls:
            return
        contact = self.contacts.open(ev.uid, ev.channel, ev.caller)
        contact.attempt = ev.agent
        self.stats.offered += 1
        self.queue_log.write(ev.uid, "NONE", "ENTERQUEUE", "", ev.caller or "")
        self.run(self.acd.claimed(ev.agent, ev.uid, self.clock(), caller=ev.caller,
                                  channel=ev.channel))

    # -- contacts the AGI routes open ---------------------------------------------
    def arrive(self, contact: Contact, *, language: str, priority: int,
               skills: tuple[str, ...]) -> list[Command]:
        """A routed call joins the ACD; the commands are the caller's to run."""
        return self.acd.call_arrived(contact.uid, self.clock(), caller=contact.caller,
                                     language=language, priority=priority,
                                     channel=contact.channel or None, skills=skills)
