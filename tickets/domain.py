"""The ticket (service request) domain: pure, no I/O.

A citizen contact becomes a ticket (Тикетинг апликација): registered at the
contact center, forwarded to the responsible public service (јавни сервис),
handled there and followed by the operator who opened it and the supervisor
until it is closed.

Public names others use (keep them): ``Ticket``, ``Kind``, ``Status``,
``Role``, ``Actor``, ``TRANSITIONS``, ``TicketError`` and its subclasses
(each with a stable ``code`` and ``details``), the event classes.

The lifecycle is one table, ``TRANSITIONS``: (from, to) -> roles allowed.
Anything not in it is refused with ``IllegalTransition`` naming both states;
a role not in the entry is refused with ``Forbidden``.  Domain objects record
events (``Ticket.events``); the service layer turns them into the append-only
history and outbox rows in the same transaction.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers

from tickets.clock_state import Sla

# Re-exported: the rest of the project imports the errors from here.
from tickets.errors import (  # noqa: F401
    Forbidden,
    IllegalTransition,
    InvalidTicket,
    KindNotTaken,
    NotFound,
    TicketError,
    UnknownDepartment,
)


class Kind(enum.StrEnum):
    complaint = "complaint"  # жалба
    request = "request"  # захтев
    suggestion = "suggestion"  # предлог
    information = "information"  # информација
    callback = "callback"  # повратни позив


class Status(enum.StrEnum):
    new = "new"
    forwarded = "forwarded"
    active = "active"  # активан
    waiting = "waiting"  # чека грађанина: the deadline clock stops
    returned = "returned"  # враћен: the department sent it back (wrong department)
    merged = "merged"  # спојен: a duplicate, merged into another ticket
    resolved = "resolved"  # решен
    cancelled = "cancelled"  # отказан
    closed = "closed"


class Role(enum.StrEnum):
    agent = "agent"  # оператер
    department = "department"  # особље јавног сервиса
    supervisor = "supervisor"  # супервизор
    admin = "admin"  # систем инжењер
    citizen = "citizen"  # the web channel (Open311): opens and follows web requests


KIND_LABELS = {Kind.complaint: "жалба", Kind.request: "захтев", Kind.suggestion: "предлог",
               Kind.information: "информација", Kind.callback: "повратни позив"}
STATUS_LABELS = {Status.new: "нов", Status.forwarded: "прослеђен", Status.active: "активан",
                 Status.resolved: "решен", Status.cancelled: "отказан",
                 Status.closed: "затворен", Status.waiting: "чека грађанина",
                 Status.returned: "враћен", Status.merged: "спојен"}
CHANNELS = ("phone", "sms", "web", "chat", "email")

A, D, S, ADM = Role.agent, Role.department, Role.supervisor, Role.admin

OPEN = (Status.new, Status.forwarded, Status.active, Status.waiting, Status.returned)
# The lifecycle: (from, to) -> who may take the step.  Reopening is a step
# back to active from resolved, cancelled or closed.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Role]] = {
    # A web request (citizen) goes straight to the service it names.
    (Status.new, Status.forwarded): frozenset({A, S, ADM, Role.citizen}),
    (Status.new, Status.active): frozenset({A, S, ADM}),
    (Status.new, Status.resolved): frozenset({A, S, ADM}),  # answered on the spot
    (Status.new, Status.cancelled): frozenset({A, S, ADM}),
    (Status.forwarded, Status.forwarded): frozenset({A, S, ADM}),  # to another department
    (Status.forwarded, Status.active): frozenset({D, S, ADM}),
    (Status.forwarded, Status.resolved): frozenset({D, S, ADM}),
    (Status.forwarded, Status.cancelled): frozenset({A, D, S, ADM}),
    (Status.active, Status.forwarded): frozenset({A, S, ADM}),
    (Status.active, Status.resolved): frozenset({A, D, S, ADM}),
    (Status.active, Status.cancelled): frozenset({A, D, S, ADM}),
    (Status.resolved, Status.closed): frozenset({A, S, ADM}),
    (Status.cancelled, Status.closed): frozenset({A, S, ADM}),
    (Status.resolved, Status.active): frozenset({A, D, S, ADM}),  # reopened
    (Status.cancelled, Status.active): frozenset({S, ADM}),  # reopened
    (Status.closed, Status.active): frozenset({S, ADM}),  # reopened
    # Waiting for the citizen: the deadline clock stops.
    (Status.forwarded, Status.waiting): frozenset({D, S, ADM}),
    (Status.active, Status.waiting): frozenset({A, D, S, ADM}),
    (Status.waiting, Status.active): frozenset({A, D, S, ADM}),
    (Status.waiting, Status.resolved): frozenset({A, D, S, ADM}),
    (Status.waiting, Status.cancelled): frozenset({A, D, S, ADM}),
    # Wrong department: returned to the contact center (with a reason).
    (Status.forwarded, Status.returned): frozenset({D, S, ADM}),
    (Status.active, Status.returned): frozenset({D, S, ADM}),
    (Status.returned, Status.forwarded): frozenset({A, S, ADM}),
    (Status.returned, Status.resolved): frozenset({A, S, ADM}),
    (Status.returned, Status.cancelled): frozenset({A, S, ADM}),
    # A duplicate merged into another ticket (merge_into): final.
    **{(st, Status.merged): frozenset({A, S, ADM}) for st in OPEN},
}
FINAL = frozenset({Status.resolved, Status.cancelled, Status.closed, Status.merged})
# Steps that need their own use case: how to take them.
SPECIAL_STEPS = {Status.forwarded: "forward with a department",
                 Status.returned: "return with a reason", Status.merged: "merge into a ticket"}

# Who may do the other things to a ticket.
OPEN_ROLES = frozenset({A, S, ADM, Role.citizen})
ASSIGN_ROLES = frozenset({D, S, ADM})
COMMENT_ROLES = frozenset({A, D, S, ADM})



# -- values ----------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """Who acts: a user id, a role and, for department staff, their department."""

    user_id: str
    role: Role | str
    department: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "role", Role(self.role))
        except ValueError:
            raise Forbidden(f"unknown role {self.role!r}", role=str(self.role)) from None
        if self.role is Role.department and not self.department:
            raise Forbidden("department staff without a department", user=self.user_id)


@dataclass(frozen=True)
class CallLink:
    """The call a ticket came from (Asterisk uniqueid, wait and talk seconds)."""

    uniqueid: str
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    agent: str | None = None


def parse_enum(cls: type[enum.StrEnum], value: Any, field_name: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise InvalidTicket(f"{field_name} {value!r}: use one of {allowed}",
                            field=field_name, value=str(value)) from None


def normalize_phone(raw: str | None, region: str = "RS") -> str | None:
    """E.164 from what an operator or caller ID gives (``021 4888 001`` -> +38121...)."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidTicket(f"phone {raw!r} is not a phone number", field="phone",
                            value=str(raw)) from None
    if not phonenumbers.is_possible_number(num):
        raise InvalidTicket(f"phone {raw!r} is not a possible number", field="phone",
                            value=str(raw))
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def format_number(year: int, seq: int) -> str:
    """The human-friendly ticket number: ``NS-2027-000123``."""
    return f"NS-{year}-{seq:06d}"


