"""An agent's phone (sipp UAS): rings ``ring_ms``, answers, hangs up after
``talk_ms`` unless the caller's side does first; a CANCEL while it rings
ends the call unanswered."""

from __future__ import annotations

from pathlib import Path

from asterisk.sipp.process import Lease, SippProcess, port_args, spawn

_UAS = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="kontakt agent phone">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="sip:[^&gt;;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
    </action>
  </recv>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <recv request="CANCEL" timeout="{ring_ms}" ontimeout="answer"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [last_cseq_number] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK" next="end"/>
  <label id="answer"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=agent 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE" timeout="{talk_ms}" ontimeout="hangup"/>
  <send next="end"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <label id="hangup"/>
  <send retrans="500"><![CDATA[
BYE [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:agent@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
To:[$remote_from]
[last_Call-ID:]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>
  <label id="end"/>
</scenario>
"""


def uas_scenario(*, ring_ms: int = 100, talk_ms: int = 3_600_000) -> str:
    """An agent phone: rings ``ring_ms`` then answers; hangs up after ``talk_ms``.

    ``ring_ms`` larger than the ring timeout makes a phone that never answers.
    """
    return _UAS.format(ring_ms=max(1, ring_ms), talk_ms=max(1, talk_ms))


async def agent_phone(
    workdir: Path,
    name: str,
    *,
    sip_port: int,
    media_port: int,
    control_port: int,
    ring_ms: int = 100,
    talk_ms: int = 3_600_000,
    lease: Lease | None = None,
) -> SippProcess:
    sf = workdir / f"{name}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    sf.write_text(uas_scenario(ring_ms=ring_ms, talk_ms=talk_ms), "utf-8")
    return await spawn(
        name,
        workdir,
        [
            "-sf",
            str(sf),
            *port_args(sip_port, media_port, control_port),
            "-max_recv_loops",
            "100",
            "-trace_err",
            "-error_file",
            str(workdir / f"{name}.errors"),
        ],
        lease=lease,
    )
