"""sipp peers: the citizens' carrier (UAC) and the agents' phones (UAS).

Scenarios are rendered per process so each phone can behave differently:
answer after a ring, talk for a while and hang up, or never answer.
Citizens wait (with a patience after which they CANCEL), accept a BYE from
the contact center, or hang up themselves after ``hold_ms``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

DTMF_DIR = Path("/usr/share/sip-tester")

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


def uas_scenario(*, ring_ms: int = 100, talk_ms: int = 3_600_000) -> str:
    """An agent phone: rings ``ring_ms`` then answers; hangs up after ``talk_ms``.

    ``ring_ms`` larger than the ring timeout makes a phone that never answers.
    """
    return _UAS.format(ring_ms=max(1, ring_ms), talk_ms=max(1, talk_ms))


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


def sipp_binary() -> str:
    exe = shutil.which("sipp")
    if exe is None:
        raise RuntimeError("sipp is not installed: run `make install` (asterisk/install.sh)")
    return exe


@dataclass
class SippProcess:
    """One running sipp; ``stop()`` ends it, ``wait()`` for a UAC's end."""

    name: str
    proc: asyncio.subprocess.Process
    workdir: Path

    async def wait(self, timeout: float | None = None) -> int:
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()

    def stats(self) -> str:
        return (
            (self.workdir / f"{self.name}.log").read_text("utf-8", "replace")
            if (self.workdir / f"{self.name}.log").exists()
            else ""
        )


async def _spawn(name: str, workdir: Path, args: list[str]) -> SippProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115
    proc = await asyncio.create_subprocess_exec(
        sipp_binary(),
        *args,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        cwd=str(workdir),
        start_new_session=True,
    )
    log.close()
    return SippProcess(name, proc, workdir)


async def agent_phone(
    workdir: Path,
    name: str,
    *,
    sip_port: int,
    media_port: int,
    control_port: int,
    ring_ms: int = 100,
    talk_ms: int = 3_600_000,
) -> SippProcess:
    sf = workdir / f"{name}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    sf.write_text(uas_scenario(ring_ms=ring_ms, talk_ms=talk_ms), "utf-8")
    return await _spawn(
        name,
        workdir,
        [
            "-sf",
            str(sf),
            "-i",
            "127.0.0.1",
            "-p",
            str(sip_port),
            "-mp",
            str(media_port),
            "-cp",
            str(control_port),
            "-nostdin",
            "-max_recv_loops",
            "100",
            "-trace_err",
            "-error_file",
            str(workdir / f"{name}.errors"),
        ],
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
) -> SippProcess:
    """Place ``len(calls)`` calls, each (caller number, dialled number)."""
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
        "-sf",
        str(sf),
        "-inf",
        str(inf),
        "-m",
        str(len(calls)),
        "-r",
        str(rate),
        "-rp",
        "1000",
        "-i",
        "127.0.0.1",
        "-p",
        str(sip_port),
        "-mp",
        str(media_port),
        "-cp",
        str(control_port),
        "-nostdin",
        "-l",
        str(limit or max(1, len(calls))),
        "-trace_err",
        "-error_file",
        str(workdir / f"{name}.errors"),
        "-trace_stat",
        "-stf",
        str(workdir / f"{name}.stat.csv"),
    ]
    return await _spawn(name, workdir, args)


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
) -> SippProcess:
    """An agent's phone dials a feature code (*71..*74), answering the
    digest challenge with its password."""
    if not re.fullmatch(r"\*7[1-4]", code) or not re.fullmatch(r"agent[0-9]{2}", agent):
        raise ValueError(f"bad feature call {agent} {code}")
    sf = workdir / f"{name}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    sf.write_text(_FEATURE.format(code=code, agent=agent, password=password), "utf-8")
    return await _spawn(
        name,
        workdir,
        [
            f"127.0.0.1:{target_port}",
            "-sf",
            str(sf),
            "-m",
            "1",
            "-i",
            "127.0.0.1",
            "-p",
            str(sip_port),
            "-mp",
            str(media_port),
            "-cp",
            str(control_port),
            "-nostdin",
            "-trace_err",
            "-error_file",
            str(workdir / f"{name}.errors"),
        ],
    )
