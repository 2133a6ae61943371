"""Who is logged in or paused survives an engine restart (`kontakt run`)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from acd.agent import State
from acd.distributor import Distributor
from infra.logs import get_logger

log = get_logger()


class AgentStore:
    def __init__(self, path: Path, acd: Distributor) -> None:
        self.path, self.acd = path, acd
        self._last: dict[str, Any] | None = None
        # agent -> (saved state, reason, skills) its entry in ``_last`` was made
        # from: most changes (a ring, a call) are told by this tuple alone,
        # without building the entry (skills are replaced, not changed in
        # place, so the same set compares by identity).
        self._kept: dict[str, tuple[str, str | None, frozenset[str]]] = {}

    def load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _entry(self, agent: Any) -> dict[str, Any]:
        return {"state": _saved_state(agent.state), "reason": agent.reason,
                "skills": sorted(agent.skills)}

    def changed(self, agent_id: str) -> None:
        """One agent changed state: written only if what is kept changed (a
        login, a logout, a pause), not on every ring; one agent compared, not
        the whole floor."""
        agent = self.acd.agents.get(agent_id)
        if self._last is None or agent is None or agent_id not in self._last:
            self.save()
            return
        kept = (_saved_state(agent.state), agent.reason, agent.skills)
        if kept == self._kept.get(agent_id):
            return
        self._kept[agent_id] = kept
        entry = self._entry(agent)
        if entry != self._last[agent_id]:
            self._last[agent_id] = entry
            self._write(self._last)

    def save(self) -> None:
        """Written when who is logged in or paused changed (not on every ring)."""
        data = {a.id: self._entry(a) for a in self.acd.agents.values()}
        self._kept.clear()  # made afresh, one agent at a time, by ``changed``
        if data == self._last:
            return
        self._last = data
        self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        tmp.replace(self.path)

    async def restore(self, engine: Any) -> None:
        for agent_id, saved in self.load().items():
            if agent_id not in self.acd.agents or saved.get("state") == "logged_out":
                continue
            with contextlib.suppress(Exception):  # a stale or broken entry: skip it
                await engine.agent_login(agent_id, saved.get("skills"))
                if saved.get("state") == "paused":
                    await engine.agent_pause(agent_id, saved.get("reason") or "other")
        log.info("agents.restored",
                 count=sum(a.state is not State.LOGGED_OUT for a in self.acd.agents.values()))


def _saved_state(state: State) -> str:
    if state is State.PAUSED:
        return "paused"
    return "logged_out" if state is State.LOGGED_OUT else "logged_in"
