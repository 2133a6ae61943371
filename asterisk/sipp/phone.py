"""An agent's phone (sipp UAS): rings ``ring_ms``, answers, hangs up after
``talk_ms`` unless the caller's side does first; a CANCEL while it rings
ends the call unanswered."""

from __future__ import annotations

from pathlib import Path

from asterisk.sipp.messages import (
    CONTACT_HERE,
    LAST_CALL_ID,
    PHONE_TAG,
    ok_to_bye,
    request,
    response,
    sdp,
    send,
)
from asterisk.sipp.process import Lease, SippProcess, port_args, spawn, write_scenario

_UAS = (
    """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="kontakt agent phone">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="sip:[^&gt;;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
    </action>
  </recv>
"""
    + send(response("180 Ringing", to_tag=PHONE_TAG, headers=[CONTACT_HERE]))
    + '  <recv request="CANCEL" timeout="{ring_ms}" ontimeout="answer"/>\n'
    + send(response("200 OK", to_tag=PHONE_TAG))
    + send(response("487 Request Terminated", to_tag=PHONE_TAG,
                    cseq="CSeq: [last_cseq_number] INVITE"))
    + '  <recv request="ACK" next="end"/>\n  <label id="answer"/>\n'
    + send(response("200 OK", to_tag=PHONE_TAG, headers=[CONTACT_HERE],
                    content_type="application/sdp", body=sdp("agent 53655765 2353687637")),
           retrans=True)
    + '  <recv request="ACK" crlf="true"/>\n'
    + '  <recv request="BYE" timeout="{talk_ms}" ontimeout="hangup"/>\n'
    + ok_to_bye("end")
    + '  <label id="hangup"/>\n'
    + send(request("BYE [$contact] SIP/2.0",
                   from_="From: <sip:agent@[local_ip]:[local_port]>" + PHONE_TAG,
                   to="To:[$remote_from]", call_id=LAST_CALL_ID, cseq="2 BYE"), retrans=True)
    + '  <recv response="200" crlf="true"/>\n  <label id="end"/>\n</scenario>\n'
)


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
    sf = write_scenario(workdir, name, uas_scenario(ring_ms=ring_ms, talk_ms=talk_ms))
    return await spawn(
        name,
        workdir,
        [
            "-sf", str(sf),
            *port_args(sip_port, media_port, control_port),
            "-max_recv_loops", "100",
            "-trace_err", "-error_file", str(workdir / f"{name}.errors"),
        ],
        lease=lease,
    )  # fmt: skip
