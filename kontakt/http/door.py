"""Checks at the door, before any handler runs: who is really asking (the
client address and scheme, believed from ``X-Forwarded-*`` only when the
direct peer is a configured trusted proxy) and whether a state-changing
request can be a cross-site forgery.

Cross-site forgery is closed by two independent checks on every
state-changing ``/api/`` request:

* the body is ``application/json`` (an HTML form or a "simple" cross-site
  ``fetch`` cannot send that without a CORS preflight, which this service
  never answers): anything else is 415 ``request.unsupported_media_type``;
* the ``Origin`` (or, without it, the ``Referer``) is this service's own
  origin or one of ``http_allowed_origins``: anything else is 403
  ``request.cross_origin``.  A request with neither header is only taken
  when it is not authenticated by the browser's cookie (an API client with
  ``Authorization: Bearer``, or ``/api/token`` which sets no cookie).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kontakt.http.errors import ApiError

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORT = {"http": 80, "https": 443}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower case, default port dropped;
    None for anything that is not an http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORT or not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORT[scheme] else "")


@dataclass(frozen=True)
class Door:
    trusted: tuple[Network, ...] = ()
    allowed_origins: frozenset[str] = frozenset()
    https: str = "auto"  # auto | on | off

    @classmethod
    def from_settings(cls, settings: Any) -> Door:
        origins = {o for o in (origin_of(x) for x in settings.http_allowed_origins) if o}
        return cls(tuple(ipaddress.ip_network(n) for n in settings.http_trusted_proxies),
                   frozenset(origins), settings.http_https)

    # -- who is asking ------------------------------------------------------

    def _trusted(self, host: str) -> bool:
        addr = _address(host)
        return addr is not None and any(addr in net for net in self.trusted)

    def _from_proxy(self, scope: dict[str, Any]) -> bool:
        peer = scope.get("client")
        return peer is not None and self._trusted(str(peer[0]))

    def client(self, scope: dict[str, Any]) -> str:
        """The client's address: the direct peer, or behind trusted proxies the
        right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy
        (entries further left are whatever the client chose to write)."""
        peer = scope.get("client")
        host = str(peer[0]) if peer else "?"
        if not self._trusted(host):
            return host
        chain = [x.strip() for x in _header(scope, b"x-forwarded-for").split(",") if x.strip()]
        for hop in reversed(chain):
            if _address(hop) is None:
                break  # garbage: keep the last hop we could believe
            host = str(_address(hop))
            if not self._trusted(host):
                return host
        return host

    def is_https(self, scope: dict[str, Any]) -> bool:
        if self.https != "auto":
            return self.https == "on"
        if scope.get("scheme") == "https":
            return True
        if self._from_proxy(scope):
            proto = _header(scope, b"x-forwarded-proto").split(",")[-1].strip().lower()
            return proto == "https"
        return False

    def own_origin(self, scope: dict[str, Any]) -> str | None:
        host = _header(scope, b"host")
        if self._from_proxy(scope) and _header(scope, b"x-forwarded-host"):
            host = _header(scope, b"x-forwarded-host").split(",")[-1].strip()
        scheme = "https" if self.is_https(scope) else "http"
        return origin_of(f"{scheme}://{host}") if host else None

    # -- cross-site forgery ----------------------------------------------------

    def check_state_change(self, scope: dict[str, Any], *, sets_cookie_free: bool) -> None:
        """Raise 415/403 unless this unsafe request is JSON from an origin we
        serve.  ``sets_cookie_free``: the operation neither reads nor sets the
        session cookie (``/api/token``), so a missing Origin is harmless."""
        media, _, params = _header(scope, b"content-type").partition(";")
        charset = _param(params, "charset")
        if media.strip().lower() != "application/json" or charset not in (None, "utf-8"):
            raise ApiError(415, "request.unsupported_media_type",
                           "send state-changing requests as application/json (UTF-8)",
                           expected="application/json")
        claimed = _header(scope, b"origin") or None
        if claimed is None and _header(scope, b"referer"):
            claimed = origin_of(_header(scope, b"referer")) or "invalid"
        if claimed is None:
            bearer = _header(scope, b"authorization").lower().startswith("bearer ")
            if bearer or sets_cookie_free:
                return  # not the browser's ambient credentials: nothing to forge
            raise ApiError(403, "request.cross_origin",
                           "a browser request must say where it comes from (Origin)",
                           origin=None)
        seen = origin_of(claimed)
        if seen is None or seen not in {self.own_origin(scope), *self.allowed_origins}:
            raise ApiError(403, "request.cross_origin",
                           "requests from another site are not accepted", origin=claimed[:200])


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _param(params: str, name: str) -> str | None:
    for item in params.split(";"):
        key, sep, value = item.partition("=")
        if sep and key.strip().lower() == name:
            return value.strip().strip('"').lower()
    return None
