"""A text conversation's life in the ACD (web chat, SMS, e-mail) as one
transition table (h11 style), like ``acd.call`` for a phone call.

A conversation is a contact like a call: it waits in the queue
(``queued``), is given to an operator (``active``: it sits on the agent
desktop beside calls, and the operator may hold several at once), and is
``ended`` at the end.  A web chat that no operator takes within the set time
is offered a fallback (``fallback``): the citizen leaves a message (a
ticket), asks for a callback, or keeps waiting at its original place.  An
operator who logs out with conversations open puts them back in the queue at
their place (their ``seq`` never changes).

Messages (author, time, text) are kept in order on the conversation.  An
illegal event raises ``IllegalConversationTransition`` naming conversation,
state and event and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from acd.errors import IllegalConversationTransition
from acd.lifecycle import check_agent, step


class Channel(StrEnum):
    CALL = "call"  # a phone call (acd.call); here for capacities and loads
    CHAT = "chat"  # web chat on /citizen
    SMS = "sms"
    EMAIL = "email"


TEXT_CHANNELS = (Channel.CHAT, Channel.SMS, Channel.EMAIL)


class Author(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    SYSTEM = "system"  # what kontakt itself says ("an operator joined", the fallback offer)


class ConvState(StrEnum):
    QUEUED = "queued"  # waiting for an operator, holding its place
    ACTIVE = "active"  # an operator has it
    FALLBACK = "fallback"  # nobody took it in time: message, callback, or keep waiting
    ENDED = "ended"


class ConvEvent(StrEnum):
    ASSIGN = "assign"  # the ACD gives it to an operator
    REQUEUE = "requeue"  # its operator left (logged out): back to its place
    CITIZEN_MESSAGE = "citizen_message"
    OPERATOR_MESSAGE = "operator_message"
    TICKET = "ticket"  # the operator opened a ticket from it (the transcript goes on it)
    WAIT_TIMEOUT = "wait_timeout"  # no operator within the set time: the fallback offer
    KEEP_WAITING = "keep_waiting"  # the citizen declines the fallback: back to its place
    LEAVE_MESSAGE = "leave_message"  # the citizen's message becomes a ticket
    CALLBACK = "callback"  # the citizen asks to be called back (a callback ticket)
    FORWARD = "forward"  # the operator forwards it to a department (a ticket there)
    CLOSE = "close"  # the operator ends it
    CITIZEN_LEFT = "citizen_left"  # the citizen ended it, or disappeared (timeout)


class Outcome(StrEnum):
    ANSWERED = "answered"  # an operator had it
    MESSAGE = "message"  # fallback: left a message (a ticket)
    CALLBACK = "callback"  # fallback: a callback request (a ticket)
    ABANDONED = "abandoned"  # the citizen left before any operator took it: lost


S, E = ConvState, ConvEvent
TRANSITIONS: dict[ConvState, dict[ConvEvent, ConvState]] = {
    S.QUEUED: {
        E.ASSIGN: S.ACTIVE,
        E.CITIZEN_MESSAGE: S.QUEUED,
        E.WAIT_TIMEOUT: S.FALLBACK,
        E.CITIZEN_LEFT: S.ENDED,
    },
    S.ACTIVE: {
        E.CITIZEN_MESSAGE: S.ACTIVE,
        E.OPERATOR_MESSAGE: S.ACTIVE,
        E.TICKET: S.ACTIVE,
        E.REQUEUE: S.QUEUED,
        E.FORWARD: S.ENDED,
        E.CLOSE: S.ENDED,
        E.CITIZEN_LEFT: S.ENDED,
    },
    S.FALLBACK: {
        E.CITIZEN_MESSAGE: S.FALLBACK,
        E.KEEP_WAITING: S.QUEUED,
        E.LEAVE_MESSAGE: S.ENDED,
        E.CALLBACK: S.ENDED,
        E.CITIZEN_LEFT: S.ENDED,
    },
    S.ENDED: {},
}

OPEN = frozenset({ConvState.QUEUED, ConvState.ACTIVE, ConvState.FALLBACK})
_WITH_AGENT = frozenset({ConvEvent.ASSIGN})
_LEAVES_AGENT = frozenset({ConvEvent.REQUEUE})


@dataclass(frozen=True)
class Message:
    author: Author
    at: float
    text: str
    agent: str | None = None  # the operator who wrote it


@dataclass
class Conversation:
    id: int
    channel: Channel
    address: str  # where the citizen is reached: a phone number, an e-mail address, a chat
    language: str
    arrived: float
    seq: int  # the place in the queue: given at arrival, never changed
    priority: int = 5  # lower is served first
    state: ConvState = ConvState.QUEUED
    agent: str | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    outcome: Outcome | None = None
    ticket: str | None = None  # the ticket opened from it
    department: str | None = None  # where it was forwarded
    since: float = 0.0
    messages: list[Message] = field(default_factory=list)
    history: list[tuple[float, ConvState, ConvEvent]] = field(default_factory=list)

    def target(self, event: ConvEvent) -> ConvState:
        """The state ``event`` leads to; raises if the conversation cannot take it now."""
        return step(TRANSITIONS, self.state, event, error=IllegalConversationTransition,
                    kind="conversation", ident=self.id)

    def can(self, event: ConvEvent) -> bool:
        return event in TRANSITIONS[self.state]

    def apply(
        self,
        event: ConvEvent,
        now: float,
        *,
        agent: str | None = None,
        message: Message | None = None,
    ) -> ConvState:
        target = self.target(event)
        check_agent(event in _WITH_AGENT, agent, self.state, event,
                    error=IllegalConversationTransition, kind="conversation", ident=self.id)
        if target is not self.state:
            self.since = now
        self.state = target
        if event in _WITH_AGENT:
            self.agent = agent
            if self.answered_at is None:
                self.answered_at = now
        elif event in _LEAVES_AGENT:
            self.agent = None
        if message is not None:
            self.messages.append(message)
        if target is ConvState.ENDED:
            self.ended_at = now
            self.outcome = _outcome(event, self.answered_at is not None)
        self.history.append((now, target, event))
        del self.history[:-50]
        return target

    @property
    def open(self) -> bool:
        return self.state in OPEN


def _outcome(event: ConvEvent, answered: bool) -> Outcome:
    if answered:
        return Outcome.ANSWERED
    if event is ConvEvent.LEAVE_MESSAGE:
        return Outcome.MESSAGE
    if event is ConvEvent.CALLBACK:
        return Outcome.CALLBACK
    return Outcome.ABANDONED


def transcript(conv: Conversation, names: dict[Author, str] | None = None) -> str:
    """The messages as plain text, one per line, for the ticket."""
    names = names or {Author.CITIZEN: "грађанин", Author.OPERATOR: "оператер",
                      Author.SYSTEM: "систем"}
    lines = []
    for m in conv.messages:
        at = datetime.fromtimestamp(m.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        who = names[m.author] + (f" {m.agent}" if m.agent else "")
        lines.append(f"[{at} UTC] {who}: {m.text}")
    return "\n".join(lines)
