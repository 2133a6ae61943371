"""The demo's people, working a separate `kontakt run` through its HTTP API:
operators who open a ticket for each call they answer (transferring part of
the citizens to the department), department staff who take forwarded tickets
and resolve or cancel them.

``kontakt.demo_desk.DemoDesk`` does the same inside the demo's process (it
listens to the engine in memory); this one needs nothing but the engine's
address and passwords, like the workstations.  An operator learns of a call
from its own phone (the soak's AMI watch tells it: the call was answered by
agentNN), not from the engine, so a call the app_queue fallback answered
while the engine was down still gets its ticket once the engine is back.
Every request is retried while the engine is unreachable (an operator tries
again); a 401 after an engine restart logs in again (sessions live in the
engine's memory).  Each ticket's description carries the call's uniqueid,
so the soak can tell afterwards which answered call has no ticket.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.soak_http import HttpError, JsonClient

SUBJECTS = {
    "complaint": ["Смеће није одвезено", "Оштећен коловоз", "Бука са градилишта"],
    "request": ["Орезивање стабла", "Замена сијалице јавне расвете", "Одгушење канализације"],
    "suggestion": ["Нова аутобуска линија", "Клупе у парку"],
    "information": ["Радно време матичне службе", "Цена паркинг карте"],
}
RETRYABLE = {401, 429, 500, 502, 503, 504}


class DeskError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status, self.body = status, body

    @property
    def code(self) -> str:
        return str(self.body.get("error") or self.body.get("code") or self.status) \
            if isinstance(self.body, dict) else str(self.status)


@dataclass
class DeskStats:
    opened: int = 0
    transferred: int = 0
    transfer_refused: int = 0  # the engine knew no live call (or Asterisk refused)
    transfer_skipped: int = 0  # the citizen had hung up before the operator tried
    wrong_call: list[tuple[float, str, str, str]] = field(default_factory=list)  # t, uid, agent,
    # and the channel the engine transferred instead of the operator's call
    resolved: int = 0
    cancelled: int = 0
    retries: int = 0
    gave_up: int = 0
    no_answer_pauses: int = 0  # the engine paused an agent whose phone did not answer
    errors: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, str] = field(default_factory=dict)  # number -> call uniqueid
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (wall, seconds)
    refusals: list[tuple[float, str, str, str]] = field(default_factory=list)  # t, uid, agent, code

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


class HttpDesk:
    def __init__(self, base_url: str, password: str, *, rng: random.Random,
                 listen_s: tuple[float, float], transfer_share: float = 0.3,
                 give_up_s: float = 120.0, staff_every: float = 1.0) -> None:
        self.base_url, self.password = base_url, password
        self.rng, self.listen_s = rng, listen_s
        self.transfer_share, self.give_up_s, self.staff_every = (
            transfer_share, give_up_s, staff_every)
        self.stats = DeskStats()
        self.departments: list[dict[str, Any]] = []
        self._tokens: dict[str, str] = {}
        self._client: JsonClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._staff: asyncio.Task[None] | None = None
        self._gate = asyncio.Semaphore(8)  # at most this many requests at once
        self.unfinished = 0  # operators still trying when the soak stopped waiting

    # -- life cycle ------------------------------------------------------------
    async def start(self) -> None:
        host, _, port = self.base_url.removeprefix("http://").partition(":")
        self._client = JsonClient(host, int(port), timeout=15.0)
        got = await self.request("supervisor", "GET", "/api/departments")
        self.departments = list(got["departments"])
        self._staff = asyncio.create_task(self._department_staff())

    async def stop(self) -> None:
        tasks = [*self._tasks, *([self._staff] if self._staff else [])]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)
        if self._client is not None:
            await self._client.aclose()

    async def settle(self, timeout: float) -> None:
        """Until every operator finished (retrying included), then until no
        forwarded ticket is left for the staff."""
        from bench.soak_procs import until

        deadline = time.monotonic() + timeout
        await until(lambda: not self._tasks, timeout, 0.25)
        self.unfinished = len(self._tasks)
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                got = await self.request("supervisor", "GET", "/api/tickets",
                                         params={"status": "forwarded", "limit": 1})
                if not got["tickets"]:
                    return
            await asyncio.sleep(0.5)

    # -- HTTP with retries -------------------------------------------------------
    async def _login(self, user: str) -> str:
        assert self._client is not None
        r = await self._client.request("POST", "/api/token", json_body={
            "username": user, "password": self.password})
        if r.status != 200:
            raise DeskError(r.status, _body(r))
        token = str(r.json()["token"])
        self._tokens[user] = token
        return token

    async def request(self, user: str, method: str, path: str, **kw: Any) -> Any:
        """One API call as ``user``; retried while the engine is away."""
        assert self._client is not None
        deadline = time.monotonic() + self.give_up_s
        pause = 0.25
        while True:
            try:
                async with self._gate:
                    token = self._tokens.get(user) or await self._login(user)
                    t0 = time.monotonic()
                    r = await self._client.request(
                        method, path, headers={"Authorization": f"Bearer {token}"},
                        json_body=kw.get("json"), params=kw.get("params"))
                    if method == "POST":
                        self.stats.latencies.append((time.time(), time.monotonic() - t0))
                if r.status == 401:
                    self._tokens.pop(user, None)
                if r.status < 400:
                    return r.json()
                if r.status not in RETRYABLE:
                    raise DeskError(r.status, _body(r))
                code = f"http.{r.status}"
            except HttpError as e:
                code = f"transport.{str(e).split(': ', 1)[-1].split(' ')[0]}"
            except DeskError as e:
                if e.status not in RETRYABLE:
                    raise
                code = f"login.{e.status}"
            self.stats.error(code)
            if time.monotonic() > deadline:
                raise DeskError(0, {"error": "desk.gave_up", "last": code})
            self.stats.retries += 1
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 2)

    # -- operators ------------------------------------------------------------------
    def call_answered(self, uid: str, agent: str, channel: str, live: Callable[[], bool]
                      ) -> None:
        """The operator at ``agent`` picked up a citizen's call ``uid`` (on
        Asterisk ``channel``); ``live()`` says whether the citizen is still on
        the line (the operator hears it)."""
        task = asyncio.create_task(self._operator(uid, agent, channel, live))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ticket_body(self, uid: str) -> dict[str, Any]:
        kind = self.rng.choices(list(SUBJECTS), weights=[30, 40, 10, 20])[0]
        deps = [d["id"] for d in self.departments if kind in d.get("kinds", [kind])]
        return {"kind": kind, "department": self.rng.choice(deps or ["vodovod"]),
                "subject": self.rng.choice(SUBJECTS[kind]),
                "description": f"Пријављено телефоном у Контакт центру. (soak call {uid})"}

    async def _operator(self, uid: str, agent: str, channel: str, live: Callable[[], bool]
                        ) -> None:
        await asyncio.sleep(self.rng.uniform(*self.listen_s))  # listening to the citizen
        body = self._ticket_body(uid)
        try:
            ticket = None
            if self.rng.random() < self.transfer_share:
                if live():
                    ticket = await self._transfer(uid, agent, channel, body)
                else:  # the citizen hung up meanwhile: nobody to transfer
                    self.stats.transfer_skipped += 1
            if ticket is None:
                ticket = await self.request(agent, "POST", "/api/tickets", json=body)
            self.stats.opened += 1
            self.stats.tickets[str(ticket["number"])] = uid
        except DeskError as e:
            self.stats.gave_up += 1
            self.stats.error(f"operator.{e.code}")
        except Exception as e:  # a surprise is a finding: count it, keep working
            self.stats.gave_up += 1
            self.stats.error(f"operator.{type(e).__name__}")

    async def _transfer(self, uid: str, agent: str, channel: str, body: dict[str, Any]
                        ) -> dict[str, Any] | None:
        try:
            # Names its call, as the workstation does: if it ended meanwhile
            # the engine refuses rather than send the next citizen away.
            ticket: dict[str, Any] = await self.request(agent, "POST", "/api/calls/transfer",
                                                        json={**body, "call": uid})
        except DeskError as e:
            if e.status != 409:  # 409: no live call the engine knows of, or not this one
                raise
            details = e.body.get("details") if isinstance(e.body, dict) else None
            state = (details or {}).get("state")
            self._refused(uid, agent, f"{e.code} ({state})" if state else e.code)
            return None
        outcome = ticket.get("transfer") or {}
        if outcome.get("channel") and outcome["channel"] != channel:
            # The engine transferred the agent's call of the moment, not the
            # operator's: its call had ended and the next one was offered.
            self.stats.wrong_call.append((time.time(), uid, agent, str(outcome["channel"])))
        if outcome.get("ok"):
            self.stats.transferred += 1
        else:
            self._refused(uid, agent, str(outcome.get("code")))
        return ticket

    def _refused(self, uid: str, agent: str, code: str) -> None:
        self.stats.transfer_refused += 1
        self.stats.refusals.append((time.time(), uid, agent, code))

    def agent_event(self, event: dict[str, Any]) -> None:
        """An engine event (MQTT): an operator the engine paused for not
        answering sees it on the workstation and makes itself ready again."""
        if (event.get("type") == "agent.state" and event.get("state") == "paused"
                and event.get("reason") == "no-answer" and event.get("agent")):
            self.stats.no_answer_pauses += 1
            task = asyncio.create_task(self._ready(str(event["agent"])))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _ready(self, agent: str) -> None:
        await asyncio.sleep(self.rng.uniform(*self.listen_s))
        try:
            await self.request(agent, "POST", "/api/agents/me/ready")
        except Exception as e:
            self.stats.error(f"ready.{type(e).__name__}")

    # -- department staff -----------------------------------------------------------
    async def _department_staff(self) -> None:
        while True:
            await asyncio.sleep(self.staff_every)
            try:
                got = await self.request("supervisor", "GET", "/api/tickets",
                                         params={"status": "forwarded", "limit": 200})
                await asyncio.gather(*(self._work(t) for t in got["tickets"]))
            except DeskError as e:
                self.stats.error(f"staff.{e.code}")
            except Exception as e:
                self.stats.error(f"staff.{type(e).__name__}")

    async def _work(self, t: dict[str, Any]) -> None:
        staff = f"staff-{t['department']}"[:32]
        number = t["number"]
        outcome = "resolved" if self.rng.random() < 0.8 else "cancelled"
        comment = "Решено на терену." if outcome == "resolved" else "Није у надлежности."
        try:
            await self.request(staff, "POST", f"/api/tickets/{number}/status",
                               json={"to": "active", "comment": "Преузето у служби."})
            await self.request(staff, "POST", f"/api/tickets/{number}/status",
                               json={"to": outcome, "comment": comment})
            setattr(self.stats, outcome, getattr(self.stats, outcome) + 1)
        except DeskError as e:
            self.stats.error(f"staff.{e.code}")
        except Exception as e:
            self.stats.error(f"staff.{type(e).__name__}")


def _body(r: Any) -> Any:
    try:
        return r.json()
    except ValueError:
        return r.body[:200].decode("utf-8", "replace")
