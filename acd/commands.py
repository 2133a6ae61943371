"""Commands the distributor hands back for the adapter to carry out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Offer:
    call_id: str
    agent_id: str


@dataclass(frozen=True)
class Queued:
    call_id: str
    position: int


@dataclass(frozen=True)
class AgentChanged:
    agent_id: str
    state: str
    reason: str | None


@dataclass(frozen=True)
class Abandoned:
    call_id: str
    wait: float
    position: int


@dataclass(frozen=True)
class Completed:
    call_id: str
    agent_id: str
    wait: float
    talk: float


Command = Offer | Queued | AgentChanged | Abandoned | Completed
