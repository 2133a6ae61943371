"""The conversation service: text contacts (web chat, SMS, e-mail) opened,
queued in the blended ACD (``acd.blend``), answered, turned into tickets and
ended, every change written (``kontakt.chat.store``) with its live-feed
event.

The stable entry points the channels use (web chat here; SMS and e-mail
in their own adapters):

* ``await open(channel, address, text, language=..)`` -- a new conversation
  from ``address`` with its first message, queued; returns it (``.id``);
* ``await inbound(conversation_id, text)`` -- the citizen wrote again;
* ``senders[channel] = async fn(conversation, message)`` -- how an
  operator's reply goes out on that channel (web chat needs none: the
  citizen's page reads it);
* ``find_open(channel, address)`` -- the open conversation of an address.

The operator's side: ``reply``, ``open_ticket``, ``forward``, ``end``; the
citizen's: ``inbound``, ``fallback``, ``citizen_left``; ``tick`` runs the
clocks (a chat nobody took in time gets the fallback offer; a web chat whose
citizen is gone ends and its operator is told).
"""

from __future__ import annotations

import asyncio
import contextlib
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from acd.blend import Assigned, Blender, QueueMoved, Requeued
from acd.conversation import (
    Author,
    Channel,
    Conversation,
    ConvEvent,
    ConvState,
    Message,
    transcript,
)
from acd.errors import AcdError
from infra.logs import get_logger
from kontakt.chat.store import ConversationStore, StoredMessage

log = get_logger()
Sender = Callable[[Conversation, Message], Awaitable[None]]
Listener = Callable[[str, Conversation], None]  # (event type, conversation); must not block
SYSTEM_ACTOR = ("engine", "admin")


class BadMessage(AcdError):
    code = "conversation.bad_message"


class NotYours(AcdError):
    code = "conversation.forbidden"


@dataclass(frozen=True)
class Limits:
    max_length: int = 1000  # characters per message
    wait_fallback: float = 120.0  # seconds a chat waits before the fallback is offered
    citizen_timeout: float = 90.0  # seconds without a sign of the citizen: the chat ends


def clean(text: Any, limit: int) -> str:
    """The message as it is kept: control characters out, trimmed, checked.
    Markup is kept as the citizen typed it; every page shows it as text."""
    if not isinstance(text, str):
        raise BadMessage("text: a message is text", field="text", reason="type")
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    kept = kept.strip()
    if not kept:
        raise BadMessage("text: the message is empty", field="text", reason="empty")
    if len(kept) > limit:
        raise BadMessage(f"text: at most {limit} characters", field="text",
                         reason="too_long", limit=limit, length=len(kept))
    return kept


