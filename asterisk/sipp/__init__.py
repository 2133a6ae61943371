"""sipp peers: the citizens' carrier (UAC) and the agents' phones (UAS).

Scenarios are rendered per process so each phone can behave differently:
answer after a ring, talk for a while and hang up, or never answer.
Citizens wait (with a patience after which they CANCEL), accept a BYE from
the contact center, or hang up themselves after ``hold_ms``.

``process`` runs one sipp (own session, dies with its parent, ports lent
through a ``Lease`` and files given back by ``close()``); ``phone``,
``citizen``, ``feature`` and ``register`` render each peer's scenario and
start it, their SIP messages built by ``messages``.
"""

from asterisk.sipp.citizen import (
    _UAC_DTMF,
    _UAC_HEAD,
    _UAC_INFO,
    _UAC_TAIL,
    DTMF_DIR,
    citizens,
    uac_scenario,
)
from asterisk.sipp.feature import agent_feature
from asterisk.sipp.phone import agent_phone, uas_scenario
from asterisk.sipp.process import Lease, SippProcess, port_args, sipp_binary, spawn

_spawn = spawn  # the name tests used before the split

__all__ = [
    "DTMF_DIR",
    "_UAC_DTMF",
    "_UAC_HEAD",
    "_UAC_INFO",
    "_UAC_TAIL",
    "Lease",
    "SippProcess",
    "_spawn",
    "agent_feature",
    "agent_phone",
    "citizens",
    "port_args",
    "sipp_binary",
    "spawn",
    "uac_scenario",
    "uas_scenario",
]
