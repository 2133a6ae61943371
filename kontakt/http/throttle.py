"""Login throttling that slows guessing down without locking anyone out.
Pure: no I/O, an injected clock.

Each failed login counts against several keys (the account, the client
address, the pair of both, and the browser's device cookie when it has
one).  After ``free`` recent failures on a key, the next try on it is taken
only after a delay that doubles with each further failure, up to
``max_delay``; a try before that is answered 429 without the password being
checked, so a guesser gets one try per delay.  Failures older than
``window`` no longer count.  Nothing is ever locked: once the delay has
passed, the correct password logs in.

A browser that has logged in as a user before carries a device cookie
(``Devices``); for that user it is slowed only by its own failures, so
someone hammering an operator's account or an office's shared address does
not keep the operator out of her own workstation.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Entry:
    key: str
    failures: int
    wait: float


class Throttle:
    def __init__(self, free: int = 3, max_delay: float = 300.0, window: float = 900.0,
                 base: float = 1.0, max_keys: int = 100_000,
                 clock: Clock = time.monotonic) -> None:
        self.free, self.max_delay, self.window, self.base = free, max_delay, window, base
        self.max_keys, self.clock = max_keys, clock
        self._fails: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float]:
        q = self._fails.get(key)
        if q is None:
            return deque()
        cutoff = self.clock() - self.window
        while q and q[0] <= cutoff:
            q.popleft()
        if not q:
            del self._fails[key]
        return q

    def delay(self, failures: int, free: int | None = None) -> float:
        free = self.free if free is None else free
        if failures < free:
            return 0.0
        return float(min(self.max_delay, self.base * 2 ** min(failures - free, 62)))

    def wait(self, key: str, free: int | None = None) -> float:
        """Seconds before the next try on ``key`` is taken (0: now)."""
        q = self._recent(key)
        if not q:
            return 0.0
        return max(0.0, q[-1] + self.delay(len(q), free) - self.clock())

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            q = self._fails.pop(key, None) or deque()
            q.append(now)
            self._fails[key] = q  # most recently failed last
        while len(self._fails) > self.max_keys:  # a spray of names is bounded too
            self._fails.popitem(last=False)

    def clear(self, key: str) -> bool:
        return self._fails.pop(key, None) is not None

    def clear_all(self) -> int:
        n = len(self._fails)
        self._fails.clear()
        return n

    def entries(self, free_of: Callable[[str], int | None] = lambda k: None) -> list[Entry]:
        out = []
        for key in list(self._fails):
            q = self._recent(key)
            if q:
                out.append(Entry(key, len(q), round(self.wait(key, free_of(key)), 1)))
        return sorted(out, key=lambda e: (-e.failures, e.key))


class Devices:
    """Browsers that have logged in: device cookie value -> usernames.  In
    memory like the sessions (a restart forgets them: the safe side)."""

    def __init__(self, max_devices: int = 20_000) -> None:
        self.max_devices = max_devices
        self._users: OrderedDict[str, set[str]] = OrderedDict()

    def knows(self, device: str | None, username: str) -> bool:
        return bool(device) and username in self._users.get(device or "", set())

    def remember(self, device: str | None, username: str) -> str:
        """The device id to set in the cookie (a new one when it had none)."""
        if not device or device not in self._users:
            device = secrets.token_urlsafe(24)
        users = self._users.pop(device, set())
        users.add(username)
        self._users[device] = users
        while len(self._users) > self.max_devices:
            self._users.popitem(last=False)
        return device
