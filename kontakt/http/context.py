"""What the HTTP service is built from (the composition root fills it in).

``kontakt run`` and ``kontakt demo`` build one ``HttpContext`` and call
``kontakt.http.app.create_app(ctx)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol


class EngineFacade(Protocol):
    """The ACD as the workstations see it (``kontakt.calls.engine.Engine``)."""

    def snapshot(self) -> dict[str, Any]: ...
    async def agent_login(self, agent_id: str, skills: list[str] | None = None) -> Any: ...
    async def agent_logout(self, agent_id: str) -> Any: ...
    async def agent_pause(self, agent_id: str, reason: str) -> Any: ...
    async def agent_ready(self, agent_id: str) -> Any: ...


@dataclass
class HttpContext:
    sessionmaker: Any  # async_sessionmaker
    tickets: Any  # tickets.service.TicketService
    settings: Any  # kontakt.settings.Settings
    engine: EngineFacade | None = None
    config_holder: Any = None  # dialplan.holder.ConfigHolder
    chats: Any = None  # kontakt.chat.service.ConversationService (None: no web chat)
    readiness: Any = None  # kontakt.health.Readiness (None: /readyz says not ready)
    mqtt_host: str | None = None  # None: no live feed (tests of pure API)
    mqtt_port: int = 1883
    mqtt_prefix: str = "kontakt"
    session_ttl: float = 8 * 3600
    session_idle: float = 3600
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def from_settings(cls, settings: Any, sessionmaker: Any, tickets: Any, **kw: Any
                      ) -> HttpContext:
        return cls(sessionmaker=sessionmaker, tickets=tickets, settings=settings,
                   mqtt_host=settings.mqtt_host, mqtt_port=settings.mqtt_port,
                   mqtt_prefix=settings.mqtt_prefix, **kw)
