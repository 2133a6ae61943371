"""Citizens through the carrier (sipp UAC): each call waits up to a
patience for an answer (then CANCELs), keys DTMF after the answer, accepts a
BYE from the contact center or hangs up itself after ``hold_ms``.  A refusal
(403, 404, 480, 486, 503, 603) ends the call cleanly."""

from __future__ import annotations

import re
from pathlib import Path

from asterisk.sipp.process import Lease, SippProcess, port_args, spawn

DTMF_DIR = Path("/usr/share/sip-tester")

_UAC_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="kontakt citizen">
  <send retrans="500"><![CDATA[
INVITE sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[field1]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[field0]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=citizen 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
  <label id="wait"/>
  <!-- sipp times out the message it is waiting at, the first of the group -->
  <recv response="100" optional="true" next="wait" timeout="{patience_ms}" ontimeout="cancel"/>
  <recv response="180" optional="true" next="wait" timeout="{patience_ms}" ontimeout="cancel"/>
  <recv response="183" optional="true" next="wait" timeout="{patience_ms}" ontimeout="cancel"/>
  <recv response="403" optional="true" next="refused"/>
  <recv response="486" optional="true" next="refused"/>
  <recv response="480" optional="true" next="refused"/>
  <recv response="503" optional="true" next="refused"/>
  <recv response="404" optional="true" next="refused"/>
  <recv response="603" optional="true" next="refused"/>
  <recv response="200" rtd="true" timeout="{patience_ms}" ontimeout="cancel"/>
  <send><![CDATA[
ACK sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
"""

_UAC_DTMF = """  <pause milliseconds="{delay_ms}"/>
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>
"""

# A key as SIP INFO (application/dtmf-relay) inside the call's dialog.  sipp's
# RFC 2833 pcaps all carry the same RTP timestamps, so Asterisk takes only the
# first of them in a call: later keys go as INFO.
_UAC_INFO = """  <pause milliseconds="{delay_ms}"/>
  <send retrans="500"><![CDATA[
INFO sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: {cseq} INFO
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal={digit}
Duration=160
]]></send>
  <recv response="200"/>
"""

_UAC_TAIL = """  <recv request="BYE" timeout="{hold_ms}" ontimeout="hangup"/>
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
BYE sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true" next="end"/>
  <label id="cancel"/>
  <send><![CDATA[
CANCEL sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[field1]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
  <label id="cwait"/>
  <recv response="200" optional="true" next="cwait"/>
  <recv response="183" optional="true" next="cwait"/>
  <recv response="180" optional="true" next="cwait"/>
  <recv response="487"/>
  <label id="refused"/>
  <send><![CDATA[
ACK sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <label id="end"/>
  <timewait milliseconds="200"/>
</scenario>
"""


def uac_scenario(
    *,
    patience_ms: int = 3_600_000,
    hold_ms: int = 3_600_000,
    dtmf: str = "",
    dtmf_delay_ms: int = 1500,
) -> str:
    """A citizen: waits up to ``patience_ms`` for an answer (then CANCELs),
    sends ``dtmf`` after answer, ``dtmf_delay_ms`` apart (the first key as
    RFC 2833, the others as SIP INFO), hangs up after ``hold_ms`` unless the
    contact center hangs up first."""
    names = {"*": "star", "#": "pound"}
    body = "".join(
        _UAC_DTMF.format(
            delay_ms=dtmf_delay_ms, pcap=DTMF_DIR / f"dtmf_2833_{names.get(d, d)}.pcap"
        )
        if i == 0
        else _UAC_INFO.format(delay_ms=dtmf_delay_ms, cseq=10 + i, digit=d)
        for i, d in enumerate(dtmf)
    )
    return (
        _UAC_HEAD.format(patience_ms=max(1, patience_ms))
        + body
        + _UAC_TAIL.format(hold_ms=max(1, hold_ms))
    )


async def citizens(
    workdir: Path,
    name: str,
    *,
    target_port: int,
    calls: list[tuple[str, str]],
    sip_port: int,
    media_port: int,
    control_port: int,
    rate: float = 5.0,
    patience_ms: int = 3_600_000,
    hold_ms: int = 3_600_000,
    dtmf: str = "",
    dtmf_delay_ms: int = 1500,
    limit: int | None = None,
    lease: Lease | None = None,
) -> SippProcess:
    """Place ``len(calls)`` calls, each (caller number, dialled number);
    ``lease`` holds the ports, given back by ``SippProcess.close()``."""
    for caller, did in calls:
        if not re.fullmatch(r"\+?[0-9]{1,20}|anonymous", caller) or not re.fullmatch(
            r"[0-9]{1,20}", did
        ):
            raise ValueError(f"bad test call {caller!r} -> {did!r}")
    sf = workdir / f"{name}.xml"
    inf = workdir / f"{name}.csv"
    workdir.mkdir(parents=True, exist_ok=True)
    sf.write_text(
        uac_scenario(
            patience_ms=patience_ms, hold_ms=hold_ms, dtmf=dtmf, dtmf_delay_ms=dtmf_delay_ms
        ),
        "utf-8",
    )
    inf.write_text("SEQUENTIAL\n" + "".join(f"{c};{d};\n" for c, d in calls), "utf-8")
    args = [
        f"127.0.0.1:{target_port}",
        "-sf", str(sf),
        "-inf", str(inf),
        "-m", str(len(calls)),
        "-r", str(rate),
        "-rp", "1000",
        *port_args(sip_port, media_port, control_port),
        "-l", str(limit or max(1, len(calls))),
        "-trace_err", "-error_file", str(workdir / f"{name}.errors"),
        "-trace_stat", "-stf", str(workdir / f"{name}.stat.csv"),
    ]  # fmt: skip
    return await spawn(name, workdir, args, lease=lease)
