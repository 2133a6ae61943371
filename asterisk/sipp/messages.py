"""The SIP messages of the sipp scenarios, built from their parts: one place
writes a request's or a response's header order, the SDP offer and the
``<send>`` element, so the citizen, the phone, the feature call, the
registration and the soak's citizens cannot drift apart."""

from __future__ import annotations

from collections.abc import Sequence

VIA = "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]"
LAST_VIA = "[last_Via:]"
LAST_TO = "[last_To:]"
CALL_ID = "Call-ID: [call_id]"
LAST_CALL_ID = "[last_Call-ID:]"
PHONE_TAG = ";tag=[pid]SIPpTag01[call_number]"  # the agent phone's (UAS) To tag
CONTACT_HERE = "Contact: <sip:[local_ip]:[local_port];transport=[transport]>"


def send(lines: Sequence[str], *, retrans: bool = False, next_label: str = "") -> str:
    """One ``<send>`` of the message ``lines`` (retransmitted every 500 ms
    over UDP when ``retrans``; jumping to ``next_label`` after it)."""
    attrs = (' retrans="500"' if retrans else "") + (f' next="{next_label}"' if next_label else "")
    return f"  <send{attrs}><![CDATA[\n" + "\n".join(lines) + "\n]]></send>\n"


def _tail(lines: list[str], content_type: str, body: Sequence[str]) -> list[str]:
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if body:
        return [*lines, "Content-Length: [len]", "", *body]
    return [*lines, "Content-Length: 0", ""]


def request(
    start: str,
    *,
    from_: str,
    to: str,
    cseq: str,
    via: str = VIA,
    call_id: str = CALL_ID,
    headers: Sequence[str] = (),
    content_type: str = "",
    body: Sequence[str] = (),
) -> list[str]:
    """A request's lines: ``start`` (``METHOD uri SIP/2.0``), the dialog's
    headers, ``headers`` (Contact, authentication, ...), then the body."""
    lines = [start, via, from_, to, call_id, f"CSeq: {cseq}", *headers, "Max-Forwards: 70"]
    return _tail(lines, content_type, body)


def response(
    status: str,
    *,
    to_tag: str = "",
    cseq: str = "[last_CSeq:]",
    headers: Sequence[str] = (),
    content_type: str = "",
    body: Sequence[str] = (),
) -> list[str]:
    """A response's lines to the last request received (its Via, From, To,
    Call-ID and CSeq), the To tagged with ``to_tag``."""
    lines = ["SIP/2.0 " + status, LAST_VIA, "[last_From:]", LAST_TO + to_tag, LAST_CALL_ID, cseq,
             *headers]
    return _tail(lines, content_type, body)


def sdp(origin: str, *, events: bool = True) -> list[str]:
    """An audio offer/answer: PCMU, with RFC 2833 telephone events when ``events``."""
    lines = ["v=0", f"o={origin} IN IP[local_ip_type] [local_ip]", "s=-",
             "c=IN IP[media_ip_type] [media_ip]", "t=0 0",
             "m=audio [media_port] RTP/AVP " + ("0 101" if events else "0"),
             "a=rtpmap:0 PCMU/8000"]
    if events:
        lines += ["a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15"]
    return lines


def ok_to_bye(next_label: str = "") -> str:
    """The 200 OK to the BYE just received."""
    return send(response("200 OK"), next_label=next_label)
