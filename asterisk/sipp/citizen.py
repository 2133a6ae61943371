"""Citizens through the carrier (sipp UAC): each call waits up to a
patience for an answer (then CANCELs), keys DTMF after the answer, accepts a
BYE from the contact center or hangs up itself after ``hold_ms``.  A refusal
(403, 404, 480, 486, 503, 603) ends the call cleanly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from asterisk.sipp.messages import LAST_TO, LAST_VIA, ok_to_bye, request, sdp, send
from asterisk.sipp.process import Lease, SippProcess, port_args, spawn, write_scenario

DTMF_DIR = Path("/usr/share/sip-tester")

# The citizen's side of its call: it calls from field0 to field1 of the
# injection file.
_URI = "sip:[field1]@[remote_ip]:[remote_port]"
_TO = f"To: <{_URI}>"
_FROM = "From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]"
REFUSALS = ("403", "486", "480", "503", "404", "603")

INVITE = send(request(f"INVITE {_URI} SIP/2.0", from_=_FROM, to=_TO, cseq="1 INVITE",
                      headers=["Contact: <sip:[field0]@[local_ip]:[local_port]>"],
                      content_type="application/sdp",
                      body=sdp("citizen 53655765 2353687637")), retrans=True)
ACK = send(request(f"ACK {_URI} SIP/2.0", from_=_FROM, to=LAST_TO, cseq="1 ACK"))


def waiting(codes: Sequence[str], timeout: str = "") -> str:
    """The provisional responses waited through at the label ``wait``, then the
    refusals (``codes``) that end the call at ``refused``."""
    wait = "".join(f'  <recv response="{c}" optional="true" next="wait"{timeout}/>\n'
                   for c in ("100", "180", "183"))
    return ('  <label id="wait"/>\n' + wait
            + "".join(f'  <recv response="{c}" optional="true" next="refused"/>\n' for c in codes))


def info(pause: str, cseq: str, digit: str) -> str:
    """A key as SIP INFO (application/dtmf-relay) inside the call's dialog,
    after ``<pause {pause}/>``."""
    return f"  <pause {pause}/>\n" + send(
        request(f"INFO {_URI} SIP/2.0", from_=_FROM, to=LAST_TO, cseq=f"{cseq} INFO",
                content_type="application/dtmf-relay", body=[f"Signal={digit}", "Duration=160"]),
        retrans=True) + '  <recv response="200"/>\n'


def bye(cseq: int) -> str:
    """The citizen hangs up, then jumps to ``end``."""
    return send(request(f"BYE {_URI} SIP/2.0", from_=_FROM, to=LAST_TO, cseq=f"{cseq} BYE"),
                retrans=True) + '  <recv response="200" crlf="true" next="end"/>\n'


# After ``bye``: the labels ``cancel`` (patience over: CANCEL the INVITE) and
# ``refused`` (ACK a final refusal), then the end of the scenario.
ENDINGS = (
    '  <label id="cancel"/>\n'
    + send(request(f"CANCEL {_URI} SIP/2.0", via=LAST_VIA, from_=_FROM, to=_TO, cseq="1 CANCEL"))
    + '  <label id="cwait"/>\n'
    + "".join(f'  <recv response="{c}" optional="true" next="cwait"/>\n'
              for c in ("200", "183", "180"))
    + '  <recv response="487"/>\n'
    + '  <label id="refused"/>\n'
    + send(request(f"ACK {_URI} SIP/2.0", via=LAST_VIA, from_=_FROM, to=LAST_TO, cseq="1 ACK"))
    + '  <label id="end"/>\n  <timewait milliseconds="200"/>\n</scenario>\n'
)

_UAC_HEAD = (
    '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="kontakt citizen">\n'
    + INVITE
    # sipp times out the message it is waiting at, the first of the group
    + waiting(REFUSALS, ' timeout="{patience_ms}" ontimeout="cancel"')
    + '  <recv response="200" rtd="true" timeout="{patience_ms}" ontimeout="cancel"/>\n'
    + ACK
)

_UAC_DTMF = """  <pause milliseconds="{delay_ms}"/>
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>
"""

# A key as SIP INFO: sipp's RFC 2833 pcaps all carry the same RTP timestamps,
# so Asterisk takes only the first of them in a call: later keys go as INFO.
_UAC_INFO = info('milliseconds="{delay_ms}"', "{cseq}", "{digit}")

_UAC_TAIL = (
    '  <recv request="BYE" timeout="{hold_ms}" ontimeout="hangup"/>\n'
    + ok_to_bye("end")
    + '  <label id="hangup"/>\n'
    + bye(2)
    + ENDINGS
)


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
    sf = write_scenario(workdir, name, uac_scenario(
        patience_ms=patience_ms, hold_ms=hold_ms, dtmf=dtmf, dtmf_delay_ms=dtmf_delay_ms))
    inf = workdir / f"{name}.csv"
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
