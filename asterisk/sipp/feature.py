"""An agent's phone dials a feature code (*71 log in, *72 log out, *73
pause, *74 ready), answering Asterisk's digest challenge."""

from __future__ import annotations

import re
from pathlib import Path

from asterisk.sipp.messages import LAST_TO, LAST_VIA, VIA, ok_to_bye, request, sdp, send
from asterisk.sipp.process import Lease, SippProcess, one_call


def _invite(code: str, agent: str, cseq: int, auth: list[str]) -> str:
    return send(request(
        f"INVITE sip:{code}@[remote_ip]:[remote_port] SIP/2.0",
        from_=f"From: <sip:{agent}@[local_ip]:[local_port]>;tag=[pid]SIPpTag02[call_number]",
        to=f"To: <sip:{code}@[remote_ip]:[remote_port]>",
        cseq=f"{cseq} INVITE",
        headers=[f"Contact: <sip:{agent}@[local_ip]:[local_port]>", *auth],
        content_type="application/sdp",
        body=sdp("agent 1 1", events=False),
    ), retrans=True)


def _ack(code: str, agent: str, cseq: int, via: str) -> str:
    return send(request(
        f"ACK sip:{code}@[remote_ip]:[remote_port] SIP/2.0",
        via=via,
        from_=f"From: <sip:{agent}@[local_ip]:[local_port]>;tag=[pid]SIPpTag02[call_number]",
        to=LAST_TO,
        cseq=f"{cseq} ACK",
    ))


def feature_scenario(code: str, agent: str, password: str) -> str:
    """INVITE ``code``, the 401's digest challenge answered with ``password``;
    the feature's answer, then its BYE."""
    return (
        '<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
        '<scenario name="kontakt agent feature code">\n'
        + _invite(code, agent, 1, [])
        + '  <recv response="100" optional="true"/>\n  <recv response="401" auth="true"/>\n'
        + _ack(code, agent, 1, LAST_VIA)
        + _invite(code, agent, 2, [f"[authentication username={agent} password={password}]"])
        + '  <label id="w"/>\n'
        + "".join(f'  <recv response="{c}" optional="true" next="w"/>\n'
                  for c in ("100", "180", "183"))
        + '  <recv response="200"/>\n'
        + _ack(code, agent, 2, VIA)
        + '  <recv request="BYE"/>\n'
        + ok_to_bye()
        + '  <timewait milliseconds="100"/>\n</scenario>\n'
    )


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
    return await one_call(workdir, name, feature_scenario(code, agent, password),
                          target_port=target_port, sip_port=sip_port, media_port=media_port,
                          control_port=control_port, lease=lease)
