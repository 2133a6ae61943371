"""The ticket service layer: one transaction per use case.

Each use case checks first (role, department, the lifecycle table), then
acts: it loads the ticket, lets the domain object take the step, and writes
the ticket, its append-only history rows, the outbox rows (MQTT) and, for
the statuses that notify the citizen, the notification jobs, all in the same
transaction.  Results are plain dicts (JSON-ready apart from datetimes).

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

import asyncio
import contextlib
import importlib.util
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from infra.logs import get_logger
from infra.outbox import add_event
from tickets import domain as d
from tickets.domain import (
    Actor,
    CallLink,
    Forbidden,
    InvalidTicket,
    KindNotTaken,
    Role,
    Status,
    Ticket,
    UnknownDepartment,
)
from tickets.ports import CallControl, TransferFailed
from tickets.store import (
    TicketRepository,
    count_by_department,
    search_query,
    to_domain,
    totals,
)

log = get_logger()

DEFAULT_NOTIFY_ON = ("resolved", "cancelled")


def _now() -> datetime:
    return datetime.now(UTC)


def _have_notify() -> bool:
    try:
        return importlib.util.find_spec("tickets.notify.jobs") is not None
    except ModuleNotFoundError:
        return False


class TicketService:
    def __init__(self, sessionmaker: Any, departments: Iterable[Any] | None = None, *,
                 call_control: CallControl | None = None,
                 clock: Callable[[], datetime] = _now,
                 notify_on: Iterable[str] = DEFAULT_NOTIFY_ON,
                 on_commit: Callable[[], None] | None = None) -> None:
        if departments is None:
            from dialplan.departments import default_departments

            departments = default_departments()
        self.sessionmaker = sessionmaker
        self.departments = {dep.id: dep for dep in departments}
        self.call_control = call_control
        self.clock = clock
        self.notify_on = tuple(notify_on)
        # e.g. OutboxPublisher.notify: deliver right after the commit.
        self.on_commit = on_commit
        bind = getattr(sessionmaker, "kw", {}).get("bind")
        dialect = bind.dialect.name if bind is not None else "sqlite"
        self._write_lock = asyncio.Lock() if dialect == "sqlite" else None

    # -- use cases ---------------------------------------------------------------

    async def open_ticket(self, actor: Actor, *, kind: str, subject: str,
                          description: str = "", phone: str | None = None,
                          department: str | None = None, name: str | None = None,
                          email: str | None = None, address: str | None = None,
                          channel: str = "phone", call: CallLink | dict[str, Any] | None = None,
                          language: str | None = "sr", resolve_now: bool = False,
                          lat: float | None = None, lon: float | None = None,
                          comment: str = "", **aliases: Any) -> dict[str, Any]:
        """Open a ticket; with ``department`` it is forwarded there at once; with
        ``resolve_now`` (an information answered on the spot) it is resolved in
        the same step.  Returns the ticket."""
        actor = _actor(actor)
        caller = aliases.pop("caller", None)
        if phone is None and caller:
            phone = _caller_id(caller)
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
            call = _call_link(call)
        dep = self._department(department, kind) if department else None
        if actor.role is Role.citizen and dep is None:
            raise InvalidTicket("department: the web channel names the service", field="department")
        at = self.clock()
        async with self._writing() as s:
            repo = TicketRepository(s)
            number = await repo.next_number(at.year)
            t = Ticket.open(actor, number=number, kind=kind, subject=subject,
                            description=description, phone=phone, at=at, channel=channel,
                            name=name, email=email, address=address, lat=lat, lon=lon,
                            language=language or "sr", call=call)
            if resolve_now:
                t.department = dep.id if dep else None
                t.move(actor, Status.resolved, at, comment)
            elif dep is not None:
                t.forward(actor, dep.id, at, comment)
            await repo.add(t)
            await self._record(repo, t)
        self._committed()
        log.info("ticket.opened", number=t.number, kind=t.kind.value, status=t.status.value,
                 department=t.department, by=actor.user_id)
        return ticket_dict(t)

    async def change_status(self, actor: Actor, number: str, to: str,
                            comment: str = "") -> dict[str, Any]:
        actor = _actor(actor)
        return await self._step(actor, number, lambda t, at: t.move(actor, to, at, comment))

    async def forward(self, actor: Actor, number: str, department: str,
                      comment: str = "") -> dict[str, Any]:
        actor = _actor(actor)

        def step(t: Ticket, at: datetime) -> None:
            self._department(department, t.kind.value)
            t.forward(actor, department, at, comment)

        return await self._step(actor, number, step)

    async def assign(self, actor: Actor, number: str, user_id: str) -> dict[str, Any]:
        """Department staff pass a ticket to a colleague (the HTTP layer checks
        the colleague is in the same department; users live there)."""
        actor = _actor(actor)
        return await self._step(actor, number, lambda t, at: t.assign(actor, user_id, at))

    async def comment(self, actor: Actor, number: str, text: str) -> dict[str, Any]:
        actor = _actor(actor)
        return await self._step(actor, number, lambda t, at: t.comment(actor, text, at))

    async def link_call(self, actor: Actor, number: str,
                        call: CallLink | dict[str, Any]) -> dict[str, Any]:
        actor = _actor(actor)
        link = _call_link(call) if isinstance(call, dict) else call
        return await self._step(actor, number, lambda t, at: t.link_call(actor, link, at))

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
        actor = _actor(actor)
        if channel_name is None and "/" in str(open_kw.get("channel") or ""):
            channel_name = open_kw.pop("channel")
        if not channel_name:
            raise InvalidTicket("channel_name: the citizen's live channel", field="channel_name")
        if actor.role not in (Role.agent, Role.supervisor, Role.admin):
            raise Forbidden(f"role {actor.role} may not transfer calls", role=str(actor.role))
        dep = self._department(department, open_kw.get("kind", ""))
        t = await self.open_ticket(actor, department=department, **open_kw)
        mode = "attended" if attended else "blind"
        outcome: dict[str, Any] = {"ok": False, "mode": mode, "to": dep.number,
                                   "channel": channel_name}
        try:
            if self.call_control is None:
                raise TransferFailed("transfer.unavailable", "no call control (AMI) is wired")
            if attended:
                if not operator_channel:
                    raise TransferFailed("transfer.no_operator_channel",
                                         "attended transfer needs the operator's channel")
                await self.call_control.attended_transfer(operator_channel, dep.number)
            else:
                await self.call_control.blind_transfer(channel_name, dep.number)
            outcome["ok"] = True
        except TransferFailed as e:
            outcome.update(code=e.code, message=str(e), details=e.details)
        action = "transferred" if outcome["ok"] else "transfer_failed"
        await self._note(actor, t["number"], action, outcome)
        log.info(f"ticket.{action}", number=t["number"], department=department,
                 channel=channel_name, code=outcome.get("code"))
        return {**t, "transfer": outcome}

    # -- queries -----------------------------------------------------------------

    async def get(self, actor: Actor, number: str) -> dict[str, Any]:
        actor = _actor(actor)
        async with self.sessionmaker() as s:
            t = await TicketRepository(s).get(str(number).strip().upper())
        t.check_visible(actor)
        return ticket_dict(t)

    async def history(self, actor: Actor, number: str) -> list[dict[str, Any]]:
        actor = _actor(actor)
        number = str(number).strip().upper()
        async with self.sessionmaker() as s:
            repo = TicketRepository(s)
            t = await repo.get(number)
            t.check_visible(actor)
            return await repo.history(number)

    async def search(self, actor: Actor, *, number: str | None = None,
                     phone: str | None = None, department: str | None = None,
                     kind: str | None = None, status: str | None = None,
                     since: datetime | str | None = None, until: datetime | str | None = None,
                     text: str | None = None, limit: int = 50,
                     caller: str | None = None, opened_by: str | None = None,
                     assignee: str | None = None, channel: str | None = None
                     ) -> list[dict[str, Any]]:
        """Newest first.  Department staff see only their department; the web
        channel only web requests.  ``phone`` is normalized to E.164, so the
        caller ID of an incoming call finds the citizen's earlier tickets."""
        actor = _actor(actor)
        if actor.role is Role.department:
            if department not in (None, actor.department):
                raise Forbidden("department staff search their own department",
                                department=department)
            department = actor.department
        if actor.role is Role.citizen:
            channel = "web"
        phone = d.normalize_phone(phone if phone is not None else caller)
        if kind is not None:
            kind = d.parse_enum(d.Kind, kind, "kind").value
        if status is not None:
            status = d.parse_enum(d.Status, status, "status").value
        limit = max(1, min(int(limit or 50), 500))
        async with self.sessionmaker() as s:
            dialect = s.bind.dialect.name
            q = search_query(dialect, number=number.strip().upper() if number else None,
                             phone=phone, department=department, kind=kind, status=status,
                             since=_when(since, "since"), until=_when(until, "until"),
                             text_q=text, opened_by=opened_by, assignee=assignee,
                             channel=channel, limit=limit)
            rows = (await s.scalars(q)).all()
        return [ticket_dict(to_domain(r)) for r in rows]

    async def counts(self) -> dict[str, dict[str, int]]:
        """Tickets per department and status: ``{department: {status: n}}``."""
        async with self.sessionmaker() as s:
            return await count_by_department(s)

    async def totals(self) -> dict[str, int]:
        """For the demo summary: ``{"opened", "transferred", "resolved"}``."""
        async with self.sessionmaker() as s:
            return await totals(s)

    # -- internals -------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[Any]:
        """A write transaction.  On SQLite, writers of this process take turns
        on an asyncio lock first: SQLite runs one writer at a time anyway, and
        queueing here beats its busy handler's sleep-and-retry (other
        processes still wait on ``busy_timeout``)."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.sessionmaker() as s, s.begin():
            yield s

    def _department(self, department: str | None, kind: str) -> Any:
        dep = self.departments.get(str(department))
        if dep is None:
            raise UnknownDepartment(f"no department {department!r}", department=department)
        kinds = getattr(dep, "kinds", None)
        if kind and kinds and str(kind) not in kinds:
            raise KindNotTaken(f"department {dep.id} does not take {kind} tickets",
                               department=dep.id, kind=str(kind))
        return dep

    async def _step(self, actor: Actor, number: str,
                    step: Callable[[Ticket, datetime], Any]) -> dict[str, Any]:
        number = str(number).strip().upper()
        at = self.clock()
        async with self._writing() as s:
            repo = TicketRepository(s)
            t = await repo.get(number, for_update=True)
            t.check_visible(actor)
            step(t, at)
            await repo.save(t)
            await self._record(repo, t)
        self._committed()
        return ticket_dict(t)

    async def _note(self, actor: Actor, number: str, action: str,
                    details: dict[str, Any]) -> None:
        """A history row + outbox event that changes nothing on the ticket
        (transfer outcome)."""
        at = self.clock()
        async with self._writing() as s:
            repo = TicketRepository(s)
            t = await repo.get(number)
            payload = _payload(t, f"ticket.{action}", actor.user_id, str(actor.role), at,
                               details=details)
            event_id = self._publish(s, t, payload)
            repo.append_history(t, at=at, actor=actor.user_id, role=str(actor.role),
                                action=action, old=t.status.value, new=t.status.value,
                                comment=str(details.get("message") or ""), details=details,
                                event_id=event_id)
        self._committed()

    async def _record(self, repo: TicketRepository, t: Ticket) -> None:
        for ev in t.pop_events():
            action, old, new, comment, extra = _describe(ev)
            if isinstance(ev, d.CallLinked):
                await repo.link_call(t, ev.call)
            payload = _payload(t, f"ticket.{action}", ev.actor, ev.role, ev.at, old_status=old,
                               comment=comment, details=extra)
            event_id = self._publish(repo.session, t, payload)
            repo.append_history(t, at=ev.at, actor=ev.actor, role=ev.role, action=action,
                                old=old, new=new, comment=comment, details=extra,
                                event_id=event_id)
            if new is not None and new != old and new in self.notify_on:
                await self._enqueue_notification(repo, t, event_id, new, comment)

    def _publish(self, session: Any, t: Ticket, payload: dict[str, Any]) -> str:
        # One fact, two topics: the department's and the opener's (the
        # operator follows the tickets they opened).  Same event_id on both.
        event_id = add_event(session, f"tickets/{t.department or '-'}/{t.number}", payload)
        add_event(session, f"users/{t.opened_by}/tickets/{t.number}",
                  {**payload, "event_id": event_id})
        return event_id

    async def _enqueue_notification(self, repo: TicketRepository, t: Ticket, event_id: str,
                                    status: str, outcome: str) -> None:
        """Hook for citizen notifications (tickets/notify), same transaction."""
        if not _have_notify():
            return
        from tickets.notify.jobs import enqueue

        await enqueue(repo.session, ticket_number=t.number, event_id=event_id, status=status,
                      language=t.language, phone=t.phone, email=t.email,
                      outcome=outcome or None, notify_on=self.notify_on)

    def _committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()


def _actor(actor: Any) -> Actor:
    if isinstance(actor, Actor):
        return actor
    return Actor(user_id=actor.user_id, role=actor.role, department=actor.department)


def _call_link(raw: dict[str, Any]) -> CallLink:
    if not raw.get("uniqueid"):
        raise InvalidTicket("call: needs the call's uniqueid", field="call")
    unknown = set(raw) - {"uniqueid", "wait_seconds", "talk_seconds", "agent"}
    if unknown:
        raise InvalidTicket(f"call: unknown field(s) {', '.join(sorted(unknown))}",
                            field="call")
    try:
        wait, talk = (None if raw.get(k) is None else float(raw[k])
                      for k in ("wait_seconds", "talk_seconds"))
    except (TypeError, ValueError):
        raise InvalidTicket("call: wait_seconds and talk_seconds are numbers",
                            field="call") from None
    agent = raw.get("agent")
    return CallLink(str(raw["uniqueid"]), wait, talk, None if agent is None else str(agent))


def _caller_id(caller: str) -> str | None:
    """The caller ID of a call as the citizen's phone; "anonymous" or garbage
    must not stop the ticket (an operator-typed phone must be valid)."""
    try:
        return d.normalize_phone(caller)
    except InvalidTicket:
        log.info("ticket.caller_id_unusable", caller=caller)
        return None


def _when(value: datetime | str | None, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    try:
        out = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidTicket(f"{name} {value!r}: an ISO 8601 date or time",
                            field=name) from None
    return out if out.tzinfo else out.replace(tzinfo=UTC)


def _describe(ev: d.Event) -> tuple[str, str | None, str | None, str, dict[str, Any]]:
    if isinstance(ev, d.Opened):
        return "opened", None, ev.status.value, "", {}
    if isinstance(ev, d.Forwarded):
        return ("forwarded", ev.old.value, ev.new.value, ev.comment,
                {"department": ev.department, "from_department": ev.old_department})
    if isinstance(ev, d.StatusChanged):
        return "status", ev.old.value, ev.new.value, ev.comment, {}
    if isinstance(ev, d.Assigned):
        return "assigned", None, None, "", {"assignee": ev.assignee, "previous": ev.previous}
    if isinstance(ev, d.Commented):
        return "comment", None, None, ev.text, {}
    if isinstance(ev, d.CallLinked):
        return "call_linked", None, None, "", {"uniqueid": ev.call.uniqueid,
                                               "wait_seconds": ev.call.wait_seconds,
                                               "talk_seconds": ev.call.talk_seconds,
                                               "agent": ev.call.agent}
    raise TypeError(f"unknown ticket event {type(ev).__name__}")


def _payload(t: Ticket, type_: str, actor: str, role: str, at: datetime, *,
             old_status: str | None = None, comment: str = "",
             details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": type_, "number": t.number, "status": t.status.value,
            "old_status": old_status, "department": t.department, "kind": t.kind.value,
            "subject": t.subject, "opened_by": t.opened_by, "assignee": t.assignee,
            "actor": actor, "role": role, "at": at.isoformat(), "comment": comment,
            "details": details or {}}


def ticket_dict(t: Ticket) -> dict[str, Any]:
    return {"number": t.number, "kind": t.kind.value, "kind_label": d.KIND_LABELS[t.kind],
            "status": t.status.value, "status_label": d.STATUS_LABELS[t.status],
            "subject": t.subject, "description": t.description, "phone": t.phone,
            "name": t.name, "email": t.email, "address": t.address, "lat": t.lat,
            "lon": t.lon, "department": t.department, "opened_by": t.opened_by,
            "assignee": t.assignee, "channel": t.channel, "language": t.language,
            "created_at": t.created_at, "updated_at": t.updated_at,
            "calls": [{"uniqueid": c.uniqueid, "wait_seconds": c.wait_seconds,
                       "talk_seconds": c.talk_seconds, "agent": c.agent} for c in t.calls]}
