"""Sessions that expire, and the login rate limit.  Pure: no I/O, an
injected clock, so both are unit-tested without waiting.

A session is a random token (cookie ``kontakt_session`` or ``Authorization:
Bearer``) with an absolute lifetime and an idle timeout.  Sessions live in
memory: a restart of the service logs everyone out, which is the safe side.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]


@dataclass
class Session:
    token: str
    user: Any  # kontakt.http.users.User
    created: float
    last_seen: float
    lang: str
    via: str = "cookie"  # or "bearer" (/api/token): a token works only the way it was given


class SessionStore:
    def __init__(self, ttl: float = 8 * 3600, idle: float = 3600,
                 clock: Clock = time.monotonic) -> None:
        self.ttl, self.idle, self.clock = ttl, idle, clock
        self._by_token: dict[str, Session] = {}

    def create(self, user: Any, via: str = "cookie") -> Session:
        now = self.clock()
        s = Session(secrets.token_urlsafe(32), user, now, now, getattr(user, "lang", "sr-Cyrl"),
                    via)
        self._by_token[s.token] = s
        return s

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        s = self._by_token.get(token)
        if s is None:
            return None
        now = self.clock()
        if now - s.created > self.ttl or now - s.last_seen > self.idle:
            del self._by_token[token]
            return None
        s.last_seen = now
        return s

    def get_quiet(self, token: str | None) -> Session | None:
        """Like ``get`` but a live stream does not count as activity."""
        s = self._by_token.get(token or "")
        if s is None:
            return None
        now = self.clock()
        if now - s.created > self.ttl or now - s.last_seen > self.idle:
            return None
        return s

    def expires_in(self, s: Session) -> float:
        now = self.clock()
        return max(0.0, min(s.created + self.ttl - now, s.last_seen + self.idle - now))

    def drop(self, token: str) -> None:
        self._by_token.pop(token, None)

    def drop_user(self, username: str) -> int:
        """End every session of ``username`` (deactivated, role changed, new password)."""
        gone = [t for t, s in self._by_token.items() if s.user.username == username]
        for t in gone:
            del self._by_token[t]
        return len(gone)

    def __len__(self) -> int:
        return len(self._by_token)


class LoginLimiter:
    """At most ``attempts`` failed logins per key in a sliding ``window``.

    Keys are the client address and the username, both counted, so neither
    guessing many passwords for one user nor spraying one password across
    many users from one address gets far."""

    def __init__(self, attempts: int = 5, window: float = 60.0,
                 clock: Clock = time.monotonic) -> None:
        self.attempts, self.window, self.clock = attempts, window, clock
        self._fails: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        cutoff = self.clock() - self.window
        while q and q[0] <= cutoff:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> float | None:
        """Seconds to wait when any key is over the limit, else None."""
        worst = None
        for key in keys:
            q = self._recent(key)
            if len(q) >= self.attempts:
                wait = q[0] + self.window - self.clock()
                worst = wait if worst is None else max(worst, wait)
        return worst

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._recent(key).append(now)

    def succeeded(self, username_key: str) -> None:
        self._fails.pop(username_key, None)
