"""The FastAGI routes the dialplan calls: ``call`` (a new citizen's call:
route it, then ring a free agent at once or wait), ``requeue`` (the agent
the dialplan dialled was not reached) and ``feature`` (an agent's phone
keys *71..*74)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from acd.distributor import Offer
from acd.errors import AcdError
from asterisk.fastagi import AgiSession, CallHungUp
from dialplan.outcome import Action, Outcome
from infra.logs import bind_call, get_logger
from kontakt.calls import callbacks
from kontakt.calls.core import CallCore
from kontakt.calls.waiting import NEEDS_VAR, WaitingRoom, parse_needs

log = get_logger()

Router = Callable[[AgiSession], Awaitable[Outcome]]
AgentOp = Callable[[str], Awaitable[None]]


class Routes:
    def __init__(self, core: CallCore, router: Router, waiting: WaitingRoom,
                 features: dict[str, AgentOp]) -> None:
        self.core, self.router, self.waiting = core, router, waiting
        self.features = features  # feature code -> what it does to the agent

    def table(self) -> dict[str, Callable[[AgiSession], Awaitable[None]]]:
        return {"call": self.call, "requeue": self.requeue, "feature": self.feature}

    async def call(self, agi: AgiSession) -> None:
        core = self.core
        core.stats.offered += 1
        out = await self.router(agi)
        log.info("call.routed", action=out.action.value, language=out.language,
                 skills=list(out.needs), reason=out.reason, caller=agi.caller,
                 dialled=agi.dialled, menu_path=list(out.menu_path))
        if out.action is Action.CALLBACK:  # outside hours: the IVR took the request
            caller = out.caller or agi.caller or ""
            if caller:
                await callbacks.outside_hours(core, agi.uniqueid, caller, out.language)
            await agi.set_var("KONTAKT_ACTION", "reject:callback")
        elif out.action in (Action.REJECT, Action.CLOSED):
            core.stats.rejected += 1
            core.publish.call(agi.uniqueid, "call.rejected", reason=out.reason, caller=agi.caller)
            await agi.set_var("KONTAKT_ACTION", f"reject:{out.action.value}")
        elif out.action is Action.QUEUE:
            await self._queue(agi, out)
        else:  # the caller left in the IVR
            await agi.set_var("KONTAKT_ACTION", "done")

    async def _queue(self, agi: AgiSession, out: Outcome) -> None:
        core = self.core
        contact = core.contacts.open(agi.uniqueid, agi.channel, agi.caller)
        contact.new_offer()
        commands = core.arrive(contact, language=out.language, priority=out.priority,
                               skills=out.needs)
        offer = next((c for c in commands if isinstance(c, Offer) and c.call_id == contact.uid),
                     None)
        if offer is None:
            core.queue_log.write(contact.uid, "NONE", "ENTERQUEUE", "", agi.caller or "")
            core.run(commands)
            if out.farewell:  # the IVR's "connecting you", then the waiting room
                await agi.command(f'STREAM FILE {out.farewell} ""')
            await self.waiting.connect(agi, contact, out.language, out.needs)
            return
        # A free agent: ring it at once from this AGI session (set-up latency);
        # the bookkeeping runs while it rings.
        contact.attempt = offer.agent_id
        loop = asyncio.get_running_loop()
        loop.call_soon(core.queue_log.write, contact.uid, "NONE", "ENTERQUEUE", "",
                       agi.caller or "")
        loop.call_soon(core.run, commands)
        if await self._ring(agi, offer.agent_id, out.farewell):
            return  # answered and over, or the caller left
        if await agi.get_var("QUEUESTATUS") == "FULL":
            # Another call took this agent first (the fast path's race): back
            # to our place, the agent is not to blame.
            contact.attempt = None
            if contact.offer is None or contact.offer.done():
                contact.new_offer()
            core.run(core.acd.retract(contact.uid, core.clock()))
        else:
            core.not_reached_once(contact.uid, offer.agent_id)
        await self.waiting.connect(agi, contact, out.language, out.needs)

    async def _ring(self, agi: AgiSession, agent: str, farewell: str | None = None) -> bool:
        """Ring ``agent`` through its one-member queue, inside this AGI session;
        with ``farewell`` (the IVR's last prompt) the dialplan plays it first
        and rings in the very next step, no round trip between.

        Blocks for the whole call when the agent answers.  True when the call
        is over (answered and ended, or the caller left); False when the
        agent was not reached and the caller is still here.  If the engine
        dies meanwhile, Asterisk finishes the ring and a caller who was not
        reached goes on to app_queue (the kontakt-ring subroutine marks it)."""
        arg = f'"{agent},{farewell}"' if farewell else agent
        r = await agi.command(f"GOSUB kontakt-ring s 1 {arg}", timeout=24 * 3600)
        if r.get("error") == "AGIAppError":  # result=-1: the caller hung up in the subroutine
            return True
        call = self.core.acd.calls.get(agi.uniqueid)
        if call is None or call.state in ("connected", "done"):
            with contextlib.suppress(CallHungUp):
                await agi.set_var("KONTAKT_ACTION", "done")
            return True
        return False

    async def requeue(self, agi: AgiSession) -> None:
        # The dialplan asks again only when the agent was not reached (ring
        # timeout, or the phone turned out busy); AMI may have said so already.
        core = self.core
        contact = core.contacts.get(agi.uniqueid)
        if contact is None:  # the engine restarted since: a new arrival
            needs = parse_needs(await agi.get_var(NEEDS_VAR)) or ("sr",)
            contact = core.contacts.open(agi.uniqueid, agi.channel, agi.caller)
            contact.new_offer()
            core.run(core.arrive(contact, language=needs[0], priority=5, skills=needs))
        elif contact.attempt:
            core.not_reached_once(contact.uid, contact.attempt)
        call = core.acd.calls.get(contact.uid)
        await self.waiting.connect(agi, contact, call.language if call else "sr",
                                   tuple(call.skills) if call else ())

    async def feature(self, agi: AgiSession) -> None:
        agent = agi.channel.split("/")[-1].split("-")[0]
        code = agi.headers.get("agi_extension", "")
        bind_call(agi.uniqueid, agent=agent)
        op = self.features.get(code)
        if op is None:
            await agi.command('STREAM FILE invalid ""')
            return
        try:
            await op(agent)
        except AcdError as e:
            log.info("agent.feature_refused", code=e.code, error=str(e))
            await agi.command('STREAM FILE invalid ""')
            return
        await agi.command('STREAM FILE beep ""')

