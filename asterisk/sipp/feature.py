"""An agent's phone dials a feature code (*71 log in, *72 log out, *73
pause, *74 ready), answering Asterisk's digest challenge."""

from __future__ import annotations

import re
from pathlib import Path

from asterisk.sipp.process import Lease, SippProcess, port_args, spawn

_FEATURE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="kontakt agent feature code">
  <send retrans="500"><![CDATA[
INVITE sip:{code}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{agent}@[local_ip]:[local_port]>;tag=[pid]SIPpTag02[call_number]
To: <sip:{code}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{agent}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=agent 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send><![CDATA[
ACK sip:{code}@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:{agent}@[local_ip]:[local_port]>;tag=[pid]SIPpTag02[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <send retrans="500"><![CDATA[
INVITE sip:{code}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{agent}@[local_ip]:[local_port]>;tag=[pid]SIPpTag02[call_number]
To: <sip:{code}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 2 INVITE
Contact: <sip:{agent}@[local_ip]:[local_port]>
[authentication username={agent} password={password}]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=agent 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <label id="w"/>
  <recv response="100" optional="true" next="w"/>
  <recv response="180" optional="true" next="w"/>
  <recv response="183" optional="true" next="w"/>
  <recv response="200"/>
  <send><![CDATA[
ACK sip:{code}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{agent}@[local_ip]:[local_port]>;tag=[pid]SIPpTag02[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <timewait milliseconds="100"/>
</scenario>
"""


async def agent_feature(
    workdir: Path,
    name: str,
    *,
    target_port: int,
    agent: str,
    password: str,
    code: str,
    sip_port: int,
    media_port: int,
    control_port: int,
    lease: Lease | None = None,
) -> SippProcess:
    """An agent's phone dials a feature code (*71..*74), answering the
    digest challenge with its password."""
    if not re.fullmatch(r"\*7[1-4]", code) or not re.fullmatch(r"agent[0-9]{2}", agent):
        raise ValueError(f"bad feature call {agent} {code}")
    sf = workdir / f"{name}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    sf.write_text(_FEATURE.format(code=code, agent=agent, password=password), "utf-8")
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
