"""Blended operators: text conversations (chat, SMS, e-mail) queued and given
out beside the calls of ``acd.distributor``, within each operator's capacity
per channel.  Pure: input in, commands out.

Each operator has a capacity per channel (default: one call, or up to three
chats and messages at once, ``text`` being the ceiling of all text channels
together).  A conversation waits first come first served per priority, per
channel and language; it goes to an operator who speaks its language, may
take texts now (available; or on a call only with ``text_during_call``) and
is under capacity in its channel and in texts, the least loaded first, then
the one who took a text longest ago.  An operator at text capacity is held
off calls (``Distributor.hold_calls``) unless ``call_at_text_capacity``; one
whose capacity for calls is 0 takes none.

The voice side stays the distributor's: ``sync`` is called when agents
change there (logout puts the operator's conversations back at their place;
a freed operator may take texts again).
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field

from acd.agent import State
from acd.commands import Command as VoiceCommand
from acd.conversation import TEXT_CHANNELS, Channel, Conversation, ConvEvent, ConvState, Message
from acd.distributor import Distributor
from acd.errors import BadCapacity, UnknownConversation

TAKES_TEXT = frozenset({State.AVAILABLE})
ON_A_CALL = frozenset({State.RINGING, State.TALKING, State.WRAPUP})
QueueKey = tuple[Channel, str]  # (channel, language)
Entry = tuple[int, int, int]  # (priority, seq, conversation id)


@dataclass(frozen=True)
class Capacity:
    call: int = 1
    chat: int = 3
    sms: int = 3
    email: int = 3
    text: int = 3  # chats and messages together

    def of(self, channel: Channel) -> int:
        return int(getattr(self, channel.value))


def parse_capacity(text: str) -> Capacity:
    """``call=1,chat=3,sms=3,email=3,text=3`` (any subset; the rest default)."""
    values: dict[str, int] = {}
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or name not in Capacity.__dataclass_fields__ or not raw.strip().isdigit():
            raise BadCapacity(f"capacity {item!r}: use channel=number with channel one of "
                              "call, chat, sms, email, text", item=item)
        values[name] = int(raw)
    return Capacity(**values)


@dataclass(frozen=True)
class Assigned:
    conversation: int
    agent_id: str


@dataclass(frozen=True)
class Requeued:
    conversation: int
    position: int


@dataclass(frozen=True)
class QueueMoved:
    """Places in the queue changed: waiting citizens re-read theirs."""


BlendCommand = Assigned | Requeued | QueueMoved
Out = list[BlendCommand | VoiceCommand]


@dataclass
class Blender:
    acd: Distributor
    capacity: Capacity = Capacity()
    call_at_text_capacity: bool = False
    text_during_call: bool = False
    per_agent: dict[str, Capacity] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)
    handle_times: deque[float] = field(default_factory=lambda: deque(maxlen=50))
    _waiting: dict[QueueKey, list[Entry]] = field(default_factory=dict)
    _load: dict[str, dict[Channel, set[int]]] = field(default_factory=dict)
    _last_text: dict[str, float] = field(default_factory=dict)
    _held: set[str] = field(default_factory=set)
    _seq: int = 0

    # -- views ----------------------------------------------------------
    def conversation(self, conv_id: int) -> Conversation:
        try:
            return self.conversations[conv_id]
        except KeyError:
            raise UnknownConversation(f"no conversation {conv_id}", conversation=conv_id) from None

    def capacity_of(self, agent_id: str) -> Capacity:
        return self.per_agent.get(agent_id, self.capacity)

    def load(self, agent_id: str) -> dict[str, int]:
        """The operator's open contacts per channel (the call from the distributor)."""
        agent = self.acd.agents.get(agent_id)
        on_call = agent is not None and agent.state in ON_A_CALL and agent.call_id is not None
        loads = self._load.get(agent_id, {})
        return {Channel.CALL.value: int(on_call),
                **{ch.value: len(loads.get(ch, ())) for ch in TEXT_CHANNELS}}

    def text_load(self, agent_id: str) -> int:
        return sum(len(s) for s in self._load.get(agent_id, {}).values())

    def of_agent(self, agent_id: str) -> list[Conversation]:
        ids = sorted(i for s in self._load.get(agent_id, {}).values() for i in s)
        return [self.conversations[i] for i in ids]

    def position(self, conv_id: int) -> int:
        conv = self.conversation(conv_id)
        lst = self._waiting.get((conv.channel, conv.language), [])
        return 1 + bisect.bisect_left(lst, (conv.priority, conv.seq, conv.id))

    def expected_wait(self, conv_id: int) -> float:
        """Seconds, from recent handle times and the operators who could take it."""
        conv = self.conversation(conv_id)
        if conv.state is not ConvState.QUEUED:
            return 0.0
        slots = sum(self.capacity_of(a.id).of(conv.channel) for a in self.acd.agents.values()
                    if conv.language in a.skills
                    and a.state not in (State.LOGGED_OUT, State.PAUSED)) or 1
        aht = sum(self.handle_times) / len(self.handle_times) if self.handle_times else 120.0
        return round(self.position(conv_id) * aht / slots, 1)

    def waiting(self) -> list[Conversation]:
        entries = sorted(e for lst in self._waiting.values() for e in lst)
        return [self.conversations[e[2]] for e in entries]

    def overdue(self, now: float, limit: float, channel: Channel = Channel.CHAT) -> list[int]:
        """Queued conversations of ``channel`` that waited ``limit`` seconds."""
        return [c.id for c in self.waiting()
                if c.channel is channel and now - c.since >= limit]

    # -- conversations --------------------------------------------------
    def arrived(self, conv: Conversation, now: float) -> Out:
        """A new conversation (or one restored after a restart) takes its place."""
        if conv.id in self.conversations:
            return self.dispatch(now)
        self._seq = max(self._seq + 1, conv.seq)
        conv.seq = self._seq
        conv.since = conv.since or now
        self.conversations[conv.id] = conv
        if conv.state is not ConvState.QUEUED:  # restored open: back to the queue
            conv.agent, conv.state = None, ConvState.QUEUED
        self._enqueue(conv)
        return [*self.dispatch(now), QueueMoved()]

    def step(self, conv_id: int, event: ConvEvent, now: float,
             message: Message | None = None) -> Out:
        """Any event of the conversation's table but ``assign`` (the ACD's own)."""
        conv = self.conversation(conv_id)
        conv.target(event)  # raises before any change
        was, agent = conv.state, conv.agent
        conv.apply(event, now, message=message)
        out: Out = []
        if was is ConvState.QUEUED and conv.state is not ConvState.QUEUED:
            self._dequeue(conv)
            out.append(QueueMoved())
        freed = was is ConvState.ACTIVE and conv.state is not ConvState.ACTIVE and agent
        if freed and agent:
            self._unload(agent, conv)
            if conv.answered_at is not None and conv.state is ConvState.ENDED:
                self.handle_times.append(now - conv.answered_at)
        if conv.state is ConvState.QUEUED and was is not ConvState.QUEUED:
            self._enqueue(conv)
            out.append(Requeued(conv.id, self.position(conv.id)))
        if conv.state is ConvState.ENDED:
            del self.conversations[conv.id]
        if not out and not freed:
            return out
        # A text slot that frees goes to a waiting text first, then calls may follow.
        out += self.dispatch(now)
        return out + self._hold(agent, now) if freed and agent else out

    def quiet(self) -> bool:
        """Nothing a ``sync`` could change, whatever the agents' states: no
        conversation with an operator or waiting, nobody held, and a
        capacity that holds nobody without texts (so every ``_hold`` finds
        its operator as it should be).  Per-operator capacities may hold a
        text-only operator (call=0) at once: never quiet then.  O(1): it runs
        on every agent change of the voice side (3+ per call)."""
        cap = self.capacity
        return not (self._load or self._waiting or self._held or self.per_agent) \
            and cap.call > 0 and (cap.text > 0 or self.call_at_text_capacity)

    def sync(self, now: float) -> Out:
        """After agents changed on the voice side: an operator logged out gives
        his conversations back (each to its place); holds and offers follow."""
        if self.quiet():
            return []
        out: Out = []
        for agent_id in list(self._load):
            agent = self.acd.agents.get(agent_id)
            if agent is None or agent.state is State.LOGGED_OUT:
                for conv in self.of_agent(agent_id):
                    out += self.step(conv.id, ConvEvent.REQUEUE, now)
        out += self.dispatch(now)
        for agent_id in self.acd.agents:
            out += self._hold(agent_id, now)
        return out

    # -- the decision ---------------------------------------------------
    def dispatch(self, now: float) -> Out:
        """Give the conversation served first, among those some operator can
        take now, to the best operator for it, until no pair is left."""
        out: Out = []
        while True:
            heads = sorted((lst[0], key) for key, lst in self._waiting.items() if lst)
            pair = next(((e, a) for e, key in heads
                         if (a := self._best(key[0], key[1])) is not None), None)
            if pair is None:
                return out
            (_, _, conv_id), agent_id = pair
            conv = self.conversations[conv_id]
            conv.apply(ConvEvent.ASSIGN, now, agent=agent_id)
            self._dequeue(conv)
            self._load.setdefault(agent_id, {}).setdefault(conv.channel, set()).add(conv_id)
            self._last_text[agent_id] = now
            out += [Assigned(conv_id, agent_id), QueueMoved(), *self._hold(agent_id, now)]

    def _may_take(self, agent_id: str, channel: Channel) -> bool:
        agent = self.acd.agents[agent_id]
        if agent.state not in TAKES_TEXT and not (
                self.text_during_call and agent.state in ON_A_CALL):
            return False
        cap = self.capacity_of(agent_id)
        loads = self._load.get(agent_id, {})
        return len(loads.get(channel, ())) < cap.of(channel) and self.text_load(agent_id) < cap.text

    def _best(self, channel: Channel, language: str) -> str | None:
        best: tuple[int, int, float, str] | None = None
        for agent in self.acd.agents.values():
            if language not in agent.skills or not self._may_take(agent.id, channel):
                continue
            key = (self.text_load(agent.id), agent.penalty,
                   self._last_text.get(agent.id, 0.0), agent.id)
            if best is None or key < best:
                best = key
        return None if best is None else best[3]

    def _hold(self, agent_id: str, now: float) -> Out:
        """Hold the operator off calls while at text capacity (or taking none)."""
        cap = self.capacity_of(agent_id)
        at_capacity = self.text_load(agent_id) >= cap.text and not self.call_at_text_capacity
        held = cap.call <= 0 or at_capacity
        if held == (agent_id in self._held) or agent_id not in self.acd.agents:
            return []
        if held:
            self._held.add(agent_id)
        else:
            self._held.discard(agent_id)
        return list(self.acd.hold_calls(agent_id, held, now))

    # -- the indexes ------------------------------------------------------
    def _enqueue(self, conv: Conversation) -> None:
        lst = self._waiting.setdefault((conv.channel, conv.language), [])
        bisect.insort(lst, (conv.priority, conv.seq, conv.id))

    def _dequeue(self, conv: Conversation) -> None:
        key = (conv.channel, conv.language)
        lst = self._waiting.get(key, [])
        i = bisect.bisect_left(lst, (conv.priority, conv.seq, conv.id))
        if i < len(lst) and lst[i][2] == conv.id:
            del lst[i]
        if not lst:
            self._waiting.pop(key, None)

    def _unload(self, agent_id: str, conv: Conversation) -> None:
        loads = self._load.get(agent_id, {})
        loads.get(conv.channel, set()).discard(conv.id)
        if not any(loads.values()):
            self._load.pop(agent_id, None)
