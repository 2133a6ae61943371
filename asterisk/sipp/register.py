"""A real (not static) agent phone registers: REGISTER, answer the digest
challenge with its password, Contact pointing at the phone's UAS port."""

from __future__ import annotations

import re
from pathlib import Path

from asterisk.sipp.messages import request, send
from asterisk.sipp.process import Lease, SippProcess, one_call


def _register(agent: str, contact_port: int, cseq: int, auth: list[str]) -> str:
    return send(request(
        "REGISTER sip:[remote_ip]:[remote_port] SIP/2.0",
        from_=f"From: <sip:{agent}@[remote_ip]>;tag=[pid]SIPpTagR[call_number]",
        to=f"To: <sip:{agent}@[remote_ip]>",
        cseq=f"{cseq} REGISTER",
        headers=[f"Contact: <sip:{agent}@127.0.0.1:{contact_port}>", *auth, "Expires: 3600"],
    ), retrans=True)


def register_scenario(agent: str, password: str, contact_port: int) -> str:
    """REGISTER, the 401's digest challenge answered with ``password``, 200."""
    return (
        '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="kontakt phone registers">\n'
        + _register(agent, contact_port, 1, [])
        + '  <recv response="401" auth="true"/>\n'
        + _register(agent, contact_port, 2,
                    [f"[authentication username={agent} password={password}]"])
        + '  <recv response="200"/>\n</scenario>\n'
    )


async def register(
    workdir: Path,
    name: str,
    *,
    target_port: int,
    agent: str,
    password: str,
    contact_port: int,
    sip_port: int,
    media_port: int,
    control_port: int,
    lease: Lease | None = None,
) -> SippProcess:
    """Register ``agent`` (agentNN or supervisorNN) at ``contact_port``."""
    if not re.fullmatch(r"(agent|supervisor)[0-9]{2}", agent):
        raise ValueError(f"bad phone name {agent!r}")
    return await one_call(workdir, name, register_scenario(agent, password, contact_port),
                          target_port=target_port, sip_port=sip_port, media_port=media_port,
                          control_port=control_port, lease=lease)
