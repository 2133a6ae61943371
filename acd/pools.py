"""The distributor's indexes: calls holding a place and agents available, per skill set.

Both are kept in step with the call and agent states (the distributor updates
them on every change), so a decision reads the heads of a few sorted lists
and never scans the calls or the agents.  A skill set is what a call needs
(its language and any other skill); there are as many as the configuration
names, not one per call.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from sortedcontainers import SortedList

from acd.call import Call

Need = frozenset[str]
CallKey = tuple[int, int, str]  # (priority, seq, call id): the order calls are served in
AgentKey = tuple[int, float, str]  # (penalty, strategy figure, agent id): best first


class WaitingCalls:
    """Calls holding a place, per skill set; per priority a sorted list by arrival.

    Each (skill set, priority) pool is a ``SortedList`` of the calls' ``seq``
    (their place, unique and never changed), with one map from seq to call id
    for all: an arrival, a call back from an unanswered offer (at its old
    place) and a removal from anywhere (taken, abandoned) cost O(log n), never
    a shift of the whole queue, and a bisection compares plain integers.  The
    head of every skill set is kept as calls come and go, so ``heads`` is a
    read of a few entries; the position is a count of the lower priorities
    plus one bisection: no scan of the calls."""

    def __init__(self) -> None:
        self._pools: dict[Need, dict[int, SortedList]] = {}
        self._ids: dict[int, str] = {}  # seq -> call id, of every call holding a place
        self._heads: dict[Need, CallKey] = {}

    def add(self, call: Call) -> None:
        lst = self._pools.setdefault(call.need, {}).get(call.priority)
        if lst is None:
            lst = self._pools[call.need][call.priority] = SortedList()
        lst.add(call.seq)  # called on entering a queued state only: never twice
        self._ids[call.seq] = call.id
        key = (call.priority, call.seq, call.id)
        head = self._heads.get(call.need)
        if head is None or key < head:
            self._heads[call.need] = key

    def remove(self, call: Call) -> None:
        if self._ids.pop(call.seq, None) is None:
            return
        pool = self._pools[call.need]
        lst = pool[call.priority]
        # remove, not a bisection and ``del lst[i]``: a position in a
        # SortedList walks (and often rebuilds) its positional index; the
        # free path spent a fifth of its time there.
        lst.remove(call.seq)
        if not lst:  # give the entries back: a pool lives while calls wait in it
            del pool[call.priority]
            if not pool:
                del self._pools[call.need]
        head = self._heads[call.need]
        if head[1] == call.seq:
            self._new_head(call.need)

    def _new_head(self, need: Need) -> None:
        pool = self._pools.get(need)
        if not pool:
            del self._heads[need]
            return
        priority = min(pool)  # a handful of priority classes at most
        seq = pool[priority][0]
        self._heads[need] = (priority, seq, self._ids[seq])

    def head(self, need: Need) -> CallKey | None:
        """The call of this skill set to serve first, if any waits."""
        return self._heads.get(need)

    def heads(self) -> Iterable[tuple[Need, CallKey]]:
        """The head of every skill set that has a call waiting."""
        return self._heads.items()

    def first_for(self, skills: frozenset[str]) -> CallKey | None:
        """The call served first among those an agent with ``skills`` can take."""
        found: CallKey | None = None
        for need, head in self._heads.items():
            if (found is None or head < found) and need <= skills:
                found = head
        return found

    def position(self, call: Call) -> int:
        """1 + the calls of the same skill set served before it."""
        pool = self._pools.get(call.need, {})
        ahead = sum(len(lst) for p, lst in pool.items() if p < call.priority)
        lst = pool.get(call.priority)
        place: int = lst.bisect_left(call.seq) if lst is not None else 0
        return 1 + ahead + place

    def __len__(self) -> int:
        return len(self._ids)


class IdleAgents:
    """Available agents; per skill set a call needs, a list of the agents who
    have all of it, ordered by ``AgentKey`` (best first).

    A skill set gets its list the first time it is asked for (one pass over
    the available agents); from then on every agent that becomes available
    or busy is put in or taken out of each list it belongs to.  Which lists
    those are is kept per set of agent skills (a few), not found per change."""

    def __init__(self) -> None:
        self._lists: dict[Need, list[AgentKey]] = {}
        self._available: dict[str, tuple[AgentKey, frozenset[str]]] = {}
        self._fits: dict[frozenset[str], list[list[AgentKey]]] = {}  # agent skills -> lists

    def add(self, agent_id: str, skills: frozenset[str], key: AgentKey) -> None:
        self.remove(agent_id)
        self._available[agent_id] = (key, skills)
        for lst in self._lists_for(skills):
            bisect.insort(lst, key)

    def remove(self, agent_id: str) -> None:
        entry = self._available.pop(agent_id, None)
        if entry is None:
            return
        key, skills = entry
        # A list made since the agent was added took it in when it was made.
        for lst in self._lists_for(skills):
            del lst[bisect.bisect_left(lst, key)]

    def best(self, need: Need) -> str | None:
        """The available agent with every skill of ``need`` to take a call now."""
        lst = self._lists.get(need)
        if lst is None:
            lst = sorted(key for key, skills in self._available.values() if need <= skills)
            self._lists[need] = lst
            self._fits.clear()
        return lst[0][2] if lst else None

    def pair(self, heads: Iterable[tuple[Need, CallKey]]) -> tuple[CallKey, str] | None:
        """Of ``heads`` (a call per skill set), the one served first that an
        available agent can take, with the best agent for it."""
        lists = self._lists
        found: tuple[CallKey, str] | None = None
        for need, head in heads:
            if found is not None and head >= found[0]:
                continue
            lst = lists.get(need)
            if lst is None:
                self.best(need)  # the skill set's first call: its list is made
                lst = lists[need]
            if lst:
                found = (head, lst[0][2])
        return found

    def _lists_for(self, skills: frozenset[str]) -> list[list[AgentKey]]:
        lists = self._fits.get(skills)
        if lists is None:
            lists = [lst for need, lst in self._lists.items() if need <= skills]
            self._fits[skills] = lists
        return lists

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._available

    def __len__(self) -> int:
        return len(self._available)
