"""Fakes of the ports the HTTP layer calls, for unit tests of the API's own
logic (routing, role checks, validation, error mapping).  The integration
tests use the real ticket service."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any


class FakeError(Exception):
    def __init__(self, code: str, message: str = "", **details: Any) -> None:
        super().__init__(message or code)
        self.code, self.details = code, details


class FakeTickets:
    """Role rules in the spirit of the ticket service: department staff only
    see and change their department's tickets."""

    def __init__(self) -> None:
        self.tickets: dict[str, dict[str, Any]] = {}
        self.history_: dict[str, list[dict[str, Any]]] = {}
        self._n = itertools.count(1)
        self.transfers: list[dict[str, Any]] = []

    def _check(self, actor: Any, t: dict[str, Any]) -> None:
        if actor.role == "department" and t["department"] != actor.department:
            raise FakeError("ticket.forbidden", "not your department")

    def _get(self, number: str) -> dict[str, Any]:
        if number not in self.tickets:
            raise FakeError("ticket.not_found", f"no ticket {number}", number=number)
        return self.tickets[number]

    async def open_ticket(self, actor: Any, **kw: Any) -> dict[str, Any]:
        if actor.role not in ("agent", "supervisor", "citizen"):
            raise FakeError("ticket.forbidden")
        number = f"2025-{next(self._n):06d}"
        now = datetime.now(UTC).isoformat()
        t = {"number": number, "status": "forwarded", "opened_by": actor.user_id,
             "assignee": None, "created_at": now, "updated_at": now, **kw}
        self.tickets[number] = t
        self.history_[number] = [{"type": "opened", "by": actor.user_id}]
        return t

    async def open_and_transfer(self, actor: Any, *, channel: str, **kw: Any) -> dict[str, Any]:
        t = await self.open_ticket(actor, **{k: v for k, v in kw.items() if k != "uniqueid"})
        self.transfers.append({"channel": channel, "number": t["number"]})
        return t

    async def get(self, actor: Any, number: str) -> dict[str, Any]:
        t = self._get(number)
        self._check(actor, t)
        return t

    async def history(self, actor: Any, number: str) -> list[dict[str, Any]]:
        self._check(actor, self._get(number))
        return self.history_[number]

    async def change_status(self, actor: Any, number: str, to: str, comment: str
                            ) -> dict[str, Any]:
        t = self._get(number)
        self._check(actor, t)
        if t["status"] in ("resolved", "cancelled"):
            raise FakeError("ticket.illegal_transition", state=t["status"], event=to)
        t["status"] = to
        self.history_[number].append({"type": "status", "to": to, "comment": comment})
        return t

    async def comment(self, actor: Any, number: str, text: str) -> dict[str, Any]:
        t = self._get(number)
        self._check(actor, t)
        self.history_[number].append({"type": "comment", "text": text})
        return t

    async def assign(self, actor: Any, number: str, assignee: str) -> dict[str, Any]:
        t = self._get(number)
        self._check(actor, t)
        t["assignee"] = assignee
        return t

    async def forward(self, actor: Any, number: str, department: str) -> dict[str, Any]:
        t = self._get(number)
        self._check(actor, t)
        t["department"] = department
        return t

    async def search(self, actor: Any, **q: Any) -> list[dict[str, Any]]:
        out = list(self.tickets.values())
        for key in ("status", "department", "phone", "opened_by", "channel"):
            if q.get(key) is not None:
                out = [t for t in out if t.get(key) == q[key]]
        if actor.role == "department":
            out = [t for t in out if t["department"] == actor.department]
        return out[: q.get("limit") or 100]

    async def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for t in self.tickets.values():
            d = out.setdefault(t["department"], {})
            d[t["status"]] = d.get(t["status"], 0) + 1
        return out


class FakeEngine:
    def __init__(self, agents: int = 3) -> None:
        now = datetime.now(UTC).isoformat()
        self.agents = {f"agent{n:02d}": {"id": f"agent{n:02d}", "state": "logged_out",
                                          "reason": None, "since": now, "calls_today": 0,
                                          "skills": ["sr"], "call": None}
                       for n in range(1, agents + 1)}
        self.waiting: list[dict[str, Any]] = []
        self.stats = {"offered": 0, "answered": 0, "abandoned": 0, "rejected": 0,
                      "answered_within_20s": 0, "avg_answer_wait": None, "max_wait_now": 0}

    def snapshot(self) -> dict[str, Any]:
        return {"agents": [dict(a) for a in self.agents.values()], "waiting": list(self.waiting),
                "stats": dict(self.stats)}

    def _agent(self, agent_id: str) -> dict[str, Any]:
        if agent_id not in self.agents:
            raise FakeError("agent.unknown", agent=agent_id)
        return self.agents[agent_id]

    def _move(self, agent_id: str, allowed: set[str], to: str, reason: str | None = None
              ) -> None:
        a = self._agent(agent_id)
        if a["state"] not in allowed:
            raise FakeError("agent.illegal_transition", state=a["state"], event=to)
        a.update(state=to, reason=reason, since=datetime.now(UTC).isoformat())

    async def agent_login(self, agent_id: str, skills: list[str] | None = None) -> None:
        self._move(agent_id, {"logged_out", "available", "paused"}, "available")

    async def agent_logout(self, agent_id: str) -> None:
        self._move(agent_id, {"available", "paused", "wrapup"}, "logged_out")

    async def agent_pause(self, agent_id: str, reason: str) -> None:
        self._move(agent_id, {"available", "paused", "wrapup"}, "paused", reason)

    async def agent_ready(self, agent_id: str) -> None:
        self._move(agent_id, {"available", "paused"}, "available")


class FakeConfigHolder:
    """Stands in for dialplan.holder.ConfigHolder in API unit tests: YAML must
    parse to a mapping with ``departments``."""

    def __init__(self, text: str = "departments: []\n") -> None:
        self.text, self.version = text, 1

    def validate_text(self, text: str) -> list[dict[str, Any]]:
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:
            return [{"path": "", "message": f"not YAML: {e}"}]
        if not isinstance(doc, dict) or "departments" not in doc:
            return [{"path": "departments", "message": "missing"}]
        return []

    async def apply_text(self, text: str) -> None:
        self.text, self.version = text, self.version + 1
