"""The ticket service layer: one transaction per use case.

Each use case checks first (role, department, the lifecycle table), then
acts: it loads the ticket, lets the domain object take the step, and writes
the ticket, its append-only history rows, the outbox rows (MQTT) and, for
the statuses that notify the citizen, the notification jobs, all in the same
transaction (``tickets.writes``).  Results are plain dicts (JSON-ready apart
from datetimes).  The queries are ``tickets.queries``, the call transfer
``tickets.transfer``, input and output conversions ``tickets.convert``.

    svc = TicketService(sessionmaker, departments, call_control=AmiCallControl(manager))
    t = await svc.open_ticket(actor, kind="complaint", subject=..., description=...,
                              phone="+38164...", department="vodovod")
    await svc.change_status(dep_actor, t["number"], "resolved", "fixed")

The HTTP layer's aliases are accepted: ``caller`` for ``phone``,
``citizen_name``/``citizen_email`` for ``name``/``email``, ``long`` for
``lon``, ``uniqueid`` for a call link; ``open_and_transfer`` takes the
Asterisk channel as ``channel_name`` (or ``channel`` when it contains "/").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from infra.logs import get_logger
from tickets import domain as d
from tickets.change_rows import pending_number
from tickets.convert import as_actor, call_link, caller_id, ticket_dict
from tickets.domain import (
    Actor,
    CallLink,
    Forbidden,
    IllegalTransition,
    InvalidTicket,
    KindNotTaken,
    Role,
    Status,
    Ticket,
    UnknownDepartment,
)
from tickets.followup import give_back, mark_overdue, merge
from tickets.ports import CallControl
from tickets.queries import TicketQueries
from tickets.sla import SlaPolicy
from tickets.transfer import transfer
from tickets.writes import TicketWriter

__all__ = ["DEFAULT_NOTIFY_ON", "TicketService", "ticket_dict"]

log = get_logger()

DEFAULT_NOTIFY_ON = ("resolved", "cancelled")
SYSTEM = ("engine", "admin")  # the actor of what the service does by itself


def _now() -> datetime:
    return datetime.now(UTC)


class TicketService(TicketQueries):
    """The ticket queries (``TicketQueries``) and the changes."""

    def __init__(self, sessionmaker: Any, departments: Iterable[Any] | None = None, *,
                 call_control: CallControl | None = None,
                 clock: Callable[[], datetime] = _now,
                 notify_on: Iterable[str] = DEFAULT_NOTIFY_ON,
                 on_commit: Callable[[], None] | None = None,
                 sla: SlaPolicy | None = None, escalate_to: str | None = None) -> None:
        super().__init__(sessionmaker)
        if departments is None:
            from dialplan.departments import default_departments

            departments = default_departments()
        self.departments = {dep.id: dep for dep in departments}
        self.call_control = call_control
        self.clock = clock
        self.sla = sla
        self._writer = TicketWriter(sessionmaker, clock=clock, notify_on=notify_on,
                                    on_commit=on_commit, sla=sla, present=self.present,
                                    escalate_to=escalate_to)

    @property
    def notify_on(self) -> tuple[str, ...]:
        """The statuses the citizen is told of (settings ``notify_on``)."""
        return self._writer.notify_on

    # -- use cases ---------------------------------------------------------------

    async def open_ticket(self, actor: Actor, *, kind: str, subject: str,
                          description: str = "", phone: str | None = None,
                          department: str | None = None, name: str | None = None,
                          email: str | None = None, address: str | None = None,
                          channel: str = "phone", call: CallLink | dict[str, Any] | None = None,
                          language: str | None = "sr", resolve_now: bool = False,
                          lat: float | None = None, lon: float | None = None,
                          comment: str = "", attach_to: str | None = None,
                          **aliases: Any) -> dict[str, Any]:
        """Open a ticket; with ``department`` it is forwarded there at once; with
        ``resolve_now`` (an information answered on the spot) it is resolved in
        the same step; with ``attach_to`` (the same problem, already reported)
        it is merged into that ticket, which is returned.  Returns the ticket."""
        actor = as_actor(actor)
        caller = aliases.pop("caller", None)
        if phone is None and caller:
            phone = caller_id(caller)
        name = aliases.pop("citizen_name", None) if name is None else name
        email = aliases.pop("citizen_email", None) if email is None else email
        lon = aliases.pop("long", None) if lon is None else lon
        uniqueid = aliases.pop("uniqueid", None)
        aliases.pop("opened_by", None)
        if aliases:
            raise InvalidTicket(f"unknown field(s) {', '.join(sorted(aliases))}",
                                fields=sorted(aliases))
        kind = d.parse_enum(d.Kind, kind, "kind").value
        if call is None and uniqueid:
            call = CallLink(str(uniqueid), agent=actor.user_id)
        if isinstance(call, dict):
            call = call_link(call)
        dep = self._department(department, kind) if department else None
        if actor.role is Role.citizen and dep is None:
            raise InvalidTicket("department: the web channel names the service", field="department")
        at = self.clock()
        # All of it before the write transaction (it holds SQLite's write
        # lock): the number is drawn there, by ``create``.
        t = Ticket.open(actor, number=pending_number(), kind=kind, subject=subject,
                        description=description, phone=phone, at=at, channel=channel,
                        name=name, email=email, address=address, lat=lat, lon=lon,
                        language=language or "sr", call=call)
        if resolve_now:
            t.department = dep.id if dep else None
            t.move(actor, Status.resolved, at, comment, for_citizen=True)  # the answer
        elif dep is not None:
            t.forward(actor, dep.id, at, comment)
        await self._writer.create(t, at.year)
        log.info("ticket.opened", number=t.number, kind=t.kind.value, status=t.status.value,
                 department=t.department, by=actor.user_id)
        if attach_to:
            return await self._attach(actor, t, attach_to)
        return self.present(t)

    async def _attach(self, actor: Actor, t: Ticket, target: str) -> dict[str, Any]:
        """Merge the new ticket ``t`` into ``target``, the open ticket the
        operator was shown.  One merged since is followed to the ticket it
        went into; one finished since (resolved, cancelled) leaves ``t``
        standing on its own, the problem reported again: returned with
        ``not_attached`` saying why, not an error (``t`` is registered)."""
        into = await self.survivor(target)
        try:
            return await self.merge(actor, t.number, into)
        except IllegalTransition as e:
            if e.details.get("number") != into or e.details.get("event") != "merge":
                raise
            log.info("ticket.not_attached", number=t.number, into=into, reason=str(e))
            return {**self.present(t), "not_attached": {"code": e.code, "message": str(e),
                                                        **e.details}}

    async def change_status(self, actor: Actor, number: str, to: str,
                            comment: str = "", for_citizen: bool = False) -> dict[str, Any]:
        """``comment`` is an internal note unless ``for_citizen``: only then is it
        the outcome the citizen's notification tells."""
        actor = as_actor(actor)
        return await self._writer.step(
            actor, number, lambda t, at: t.move(actor, to, at, comment, for_citizen))

    async def forward(self, actor: Actor, number: str, department: str,
                      comment: str = "") -> dict[str, Any]:
        actor = as_actor(actor)

        def step(t: Ticket, at: datetime) -> None:
            self._department(department, t.kind.value)
            t.forward(actor, department, at, comment)

        return await self._writer.step(actor, number, step)

    async def give_back(self, actor: Actor, number: str, reason: str,
                        suggested: str | None = None) -> dict[str, Any]:
        """Department staff return a ticket that is not theirs (wrong
        department): to the contact center's returned tickets, with a reason
        and, if they know it, the department it is for."""
        actor = as_actor(actor)

        def step(t: Ticket, at: datetime) -> None:
            if suggested:
                self._department(suggested, "")
            give_back(t, actor, reason, at, suggested)

        out = await self._writer.step(actor, number, step)
        log.info("ticket.returned", number=out["number"], by=actor.user_id,
                 suggested=suggested)
        return out

    async def merge(self, actor: Actor, duplicate: str, into: str) -> dict[str, Any]:
        """Merge ``duplicate`` into ``into`` (its reporter, calls and history
        kept); returns the surviving ticket."""
        actor = as_actor(actor)
        dup, surv = (str(n).strip().upper() for n in (duplicate, into))
        out = await self._writer.merge(actor, dup, surv,
                                       lambda a, b, at: merge(a, b, actor, at))
        log.info("ticket.merged", number=dup, into=surv, by=actor.user_id)
        return out

    async def mark_overdue(self, number: str) -> dict[str, Any] | None:
        """Mark a ticket past its deadline (the overdue job); None when it is
        not (any more) late."""
        if self.sla is None:
            return None
        sla = self.sla
        actor = Actor(*SYSTEM)
        late: list[str] = []

        def step(t: Ticket, at: datetime) -> None:
            missed = sla.missed(t, at)
            if missed is not None:
                mark_overdue(t, missed[0], missed[1], at)
                late.append(missed[0])

        out = await self._writer.step(actor, number, step)
        if not late:
            return None
        log.warning("ticket.overdue", number=out["number"], deadline=late[0],
                    department=out["department"])
        return out

    async def assign(self, actor: Actor, number: str, user_id: str) -> dict[str, Any]:
        """Department staff pass a ticket to a colleague (the HTTP layer checks
        the colleague is in the same department; users live there)."""
        actor = as_actor(actor)
        return await self._writer.step(actor, number, lambda t, at: t.assign(actor, user_id, at))

    async def comment(self, actor: Actor, number: str, text: str,
                      for_citizen: bool = False) -> dict[str, Any]:
        """An internal note, or with ``for_citizen`` a message the citizen sees."""
        actor = as_actor(actor)
        return await self._writer.step(
            actor, number, lambda t, at: t.comment(actor, text, at, for_citizen))

    async def link_call(self, actor: Actor, number: str,
                        call: CallLink | dict[str, Any]) -> dict[str, Any]:
        actor = as_actor(actor)
        link = call_link(call) if isinstance(call, dict) else call
        return await self._writer.step(actor, number, lambda t, at: t.link_call(actor, link, at))

    async def open_and_transfer(self, actor: Actor, *, department: str,
                                channel_name: str | None = None, attended: bool = False,
                                operator_channel: str | None = None,
                                **open_kw: Any) -> dict[str, Any]:
        """Open the ticket forwarded to ``department`` (committed first), then
        transfer the citizen's call to the department's number: blind
        (Redirect of the citizen's ``channel_name``) or, with ``attended``,
        Atxfer on the operator's ``operator_channel``.  A failed transfer
        leaves the ticket and the call where they are; the result's
        ``transfer`` says ``ok`` or why not (``code``, ``message``)."""
        actor = as_actor(actor)
        if channel_name is None and "/" in str(open_kw.get("channel") or ""):
            channel_name = open_kw.pop("channel")
        if not channel_name:
            raise InvalidTicket("channel_name: the citizen's live channel", field="channel_name")
        if actor.role not in (Role.agent, Role.supervisor, Role.admin):
            raise Forbidden(f"role {actor.role} may not transfer calls", role=str(actor.role))
        dep = self._department(department, open_kw.get("kind", ""))
        t = await self.open_ticket(actor, department=department, **open_kw)
        outcome = await transfer(self.call_control, to=dep.number, channel=channel_name,
                                 attended=attended, operator_channel=operator_channel)
        action = "transferred" if outcome["ok"] else "transfer_failed"
        await self._writer.note(actor, t["number"], action, outcome)
        log.info(f"ticket.{action}", number=t["number"], department=department,
                 channel=channel_name, code=outcome.get("code"))
        return {**t, "transfer": outcome}

    # -- internals -------------------------------------------------------------

    def _department(self, department: str | None, kind: str) -> Any:
        dep = self.departments.get(str(department))
        if dep is None:
            raise UnknownDepartment(f"no department {department!r}", department=department)
        kinds = getattr(dep, "kinds", None)
        if kind and kinds and str(kind) not in kinds:
            raise KindNotTaken(f"department {dep.id} does not take {kind} tickets",
                               department=dep.id, kind=str(kind))
        return dep
