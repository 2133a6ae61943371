"""What a FastAGI session may start with: the environment block Asterisk
sends, checked before any handler sees it.  Pure: no I/O.

Anything that does not come from our own dialplan is refused with a reason
(a stable word for the log): a peer that is not permitted, a key Asterisk
does not send, a key twice, a script name the engine does not serve or
asks for from a context that does not call it, arguments (our dialplan
passes none), a request URL that names another script or carries a query,
values with control characters or over 256 characters, a uniqueid or
channel that is not shaped like Asterisk's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

LOOPBACK = ("127.0.0.0/8", "::1/128")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Asterisk 16's AGI environment (res_agi.c, setup_env) plus FastAGI's two.
KNOWN_KEYS = frozenset({
    "agi_request", "agi_channel", "agi_language", "agi_type", "agi_uniqueid", "agi_version",
    "agi_callerid", "agi_calleridname", "agi_callingpres", "agi_callingani2",
    "agi_callington", "agi_callingtns", "agi_dnid", "agi_rdnis", "agi_context",
    "agi_extension", "agi_priority", "agi_enhanced", "agi_accountcode", "agi_threadid",
    "agi_network", "agi_network_script",
})
# The contexts of asterisk/templates/extensions.conf that call each script.
DIALPLAN_CONTEXTS: Mapping[str, frozenset[str]] = {
    "call": frozenset({"kontakt-inbound"}),
    "requeue": frozenset({"kontakt-route"}),
    "feature": frozenset({"kontakt-agents"}),
}
MAX_VALUE = 256
_SHAPES = {
    # asterisk.conf's systemname, when set, prefixes every uniqueid.
    "agi_uniqueid": re.compile(r"([A-Za-z0-9_-]{1,40}-)?[0-9]{1,20}\.[0-9]{1,10}"),
    "agi_channel": re.compile(r"[A-Za-z0-9/_.@:;+#*-]{1,128}"),
    "agi_context": re.compile(r"[A-Za-z0-9_-]{1,80}"),
    "agi_network": re.compile(r"yes"),
    "agi_network_script": re.compile(r"[a-z][a-z0-9_-]{0,31}"),
}
_REQUEST = re.compile(r"agi://[A-Za-z0-9.\[\]:-]{1,100}/(?P<script>[^?#\s]*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Refusal:
    reason: str  # stable: peer_not_permitted, unknown_key, ...
    key: str = ""


def permitted(peer: str, permit: Iterable[str]) -> bool:
    addr = _peer(peer)
    return addr is not None and any(addr in net for net in _networks(tuple(permit)))


@lru_cache(maxsize=16)
def _networks(permit: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    # The permit list is the server's one setting: parsed once, not per session.
    return tuple(ipaddress.ip_network(net, strict=False) for net in permit)


@lru_cache(maxsize=1024)
def _peer(peer: str) -> IPAddress | None:
    """The address of a peer as the socket names it; the same few peers
    (Asterisk on this machine) open every session."""
    try:
        addr = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def parse_block(block: bytes) -> tuple[dict[str, str], Refusal | None]:
    """The ``key: value`` lines of the environment block (up to the blank line)."""
    headers: dict[str, str] = {}
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        return headers, Refusal("not_utf8")
    for raw in text.split("\n"):
        line = raw.removesuffix("\r")
        if not line:
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            return headers, Refusal("not_a_variable", key[:40])
        if key in headers:
            return headers, Refusal("duplicate_key", key[:40])
        headers[key] = value
    return headers, None


def check_env(headers: Mapping[str, str], routes: Iterable[str],
              contexts: Mapping[str, frozenset[str]] = DIALPLAN_CONTEXTS) -> Refusal | None:
    for key, value in headers.items():
        if key not in KNOWN_KEYS:
            reason = "arguments" if key.startswith("agi_arg_") else "unknown_key"
            return Refusal(reason, key[:40])
        if len(value) > MAX_VALUE or _CONTROL.search(value):
            return Refusal("bad_value", key)
        shape = _SHAPES.get(key)
        if shape is not None and not shape.fullmatch(value):
            return Refusal("bad_value", key)
    script = headers.get("agi_network_script", "")
    if script not in set(routes):
        return Refusal("unknown_script", "agi_network_script")
    request = headers.get("agi_request")
    if request is not None:
        m = _REQUEST.fullmatch(request)
        if m is None or m.group("script") != script:
            return Refusal("request_mismatch", "agi_request")
    allowed = contexts.get(script)
    if allowed is not None and headers.get("agi_context") not in allowed:
        return Refusal("wrong_context", "agi_context")
    return None