NUMBER_RE = re.compile(r"^NS-\d{4}-\d{6,}$")


# -- events ----------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    actor: str
    role: str
    at: datetime


@dataclass(frozen=True)
class Opened(Event):
    status: Status


@dataclass(frozen=True)
class StatusChanged(Event):
    old: Status
    new: Status
    comment: str
    for_citizen: bool = False  # the comment is the outcome the citizen is told


@dataclass(frozen=True)
class Forwarded(Event):
    old_department: str | None
    department: str
    old: Status
    new: Status
    comment: str


@dataclass(frozen=True)
class Assigned(Event):
    assignee: str
    previous: str | None


@dataclass(frozen=True)
class Commented(Event):
    text: str
    for_citizen: bool = False  # else an internal note, never sent to the citizen


@dataclass(frozen=True)
class CallLinked(Event):
    call: CallLink


# -- the ticket ------------------------------------------------------------------

@dataclass
class Ticket:
    number: str
    kind: Kind
    subject: str
    description: str
    phone: str | None
    opened_by: str
    created_at: datetime
    updated_at: datetime
    status: Status = Status.new
    department: str | None = None
    name: str | None = None
    email: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    channel: str = "phone"
    language: str = "sr"
    assignee: str | None = None
    calls: list[CallLink] = field(default_factory=list)
    sla: Sla = field(default_factory=Sla, compare=False)
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def open(cls, actor: Actor, *, number: str, kind: Kind | str, subject: str,
             description: str, phone: str | None, at: datetime, channel: str = "phone",
             name: str | None = None, email: str | None = None, address: str | None = None,
             lat: float | None = None, lon: float | None = None, language: str = "sr",
             call: CallLink | None = None) -> Ticket:
        if actor.role not in OPEN_ROLES:
            raise Forbidden(f"role {actor.role} may not open tickets", role=str(actor.role))
        if channel not in CHANNELS:
            raise InvalidTicket(f"channel {channel!r}: use one of {', '.join(CHANNELS)}",
                                field="channel", value=channel)
        if actor.role is Role.citizen and channel == "phone":
            raise Forbidden("citizens open tickets through the web channel", channel=channel)
        subject = (subject or "").strip()
        if not subject or len(subject) > 200:
            raise InvalidTicket("subject: 1 to 200 characters", field="subject")
        if email is not None and email.strip() and not _EMAIL.match(email.strip()):
            raise InvalidTicket(f"email {email!r} is not an e-mail address", field="email",
                                value=email)
        t = cls(number=number, kind=parse_enum(Kind, kind, "kind"), subject=subject,
                description=(description or "").strip(), phone=normalize_phone(phone),
                opened_by=actor.user_id, created_at=at, updated_at=at, channel=channel,
                name=(name or None), email=(email or "").strip() or None,
                address=(address or None), lat=lat, lon=lon, language=language or "sr")
        t.events.append(Opened(actor.user_id, str(actor.role), at, Status.new))
        if call is not None:
            t.link_call(actor, call, at)
        return t

    # -- visibility ------------------------------------------------------------

    def check_visible(self, actor: Actor) -> None:
        """Department staff see only their department's tickets; the web channel
        only web requests."""
        if actor.role is Role.department and self.department != actor.department:
            raise Forbidden(f"ticket {self.number} belongs to another department",
                            number=self.number, department=actor.department)
        if actor.role is Role.citizen and self.channel != "web":
            raise NotFound(f"no ticket {self.number}", number=self.number)

    # -- steps -----------------------------------------------------------------

    def move(self, actor: Actor, to: Status | str, at: datetime, comment: str = "",
             for_citizen: bool = False) -> None:
        step: Status = parse_enum(Status, to, "status")
        self.check_visible(actor)
        self.check_step(actor, step)
        if step in SPECIAL_STEPS:
            raise IllegalTransition(f"ticket {self.number}: {SPECIAL_STEPS[step]}, not a status",
                                    number=self.number, state=self.status.value, to=step.value)
        old, self.status, self.updated_at = self.status, step, at
        self.events.append(StatusChanged(actor.user_id, str(actor.role), at, old, step, comment,
                                         for_citizen and bool(comment.strip())))

    def forward(self, actor: Actor, department: str, at: datetime, comment: str = "") -> None:
        self.check_visible(actor)
        self.check_step(actor, Status.forwarded)
        old_dep, old = self.department, self.status
        self.department, self.status, self.updated_at = department, Status.forwarded, at
        self.assignee = None  # the new department decides who handles it
        self.events.append(Forwarded(actor.user_id, str(actor.role), at, old_dep, department,
                                     old, Status.forwarded, comment))

    def assign(self, actor: Actor, user_id: str, at: datetime) -> None:
        self.check_visible(actor)
        if actor.role not in ASSIGN_ROLES:
            raise Forbidden(f"role {actor.role} may not assign tickets", role=str(actor.role),
                            number=self.number)
        if self.status in FINAL:
            raise IllegalTransition(f"ticket {self.number} is {self.status.value}: "
                                    "reopen it before assigning", number=self.number,
                                    state=self.status.value, event="assign")
        if not user_id or not user_id.strip():
            raise InvalidTicket("assignee: a user id", field="assignee")
        previous, self.assignee, self.updated_at = self.assignee, user_id.strip(), at
        self.events.append(Assigned(actor.user_id, str(actor.role), at, self.assignee,
                                    previous))

    def comment(self, actor: Actor, text: str, at: datetime, for_citizen: bool = False) -> None:
        self.check_visible(actor)
        if actor.role not in COMMENT_ROLES:
            raise Forbidden(f"role {actor.role} may not comment", role=str(actor.role))
        if not text or not text.strip():
            raise InvalidTicket("comment: some text", field="text")
        self.updated_at = at
        self.events.append(Commented(actor.user_id, str(actor.role), at, text.strip(),
                                     for_citizen))

    def link_call(self, actor: Actor, call: CallLink, at: datetime) -> None:
        if any(c.uniqueid == call.uniqueid for c in self.calls):
            return  # linking the same call twice is a no-op
        self.calls.append(call)
        self.events.append(CallLinked(actor.user_id, str(actor.role), at, call))

    def check_step(self, actor: Actor, to: Status) -> None:
        roles = TRANSITIONS.get((self.status, to))
        if roles is None:
            raise IllegalTransition(
                f"ticket {self.number}: no step from {self.status.value} to {to.value}",
                number=self.number, state=self.status.value, to=to.value)
        if actor.role not in roles:
            raise Forbidden(
                f"role {actor.role} may not move ticket {self.number} from "
                f"{self.status.value} to {to.value}", number=self.number,
                state=self.status.value, to=to.value, role=str(actor.role))

    def pop_events(self) -> list[Event]:
        out, self.events = self.events, []
        return out


def allowed_steps(status: Status, role: Role) -> list[Status]:
    """Statuses ``role`` may move a ticket in ``status`` to (for the pages)."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm is status and role in roles]
