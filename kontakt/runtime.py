"""The engine: ACD domain + Asterisk (AMI and FastAGI) + event publishing.

Flow of a citizen's call: the dialplan hands the call to FastAGI route
``call``; the router (numbers, hours, IVR) decides; the distributor either
offers a free agent at once (the AGI session sets KONTAKT_AGENT and ends,
the dialplan dials) or the caller waits inside its AGI session with music on
hold until an ``Offer`` for it resolves its future.  Answer, no-answer and
hang-ups come from AMI (DialEnd, Hangup).  If the engine is unreachable or
dies, the dialplan falls back to app_queue over the same agents.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from acd.distributor import (
    Abandoned,
    AgentChanged,
    Command,
    Completed,
    Distributor,
    Offer,
    Queued,
)
from acd.errors import AcdError
from asterisk.ami import Ami, AmiError
from asterisk.fastagi import AgiSession, CallHungUp, FastAgiServer
from asterisk.queue_log import QueueLog
from kontakt.logs import bind_call
from kontakt.settings import Settings

log = structlog.get_logger()


@dataclass(frozen=True)
class Routing:
    """What the router decided for a call before it reaches the ACD."""

    action: str  # queue, reject, closed, done, callback
    language: str = "sr"
    reason: str = ""
    priority: int = 5
    data: dict[str, Any] = field(default_factory=dict)


Router = Callable[[AgiSession], Awaitable[Routing]]
Sink = Callable[[str, dict[str, Any]], None]  # must not block: EventLog.record


async def queue_everything(session: AgiSession) -> Routing:
    """The router when no configuration is loaded: every call to an operator."""
    return Routing("queue", "sr", "no configuration: straight to an operator")


@dataclass
class _CallSession:
    uniqueid: str
    channel: str
    caller: str | None
    offer: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Engine:
    def __init__(
        self,
        settings: Settings,
        ami: Ami,
        *,
        router: Router = queue_everything,
        sink: Sink | None = None,
        clock: Callable[[], float] = time.time,
        agents: list[str] | None = None,
    ) -> None:
        self.settings = settings
        self.ami = ami
        self.router = router
        self.sink = sink
        self.clock = clock
        self.acd = Distributor(wrapup=settings.wrapup, strategy=settings.strategy)
        self.queue_log = QueueLog(settings.queue_log)
        self.sessions: dict[str, _CallSession] = {}
        self.agi = FastAgiServer(
            {"call": self._on_call, "requeue": self._on_requeue, "feature": self._on_feature},
            settings.agi_host,
            settings.agi_port,
        )
        for agent_id in agents or [f"agent{i:02d}" for i in range(1, settings.seats + 1)]:
            self.acd.add_agent(agent_id)
        self.stats = {
            "offered": 0,
            "answered": 0,
            "abandoned": 0,
            "rejected": 0,
            "answered_within_20s": 0,
            "answer_wait_total": 0.0,
        }
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_agent_change: Callable[[], None] | None = None
        self.listeners: list[Callable[[dict[str, Any]], None]] = []  # in-process event taps
        # Set by the wiring: records a callback ticket for the citizen.
        self.on_callback: Callable[[str, str], Awaitable[None]] | None = None
        self.external: dict[
            str, str
        ] = {}  # agent channel uniqueid -> agent, calls we did not place
        self.agent_legs: dict[str, str] = {}  # agent channel uniqueid -> caller uniqueid
        self.callback_legs: dict[str, str] = {}  # originated agent channel -> callback call id
        self.ended_by_agent: dict[str, bool] = {}
        self.attempts: dict[str, str] = {}  # caller uniqueid -> agent being rung
        self._published: str | None = None  # fast path: what KONTAKT_NEXT holds
        self._publish_pending = False
        self._ticker: asyncio.Task[None] | None = None
        ami.listeners.append(self._on_ami)
        ami.on_booted.append(self.reconcile)

    # -- life cycle -----------------------------------------------------
    async def start(self) -> None:
        await self.agi.start()
        self._ticker = asyncio.create_task(self._tick_loop())

    async def stop(self) -> None:
        if self.settings.fast_path:  # nothing published for a dead engine to own
            with contextlib.suppress(AmiError):
                await self.ami.action("Setvar", Variable="KONTAKT_NEXT", Value="")
        if self._ticker:
            self._ticker.cancel()
        await self.agi.stop()
        for t in list(self._tasks):
            t.cancel()
        self.queue_log.close()

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self._run(self.acd.tick(self.clock()))

    async def reconcile(self) -> None:
        """Rebuild who is talking from Asterisk after a (re)connect: agents on
        calls the engine did not place (app_queue fallback, a previous engine
        process) are busy until their channel hangs up."""
        try:
            channels = await self.ami.action_list("CoreShowChannels")
        except AmiError as e:
            log.warning("engine.reconcile_failed", error=str(e))
            return
        now = self.clock()
        for c in channels:
            chan = c.get("Channel", "")
            if not chan.startswith("PJSIP/agent"):
                continue
            agent_id = chan.split("/")[1].split("-")[0]
            agent = self.acd.agents.get(agent_id)
            if agent is None or c.get("Uniqueid") in self.external:
                continue
            self.external[c.get("Uniqueid", "")] = agent_id
            if agent.state.value == "available":
                self._run(self.acd.busy_elsewhere(agent_id, now))
        log.info("engine.reconciled", agents_busy=sorted(set(self.external.values())))

    # -- agents ---------------------------------------------------------
    async def agent_login(self, agent_id: str, skills: list[str] | None = None) -> None:
        self._run(self.acd.login(agent_id, self.clock(), skills))

    async def agent_logout(self, agent_id: str) -> None:
        self._run(self.acd.logout(agent_id, self.clock()))

    async def agent_pause(self, agent_id: str, reason: str) -> None:
        self._run(self.acd.pause(agent_id, self.clock(), reason))

    async def agent_ready(self, agent_id: str) -> None:
        self._run(self.acd.ready(agent_id, self.clock()))

    # -- commands from the domain ----------------------------------------
    def _run(self, commands: list[Command]) -> None:
        if commands:
            self._schedule_publish()
        now = self.clock()
        for cmd in commands:
            if isinstance(cmd, Offer):
                s = self.sessions.get(cmd.call_id)
                call = self.acd.calls.get(cmd.call_id)
                if call is not None and call.callback:
                    self._spawn(self._callback(cmd.call_id, cmd.agent_id))
                elif s is not None and not s.offer.done():
                    s.offer.set_result(cmd.agent_id)
                self._emit("queue", cmd.call_id, "call.ringing", agent=cmd.agent_id)
                self.queue_log.write(cmd.call_id, cmd.agent_id, "RINGING", now=now)
            elif isinstance(cmd, Queued):
                self._emit("queue", cmd.call_id, "call.queued", position=cmd.position)
            elif isinstance(cmd, AgentChanged):
                if self.on_agent_change is not None:
                    self.on_agent_change()
                self._emit(
                    "agents",
                    cmd.agent_id,
                    "agent.state",
                    agent=cmd.agent_id,
                    state=cmd.state,
                    reason=cmd.reason,
                )
                if cmd.state == "paused" and cmd.reason:
                    self.queue_log.write("NONE", cmd.agent_id, "PAUSE", cmd.reason, now=now)
            elif isinstance(cmd, Abandoned):
                self.stats["abandoned"] += 1
                self._emit(
                    "queue",
                    cmd.call_id,
                    "call.abandoned",
                    wait=round(cmd.wait, 3),
                    position=cmd.position,
                )
                self.queue_log.write(
                    cmd.call_id, "NONE", "ABANDON", cmd.position, 1, int(cmd.wait), now=now
                )
            elif isinstance(cmd, Completed):
                self._emit(
                    "queue",
                    cmd.call_id,
                    "call.completed",
                    agent=cmd.agent_id,
                    wait=round(cmd.wait, 3),
                    talk=round(cmd.talk, 3),
                )
                ended = self.ended_by_agent.pop(cmd.call_id, False)
                self.queue_log.write(
                    cmd.call_id,
                    cmd.agent_id,
                    "COMPLETEAGENT" if ended else "COMPLETECALLER",
                    int(cmd.wait),
                    int(cmd.talk),
                    1,
                    now=now,
                )

    def _emit(self, kind: str, key: str, type_: str, **fields: Any) -> None:
        payload = {
            "event_id": str(uuid.uuid4()),
            "ts": datetime.now(UTC).isoformat(),
            "type": type_,
            ("uniqueid" if kind == "queue" else "agent"): key,
            **fields,
        }
        log.info(type_, **{k: v for k, v in payload.items() if k not in ("type", "ts")})
        if self.sink is not None:
            self.sink(f"{self.settings.mqtt_prefix}/{kind}/{key}", payload)
        for listener in self.listeners:
            listener(payload)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- AMI --------------------------------------------------------------
    def _on_ami(self, ev: dict[str, str]) -> None:
        name = ev.get("Event")
        if name == "DialBegin" and ev.get("DestChannel", "").startswith("PJSIP/agent"):
            self.agent_legs[ev.get("DestUniqueid", "")] = ev.get("Uniqueid", "")
        elif name == "DialEnd" and ev.get("DestChannel", "").startswith("PJSIP/agent"):
            self._dial_end(ev)
        elif name == "Hangup":
            self._hangup(ev)
        elif (name == "QueueCallerJoin" and ev.get("Queue", "").startswith("kontakt-agent")
              and ev.get("Uniqueid") not in self.acd.calls):
            self._claimed(ev)
        elif name == "HangupRequest" and ev.get("Uniqueid") in self.agent_legs:
            self.ended_by_agent[self.agent_legs[ev["Uniqueid"]]] = True
        elif name in ("HangupRequest", "SoftHangupRequest"):
            # Asterisk keeps a hung-up channel while its AGI script runs:
            # end the waiting session so the channel (and its Hangup) can go.
            s = self.sessions.get(ev.get("Uniqueid", ""))
            if s is not None and not s.offer.done():
                s.offer.cancel()

    async def _ring(self, agi: AgiSession, agent: str) -> bool:
        """Ring ``agent`` through its one-member queue, inside this AGI session.

        Blocks for the whole call when the agent answers.  True when the call
        is over (answered and ended, or the caller left); False when the agent
        was not reached and the caller is still here.  If the engine dies
        meanwhile, Asterisk finishes the ring and a caller who was not
        reached goes on to app_queue."""
        # One AGI command: the kontakt-ring subroutine marks the call, then
        # rings; if this engine dies during the call the dialplan knows a call
        # that reached the agent is over and sends one that did not to app_queue.
        r = await agi.command(f"GOSUB kontakt-ring s 1 {agent}", timeout=24 * 3600)
        if r.get("result", ("0",))[0] == "-1":
            return True
        call = self.acd.calls.get(agi.uniqueid)
        if call is None or call.state in ("connected", "done"):
            with contextlib.suppress(CallHungUp):
                await agi.set_var("KONTAKT_ACTION", "done")
            return True
        return False

    # -- fast path ------------------------------------------------------------
    def _claimed(self, ev: dict[str, str]) -> None:
        """The dialplan rang the agent we published: account for the call."""
        uid, agent = ev.get("Uniqueid", ""), ev.get("Queue", "").removeprefix("kontakt-")
        if agent not in self.acd.agents or uid in self.acd.calls:
            return
        self.attempts[uid] = agent
        self.stats["offered"] += 1
        caller = ev.get("CallerIDNum") or None
        self.queue_log.write(uid, "NONE", "ENTERQUEUE", "", caller or "")
        self._run(self.acd.claimed(agent, uid, self.clock(), caller=caller,
                                   channel=ev.get("Channel")))

    def _schedule_publish(self) -> None:
        if self.settings.fast_path and not self._publish_pending:
            self._publish_pending = True
            asyncio.get_running_loop().call_soon(self._publish)

    def _publish(self) -> None:
        self._publish_pending = False
        nxt = self.acd.next_free("sr") or ""
        if nxt != self._published:
            self._published = nxt
            self._spawn(self._setvar_next(nxt))

    async def _setvar_next(self, value: str) -> None:
        try:
            await self.ami.action("Setvar", Variable="KONTAKT_NEXT", Value=value)
        except AmiError as e:
            self._published = None  # unknown: publish again on the next change
            log.warning("fastpath.publish_failed", error=str(e))

    def _not_reached_once(self, uid: str, agent: str) -> None:
        """Queue returned without the agent: unless AMI said so already."""
        call = self.acd.calls.get(uid)
        if self.attempts.pop(uid, None) == agent and call is not None \
                and call.state == "offered" and call.agent == agent:
            self._not_reached(uid, agent)

    def _not_reached(self, uid: str, agent: str) -> None:
        """The offered agent did not answer: paused, the caller keeps its place."""
        self.queue_log.write(uid, agent, "RINGNOANSWER", int(self.settings.ring_timeout * 1000))
        s = self.sessions.get(uid)
        if s is not None and s.offer.done():
            s.offer = asyncio.get_running_loop().create_future()
        self._run(self.acd.no_answer(uid, self.clock()))

    def _dial_end(self, ev: dict[str, str]) -> None:
        uid, status = ev.get("Uniqueid", ""), ev.get("DialStatus", "")
        if status in ("ANSWER", "NOANSWER", "BUSY", "CHANUNAVAIL", "CONGESTION"):
            self.attempts.pop(uid, None)  # AMI told us how this attempt ended
        call = self.acd.calls.get(uid)
        if call is None or call.state != "offered":
            return
        now = self.clock()
        try:
            if status == "ANSWER":
                self._run(self.acd.answered(uid, now))
                wait = now - call.arrived
                self.stats["answered"] += 1
                self.stats["answer_wait_total"] += wait
                self.stats["answered_within_20s"] += wait <= 20
                self._emit(
                    "queue",
                    uid,
                    "call.connected",
                    agent=call.agent,
                    wait=round(wait, 3),
                    caller=call.caller,
                    language=call.language,
                    channel=call.channel,
                )
                self.queue_log.write(uid, call.agent or "", "CONNECT", int(wait), "", 0, now=now)
            elif status in ("NOANSWER", "BUSY", "CHANUNAVAIL", "CONGESTION"):
                self._not_reached(uid, call.agent or "")
        except AcdError as e:
            log.warning("engine.dial_end_ignored", error=str(e), code=e.code)

    def _hangup(self, ev: dict[str, str]) -> None:
        uid = ev.get("Uniqueid", "")
        caller_uid = self.agent_legs.pop(uid, None)
        if caller_uid is not None:  # the agent's leg: free the agent even if the caller stays
            self._run(self.acd.agent_gone(caller_uid, self.clock()))
        if uid in self.callback_legs:
            self._run(self.acd.call_gone(self.callback_legs.pop(uid), self.clock()))
            return
        if uid in self.external:
            self._run(self.acd.free_again(self.external.pop(uid), self.clock()))
        s = self.sessions.pop(uid, None)
        if s is not None and not s.offer.done():
            s.offer.cancel()
        if uid in self.acd.calls:
            self._run(self.acd.call_gone(uid, self.clock()))

    # -- FastAGI ------------------------------------------------------------
    async def _on_call(self, agi: AgiSession) -> None:
        self.stats["offered"] += 1
        routing = await self.router(agi)
        log.info(
            "call.routed",
            action=routing.action,
            language=routing.language,
            reason=routing.reason,
            caller=agi.caller,
            dialled=agi.dialled,
        )
        if routing.action == "callback":  # outside hours: the IVR took the request
            caller = routing.data.get("caller") or agi.caller or ""
            if self.on_callback is not None and caller:
                await self.on_callback(agi.uniqueid, caller)
            self._emit("queue", agi.uniqueid, "call.callback_requested", caller=caller)
            await agi.set_var("KONTAKT_ACTION", "reject:callback")
            return
        if routing.action in ("reject", "closed"):
            self.stats["rejected"] += 1
            self._emit(
                "queue", agi.uniqueid, "call.rejected", reason=routing.reason, caller=agi.caller
            )
            await agi.set_var("KONTAKT_ACTION", f"reject:{routing.action}")
            return
        if routing.action != "queue":
            await agi.set_var("KONTAKT_ACTION", "done")
            return
        session = _CallSession(agi.uniqueid, agi.channel, agi.caller)
        self.sessions[agi.uniqueid] = session
        commands = self.acd.call_arrived(
            agi.uniqueid,
            self.clock(),
            caller=agi.caller,
            language=routing.language,
            priority=routing.priority,
            channel=agi.channel,
        )
        offer = next((c for c in commands if isinstance(c, Offer) and c.call_id == agi.uniqueid),
                     None)
        if offer is not None:
            # A free agent: ring it at once from this AGI session (set-up
            # latency); the bookkeeping runs while it rings.
            self.attempts[agi.uniqueid] = offer.agent_id
            loop = asyncio.get_running_loop()
            loop.call_soon(self.queue_log.write, agi.uniqueid, "NONE", "ENTERQUEUE", "",
                           agi.caller or "")
            loop.call_soon(self._run, commands)
            if await self._ring(agi, offer.agent_id):
                return  # answered and over, or the caller left
            if await agi.get_var("QUEUESTATUS") == "FULL":
                # Another call took this agent first (the fast path's race):
                # back to our place, the agent is not to blame.
                self.attempts.pop(agi.uniqueid, None)
                if session.offer.done():
                    session.offer = asyncio.get_running_loop().create_future()
                self._run(self.acd.retract(agi.uniqueid, self.clock()))
            else:
                self._not_reached_once(agi.uniqueid, offer.agent_id)
            await self._connect(agi, session)
            return
        self.queue_log.write(agi.uniqueid, "NONE", "ENTERQUEUE", "", agi.caller or "")
        self._run(commands)
        await self._connect(agi, session)

    async def _on_requeue(self, agi: AgiSession) -> None:
        # The dialplan asks again only when the agent was not reached (ring
        # timeout, or the phone turned out busy); AMI may have said so already.
        agent = self.attempts.pop(agi.uniqueid, None)
        call = self.acd.calls.get(agi.uniqueid)
        if agent and call is not None and call.state == "offered" and call.agent == agent:
            self._not_reached(agi.uniqueid, agent)
        session = self.sessions.get(agi.uniqueid)
        if session is None:  # the engine restarted since: a new arrival
            session = _CallSession(agi.uniqueid, agi.channel, agi.caller)
            self.sessions[agi.uniqueid] = session
            self._run(
                self.acd.call_arrived(
                    agi.uniqueid, self.clock(), caller=agi.caller, channel=agi.channel
                )
            )
        await self._connect(agi, session)

    async def _connect(self, agi: AgiSession, session: _CallSession) -> None:
        """Wait (music on hold, announcements) until an agent is offered."""
        try:
            if session.offer.done():
                agent = session.offer.result()
            else:
                await agi.set_var("KONTAKT_STATE", "waiting")
                # Answered while waiting, as app_queue does: music, position
                # announcements and the callback key need a two-way channel.
                await agi.command("ANSWER")
                await agi.exec("StartMusicOnHold", "default")
                agent = await self._wait_offer(agi, session)
                if agent is None:  # a callback instead of waiting
                    await agi.set_var("KONTAKT_ACTION", "reject:callback")
                    return
                await agi.exec("StopMusicOnHold")
                await agi.set_var("KONTAKT_STATE", "ringing")
            self.attempts[session.uniqueid] = agent
            await agi.set_var("KONTAKT_ACTION", f"dial:{agent}")
        except CallHungUp:
            pass  # the caller left: AMI's Hangup event does the bookkeeping

    async def _wait_offer(self, agi: AgiSession, session: _CallSession) -> str | None:
        """The agent offered to this caller, or None if it chose a callback."""
        every = self.settings.announce_every or None
        started = self.clock()
        offered_callback = False
        while True:
            timeout = every
            if not offered_callback and self.settings.max_wait:
                left = started + self.settings.max_wait - self.clock()
                timeout = max(0.0, left) if timeout is None else max(0.0, min(timeout, left))
            try:
                return await asyncio.wait_for(asyncio.shield(session.offer), timeout)
            except TimeoutError:
                if (
                    not offered_callback
                    and self.settings.max_wait
                    and self.clock() - started >= self.settings.max_wait
                ):
                    offered_callback = True
                    if await self._offer_callback(agi, session):
                        return None
                else:
                    await self._announce(agi, session)
            except asyncio.CancelledError:
                if session.offer.cancelled():  # our Hangup handler, not a shutdown
                    raise CallHungUp("caller hung up while waiting") from None
                raise

    async def _offer_callback(self, agi: AgiSession, session: _CallSession) -> bool:
        """ "Press 1 to be called back": the caller keeps its place either way."""
        if session.caller is None or session.offer.done():
            return False
        await agi.exec("StopMusicOnHold")
        digit = ""
        for prompt in ("vm-press", "digits/1", "vm-tocallback"):
            r = await agi.command(f'STREAM FILE {prompt} "1"')
            if r.get("result", ("0",))[0] not in ("0", ""):
                digit = chr(int(r["result"][0]))
                break
        if not digit and not session.offer.done():
            r = await agi.command("WAIT FOR DIGIT 5000")
            code = r.get("result", ("0",))[0]
            digit = chr(int(code)) if code not in ("0", "", "-1") else ""
        if digit == "1" and not session.offer.done():
            self._run(self.acd.request_callback(session.uniqueid, session.caller, self.clock()))
            self._emit(
                "queue",
                session.uniqueid,
                "call.callback_requested",
                caller=session.caller,
                position=self.acd.position(session.uniqueid),
            )
            self.queue_log.write(session.uniqueid, "NONE", "CALLBACKREQUEST", session.caller)
            if self.on_callback is not None:
                await self.on_callback(session.uniqueid, session.caller)
            await agi.command('STREAM FILE queue-thankyou ""')
            return True
        if not session.offer.done():
            await agi.exec("StartMusicOnHold", "default")
        return False

    async def _callback(self, call_id: str, agent_id: str) -> None:
        """Ring the agent first; when it answers, the dialplan dials the citizen."""
        call = self.acd.calls.get(call_id)
        if call is None or call.caller is None:
            return
        number = "".join(ch for ch in call.caller if ch.isdigit())
        now = self.clock()
        try:
            replies = await asyncio.wait_for(
                self.ami.action_list(
                    "Originate",
                    Channel=f"PJSIP/{agent_id}",
                    Context="kontakt-callback",
                    Exten=number,
                    Priority=1,
                    Async="true",
                    CallerID=f"Callback <{number}>",
                    Timeout=int(self.settings.ring_timeout * 1000),
                    Variable=f"KONTAKT_CALLBACK={call_id}",
                ),
                self.settings.ring_timeout + 10,
            )
        except (AmiError, TimeoutError) as e:
            log.warning("callback.originate_failed", error=str(e), agent=agent_id)
            self._run(self.acd.no_answer(call_id, self.clock()))
            return
        result = next((r for r in replies if r.get("Event") == "OriginateResponse"), {})
        if result.get("Response") == "Success":
            self.callback_legs[result.get("Uniqueid", "")] = call_id
            self._run(self.acd.answered(call_id, self.clock()))
            self._emit(
                "queue",
                call_id,
                "call.connected",
                agent=agent_id,
                callback=True,
                caller=call.caller,
                wait=round(now - call.arrived, 3),
            )
            self.queue_log.write(call_id, agent_id, "CONNECT", int(now - call.arrived), "", 0)
        else:
            self.queue_log.write(
                call_id, agent_id, "RINGNOANSWER", int(self.settings.ring_timeout * 1000)
            )
            self._run(self.acd.no_answer(call_id, self.clock()))

    async def _announce(self, agi: AgiSession, session: _CallSession) -> None:
        """Every ``announce_every`` seconds: the caller's place and expected wait."""
        call = self.acd.calls.get(session.uniqueid)
        if call is None or call.state != "waiting" or session.offer.done():
            return
        position = self.acd.position(call.id)
        minutes = max(1, round(self.acd.expected_wait(call.id) / 60))
        self._emit(
            "queue", call.id, "call.position", position=position, expected_wait_minutes=minutes
        )
        await agi.exec("StopMusicOnHold")
        if position == 1:
            steps = ['STREAM FILE queue-youarenext ""']
        else:
            steps = [
                'STREAM FILE queue-thereare ""',
                f'SAY NUMBER {position - 1} ""',
                'STREAM FILE queue-callswaiting ""',
            ]
        steps += [
            'STREAM FILE queue-holdtime ""',
            f'SAY NUMBER {minutes} ""',
            f'STREAM FILE queue-minute{"s" if minutes > 1 else ""} ""',
        ]
        for step in steps:
            if session.offer.done():  # an agent freed up: stop talking, connect
                return
            await agi.command(step)
        await agi.exec("StartMusicOnHold", "default")

    async def _on_feature(self, agi: AgiSession) -> None:
        agent = agi.channel.split("/")[-1].split("-")[0]
        code = agi.headers.get("agi_extension", "")
        bind_call(agi.uniqueid, agent=agent)
        actions = {"*71": self.agent_login, "*72": self.agent_logout, "*74": self.agent_ready}
        try:
            if code == "*73":
                await self.agent_pause(agent, "break")
            elif code in actions:
                await actions[code](agent)
            else:
                await agi.command('STREAM FILE invalid ""')
                return
            await agi.command('STREAM FILE beep ""')
        except AcdError as e:
            log.info("agent.feature_refused", code=e.code, error=str(e))
            await agi.command('STREAM FILE invalid ""')

    # -- views ----------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        now = self.clock()
        agents = []
        for a in self.acd.agents.values():
            call = self.acd.calls.get(a.call_id) if a.call_id else None
            agents.append(
                {
                    "id": a.id,
                    "state": a.state.value,
                    "reason": a.reason,
                    "since": datetime.fromtimestamp(a.since or now, UTC).isoformat(),
                    "in_state": round(now - a.since, 1) if a.since else 0.0,
                    "calls_today": a.calls,
                    "skills": sorted(a.skills),
                    "call": None
                    if call is None
                    else {
                        "uniqueid": call.id,
                        "caller": call.caller,
                        "language": call.language,
                        "wait": round((call.answered_at or now) - call.arrived, 1),
                        "channel": call.channel,
                    },
                }
            )
        waiting = [
            {
                "uniqueid": c.id,
                "caller": c.caller,
                "language": c.language,
                "position": i + 1,
                "since": datetime.fromtimestamp(c.arrived, UTC).isoformat(),
                "wait": round(now - c.arrived, 1),
            }
            for i, c in enumerate(self.acd.waiting())
        ]
        answered = self.stats["answered"]
        return {
            "agents": agents,
            "waiting": waiting,
            "stats": {
                "offered": self.stats["offered"],
                "answered": answered,
                "abandoned": self.stats["abandoned"],
                "rejected": self.stats["rejected"],
                "answered_within_20s": self.stats["answered_within_20s"],
                "avg_answer_wait": round(self.stats["answer_wait_total"] / answered, 2)
                if answered
                else 0.0,
                "max_wait_now": max((w["wait"] for w in waiting), default=0.0),
            },
        }