class ConversationService:
    def __init__(self, store: ConversationStore, blender: Blender, *,
                 clock: Callable[[], float], run_voice: Callable[[list[Any]], None],
                 tickets: Any = None, limits: Limits = Limits()) -> None:
        self.store, self.blender, self.clock = store, blender, clock
        self.run_voice, self.tickets, self.limits = run_voice, tickets, limits
        self.senders: dict[Channel, Sender] = {}
        self.listeners: list[Listener] = []
        self._seen: dict[int, float] = {}  # web chats: the citizen's last sign of life
        self._lock = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None
        self._pending_sync = False
        # At most one sync task; agent changes while it runs ask it for one
        # more round (a slow database must not pile up a task per change).
        self._syncing: asyncio.Task[None] | None = None
        self._sync_again = False

    # -- life cycle -----------------------------------------------------------
    async def start(self) -> None:
        """Conversations left open by the last run take their places again."""
        now = self.clock()
        for conv in await self.store.load_open():
            conv.since = now
            self._seen[conv.id] = now
            await self._carry(self.blender.arrived(conv, now))
        self._ticker = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        for task in (self._ticker, self._syncing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                await self.tick()
            except Exception:
                log.exception("chat.tick_failed")

    # -- the channels' way in --------------------------------------------------
    async def open(self, channel: Channel | str, address: str, text: str, *,
                   language: str = "sr", priority: int = 5,
                   secret_hash: str | None = None) -> Conversation:
        channel = Channel(channel)
        if channel is Channel.CALL:
            raise BadMessage("channel: calls come through the call core", field="channel")
        body = clean(text, self.limits.max_length)
        now = self.clock()
        conv = Conversation(0, channel, str(address)[:254], language, now, 0, priority,
                            since=now, messages=[Message(Author.CITIZEN, now, body)])
        async with self._lock:
            await self.store.create(conv, secret_hash)
            self._seen[conv.id] = now
            log.info("chat.opened", conversation=conv.id, channel=channel.value,
                     language=language)
            self._tell("chat.opened", conv)
            await self._carry(self.blender.arrived(conv, now))
        return conv

    async def inbound(self, conv_id: int, text: str) -> int:
        """The citizen wrote again; returns the message's id."""
        body = clean(text, self.limits.max_length)
        async with self._lock:
            conv = self.blender.conversation(conv_id)
            now = self.clock()
            msg = Message(Author.CITIZEN, now, body)
            await self._carry(self.blender.step(conv_id, ConvEvent.CITIZEN_MESSAGE, now, msg))
            self._seen[conv_id] = now
            self._tell("chat.message", conv)
            return await self.store.save(conv, "chat.message", msg) or 0

    def find_open(self, channel: Channel | str, address: str) -> Conversation | None:
        channel = Channel(channel)
        return next((c for c in self.blender.conversations.values()
                     if c.channel is channel and c.address == address), None)

    def seen(self, conv_id: int) -> None:
        """A sign of life from the citizen's page (its live stream, a poll)."""
        if conv_id in self.blender.conversations:
            self._seen[conv_id] = self.clock()

    # -- the operator's side -----------------------------------------------------
    def mine(self, agent_id: str, conv_id: int) -> Conversation:
        conv = self.blender.conversation(conv_id)
        if conv.agent != agent_id or conv.state is not ConvState.ACTIVE:
            raise NotYours(f"conversation {conv_id} is not with you", conversation=conv_id)
        return conv

    async def reply(self, agent_id: str, conv_id: int, text: str) -> int:
        body = clean(text, self.limits.max_length)
        async with self._lock:
            conv = self.mine(agent_id, conv_id)
            msg = Message(Author.OPERATOR, self.clock(), body, agent_id)
            await self._carry(self.blender.step(conv_id, ConvEvent.OPERATOR_MESSAGE,
                                                msg.at, msg))
            msg_id = await self.store.save(conv, "chat.message", msg) or 0
            self._tell("chat.reply", conv)
        sender = self.senders.get(conv.channel)
        if sender is not None:
            try:
                await sender(conv, msg)
            except Exception:
                log.exception("chat.send_failed", conversation=conv_id, channel=conv.channel)
        return msg_id

    async def open_ticket(self, actor: Any, agent_id: str, conv_id: int, *, kind: str,
                          subject: str, department: str | None = None) -> dict[str, Any]:
        """One action: the ticket, with the transcript on it, linked to the conversation."""
        conv = self.mine(agent_id, conv_id)
        ticket = await self._ticket(actor, conv, kind=kind, subject=subject,
                                    department=department)
        async with self._lock:
            conv.ticket = ticket["number"]
            if conv.state is ConvState.ACTIVE:
                self.blender.step(conv_id, ConvEvent.TICKET, self.clock())
            await self.store.save(conv, "chat.ticket", ticket=conv.ticket)
        return ticket

    async def forward(self, actor: Any, agent_id: str, conv_id: int, *, department: str,
                      kind: str, subject: str) -> dict[str, Any]:
        """The ticket goes to ``department`` with the transcript; the chat ends, the
        citizen is told the ticket's number."""
        conv = self.mine(agent_id, conv_id)
        ticket = await self._ticket(actor, conv, kind=kind, subject=subject,
                                    department=department)
        conv.ticket, conv.department = ticket["number"], department
        note = Message(Author.SYSTEM, self.clock(),
                       f"Прослеђено служби {department}: предмет {ticket['number']}.")
        await self._finish(conv, ConvEvent.FORWARD, "chat.forwarded", note)
        return ticket

    async def end(self, agent_id: str, conv_id: int) -> None:
        conv = self.mine(agent_id, conv_id)
        await self._finish(conv, ConvEvent.CLOSE, "chat.ended",
                           Message(Author.SYSTEM, self.clock(), "Разговор је завршен."))

    # -- the citizen's side --------------------------------------------------------
    async def fallback(self, conv_id: int, choice: str, text: str | None = None,
                       phone: str | None = None) -> dict[str, Any] | None:
        """``message`` (a ticket), ``callback`` (a callback ticket) or ``wait``."""
        conv = self.blender.conversation(conv_id)
        self.seen(conv_id)
        if choice == "wait":
            async with self._lock:
                await self._carry(self.blender.step(conv_id, ConvEvent.KEEP_WAITING,
                                                    self.clock()))
                await self.store.save(conv, "chat.waiting")
            return None
        event = {"message": ConvEvent.LEAVE_MESSAGE, "callback": ConvEvent.CALLBACK}.get(choice)
        if event is None:
            raise BadMessage("choice: message, callback or wait", field="choice")
        conv.target(event)  # raises unless the fallback is on offer
        if text:
            await self.inbound(conv_id, text)
        from tickets.domain import Actor

        kind = "callback" if event is ConvEvent.CALLBACK else "request"
        subject = "Позив назад из ћаскања" if kind == "callback" else "Порука из ћаскања"
        ticket = await self._ticket(Actor(*SYSTEM_ACTOR), conv, kind=kind, subject=subject,
                                    phone=phone)
        conv.ticket = ticket["number"]
        note = Message(Author.SYSTEM, self.clock(), f"Ваш предмет: {ticket['number']}.")
        await self._finish(conv, event, "chat.ended", note)
        return ticket

    async def citizen_left(self, conv_id: int, *, timeout: bool = False) -> None:
        conv = self.blender.conversations.get(conv_id)
        if conv is None or not conv.can(ConvEvent.CITIZEN_LEFT):
            return
        text = "Грађанин се не јавља: разговор је завршен." if timeout \
            else "Грађанин је завршио разговор."
        await self._finish(conv, ConvEvent.CITIZEN_LEFT, "chat.citizen_gone",
                           Message(Author.SYSTEM, self.clock(), text), timeout=timeout)

    # -- the clocks -------------------------------------------------------------------
    async def tick(self) -> None:
        now = self.clock()
        for conv_id in self.blender.overdue(now, self.limits.wait_fallback):
            async with self._lock:
                conv = self.blender.conversations.get(conv_id)
                if conv is None or not conv.can(ConvEvent.WAIT_TIMEOUT):
                    continue
                note = Message(Author.SYSTEM, now, "Сви оператери су заузети. Можете оставити "
                               "поруку или затражити позив, или наставити да чекате.")
                await self._carry(self.blender.step(conv_id, ConvEvent.WAIT_TIMEOUT, now, note))
                await self.store.save(conv, "chat.fallback", note)
                self._tell("chat.fallback", conv)
        for conv in list(self.blender.conversations.values()):
            last = self._seen.get(conv.id, now)
            if conv.channel is Channel.CHAT and now - last >= self.limits.citizen_timeout:
                await self.citizen_left(conv.id, timeout=True)

    def on_agents_changed(self, agent_id: str | None = None) -> None:
        """The call core's hook: an agent changed on the voice side (run later,
        outside the core's own run; every operator is re-synced, so which one
        does not matter here)."""
        if self._pending_sync:
            return
        self._pending_sync = True
        asyncio.get_running_loop().call_soon(self._sync_soon)

    def _sync_soon(self) -> None:
        self._pending_sync = False
        # No text contact and no hold to keep (the voice-only floor): no task,
        # no lock.  Read outside the lock, safely: whatever changes the blender
        # later (a conversation arriving, one assigned) offers and holds on
        # the agents' states as they are by then, as a sync would have.
        if self.blender.quiet():
            return
        if self._syncing is not None:
            self._sync_again = True
            return
        self._syncing = task = asyncio.ensure_future(self._sync_rounds())
        task.add_done_callback(self._synced)

    async def _sync_rounds(self) -> None:
        self._sync_again = True
        while self._sync_again:
            self._sync_again = False
            await self.sync()

    def _synced(self, task: asyncio.Task[None]) -> None:
        self._syncing = None
        if not task.cancelled() and task.exception() is not None:
            log.error("chat.sync_failed", error=repr(task.exception()))

    async def sync(self) -> None:
        async with self._lock:
            await self._carry(self.blender.sync(self.clock()))

    # -- views ------------------------------------------------------------------------
    def status(self, conv_id: int) -> dict[str, Any]:
        conv = self.blender.conversation(conv_id)
        queued = conv.state is ConvState.QUEUED
        return {"id": conv.id, "channel": conv.channel.value, "state": conv.state.value,
                "agent": conv.agent, "ticket": conv.ticket, "language": conv.language,
                "position": self.blender.position(conv_id) if queued else None,
                "expected_wait": self.blender.expected_wait(conv_id) if queued else None}

    def loads(self) -> list[dict[str, Any]]:
        return [{"agent": a, "load": self.blender.load(a),
                 "capacity": vars(self.blender.capacity_of(a))}
                for a in sorted(self.blender.acd.agents)]

    async def messages(self, conv_id: int, after: int = 0) -> list[StoredMessage]:
        return await self.store.messages(conv_id, after)

    # -- internals ----------------------------------------------------------------------
    async def _finish(self, conv: Conversation, event: ConvEvent, type_: str,
                      note: Message, **extra: Any) -> None:
        async with self._lock:
            now = self.clock()
            await self._carry(self.blender.step(conv.id, event, now, note))
            self._seen.pop(conv.id, None)
            await self.store.save(conv, type_, note, **extra)
            log.info(type_, conversation=conv.id, outcome=conv.outcome, ticket=conv.ticket)
            self._tell(type_, conv)

    async def _ticket(self, actor: Any, conv: Conversation, *, kind: str, subject: str,
                      department: str | None = None, phone: str | None = None
                      ) -> dict[str, Any]:
        if self.tickets is None:
            raise BadMessage("tickets are not available here", field="ticket")
        contact: dict[str, Any] = {"phone": phone}
        if conv.channel is Channel.SMS:
            contact["phone"] = conv.address
        elif conv.channel is Channel.EMAIL:
            contact["email"] = conv.address
        text = transcript(conv)
        t: dict[str, Any] = await self.tickets.open_ticket(
            actor, kind=kind, subject=subject[:200], department=department,
            description=f"Разговор ({conv.channel.value}) бр. {conv.id}:\n{text}"[:20000],
            channel=conv.channel.value, language=conv.language, **contact)
        log.info("chat.ticket_opened", conversation=conv.id, ticket=t.get("number"))
        return t

    async def _carry(self, out: Iterable[Any]) -> None:
        """Write what the blender decided; hand the voice side its commands."""
        voice, moved = [], False
        for cmd in out:
            if isinstance(cmd, Assigned):
                conv = self.blender.conversations[cmd.conversation]
                await self.store.save(conv, "chat.assigned")
                log.info("chat.assigned", conversation=conv.id, agent=cmd.agent_id)
                self._tell("chat.assigned", conv)
            elif isinstance(cmd, Requeued):
                conv = self.blender.conversations[cmd.conversation]
                await self.store.save(conv, "chat.requeued", position=cmd.position)
            elif isinstance(cmd, QueueMoved):
                moved = True
            else:
                voice.append(cmd)
        if moved:
            await self.store.notify("chats/queue", {"type": "chat.queue",
                                                    "waiting": len(self.blender.waiting())})
        if voice:
            self.run_voice(voice)

    def _tell(self, type_: str, conv: Conversation) -> None:
        for listener in list(self.listeners):
            try:
                listener(type_, conv)
            except Exception:
                log.exception("chat.listener_failed", type=type_)
