"""A real (not static) agent phone registers: REGISTER, answer the digest
challenge with its password, Contact pointing at the phone's UAS port."""

from __future__ import annotations

import re
from pathlib import Path

from asterisk.sipp.process import Lease, SippProcess, port_args, spawn

_REGISTER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="kontakt phone registers">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{agent}@[remote_ip]>;tag=[pid]SIPpTagR[call_number]
To: <sip:{agent}@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:{agent}@127.0.0.1:{contact_port}>
Expires: 3600
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{agent}@[remote_ip]>;tag=[pid]SIPpTagR[call_number]
To: <sip:{agent}@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:{agent}@127.0.0.1:{contact_port}>
[authentication username={agent} password={password}]
Expires: 3600
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
"""


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
    sf = workdir / f"{name}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    sf.write_text(_REGISTER.format(agent=agent, password=password,
                                   contact_port=contact_port), "utf-8")
    return await spawn(
        name,
        workdir,
        [
            f"127.0.0.1:{target_port}",
            "-sf", str(sf),
            "-m", "1",
            *port_args(sip_port, media_port, control_port),
            "-trace_err", "-error_file", str(workdir / f"{name}.errors"),
        ],
        lease=lease,
    )  # fmt: skip
