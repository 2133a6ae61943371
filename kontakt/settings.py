"""Settings: read once at start from a TOML file and KONTAKT_* environment
variables (the environment wins), cast and validated here, failing with the
key's name.  Nothing else in the program reads the environment.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the key."""


def _port(v: str) -> int:
    n = int(v)
    if not 0 <= n <= 65535:
        raise ValueError("must be a port number 0..65535")
    return n


def _positive(v: str) -> int:
    n = int(v)
    if n < 1:
        raise ValueError("must be a whole number >= 1")
    return n


def _non_negative(v: str) -> float:
    n = float(v)
    if n < 0:
        raise ValueError("must be >= 0")
    return n


def _bool(v: str) -> bool:
    s = str(v).strip().lower()
    if s in {"1", "true", "yes", "on"}:
        return True
    if s in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _choice(*options: str) -> Any:
    def cast(v: str) -> str:
        if v not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return v

    return cast


def _status_list(v: str) -> str:
    known = ("new", "forwarded", "active", "resolved", "cancelled", "closed")
    items = [s.strip() for s in str(v).split(",") if s.strip()]
    bad = [s for s in items if s not in known]
    if bad:
        raise ValueError(f"unknown status {', '.join(bad)}; use {', '.join(known)}")
    return ",".join(items)


def _str(v: str) -> str:
    return str(v)


def _networks(v: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks, kept as normalized text."""
    out = []
    for item in (x.strip() for x in str(v).split(",")):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an address or network (10.0.0.1, 10.0.0.0/24)"
                             ) from None
    return tuple(out)


def _origins(v: str) -> tuple[str, ...]:
    """Comma-separated web origins: scheme://host[:port], nothing after."""
    out = []
    for item in (x.strip() for x in str(v).split(",")):
        if not item:
            continue
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", item):
            raise ValueError(f"{item!r} is not an origin like https://kontakt.novisad.rs")
        out.append(item.lower())
    return tuple(out)


def _lower_list(v: str) -> tuple[str, ...]:
    """Comma-separated words (addresses, MIME types), lower case."""
    return tuple(x.strip().lower() for x in str(v).split(",") if x.strip())


def _capacity(v: str) -> str:
    from acd.blend import parse_capacity
    from acd.errors import BadCapacity

    try:
        parse_capacity(v)
    except BadCapacity as e:
        raise ValueError(str(e)) from None
    return v


def _text(v: Any) -> str:
    """A TOML value as the text the casts take (a list is comma-separated)."""
    if isinstance(v, list | tuple):
        return ",".join(str(x) for x in v)
    return v if isinstance(v, str) else str(v)


def _opt(kind: Any = _str, default: Any = None, doc: str = "") -> Any:
    return field(default=default, metadata={"cast": kind, "doc": doc})


def settings_path(path: str | Path | None = None,
                  environ: Mapping[str, str] | None = None) -> str | None:
    """The settings file in use: ``--settings`` or else ``KONTAKT_SETTINGS`` (None: none)."""
    environ = os.environ if environ is None else environ
    found = path or environ.get("KONTAKT_SETTINGS")
    return str(found) if found else None


@dataclass(frozen=True)
class Settings:
    config: str = _opt(doc="path of the dialplan/IVR/hours configuration (YAML)")
    prompts_dir: str = _opt(default="prompts", doc="IVR prompt audio: generated/ and recorded/")
    pid_file: str = _opt(doc="pid of `kontakt run` for `config reload` (RUN_DIR/kontakt.pid)")
    database_url: str = _opt(default="sqlite+aiosqlite:///kontakt.db", doc="SQLAlchemy async URL")
    mqtt_host: str = _opt(default="127.0.0.1")
    mqtt_port: int = _opt(_port, 1883)
    mqtt_prefix: str = _opt(default="kontakt", doc="topic prefix")
    ami_host: str = _opt(default="127.0.0.1")
    ami_port: int = _opt(_port, 5038)
    ami_username: str = _opt(default="kontakt")
    ami_secret: str = _opt(doc="AMI secret; required by `kontakt run`")
    agi_host: str = _opt(default="127.0.0.1")
    agi_port: int = _opt(_port, 4573)
    agi_permit: tuple[str, ...] = _opt(
        _networks, ("127.0.0.0/8", "::1/128"),
        "peers allowed to open FastAGI sessions (addresses or CIDRs; loopback by default)",
    )
    http_host: str = _opt(default="127.0.0.1")
    http_port: int = _opt(_port, 8021)
    http: bool = _opt(_bool, True, "serve the workstations (HTTP API and pages)")
    http_allowed_origins: tuple[str, ...] = _opt(
        _origins, (), "origins besides the service's own that may send state-changing requests"
    )
    http_trusted_proxies: tuple[str, ...] = _opt(
        _networks, (),
        "reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (addresses or CIDRs)",
    )
    http_https: str = _opt(
        _choice("auto", "on", "off"), "auto",
        "Secure cookies and HSTS: auto = when the request came over TLS or a trusted proxy "
        "says X-Forwarded-Proto: https; on = always; off = never",
    )
    login_free_failures: int = _opt(
        _positive, 3, "failed logins per account or address before each try is delayed"
    )
    login_max_delay: float = _opt(
        _non_negative, 300.0, "longest delay in seconds between tries (doubles per failure)"
    )
    login_window: float = _opt(
        _non_negative, 900.0, "seconds after which a failed login no longer counts"
    )
    fast_path: bool = _opt(
        _bool, False,
        "router = direct only: publish the next free agent so Asterisk rings it without a "
        "round trip to the engine (the engine still decides who is next)",
    )
    router: str = _opt(
        _choice("ivr", "direct"),
        "ivr",
        "ivr: numbers, hours and menus from `config`; direct: every call "
        "straight to an operator (a PBX in front already did that)",
    )
    seats: int = _opt(_positive, 20, "operator seats")
    ring_timeout: float = _opt(_non_negative, 15.0, "seconds an agent phone rings")
    wrapup: float = _opt(_non_negative, 0.0, "seconds of wrap-up after each call")
    strategy: str = _opt(_choice("longest-idle", "fewest-calls"), "longest-idle")
    announce_every: float = _opt(_non_negative, 30.0, "seconds between position announcements")
    max_wait: float = _opt(_non_negative, 300.0, "seconds before a callback is offered")
    # Blended operators and text conversations (acd.blend, kontakt.chat).
    capacity: str = _opt(
        _capacity, "call=1,chat=3,sms=3,email=3,text=3",
        "each operator's capacity per channel; text = chats and messages together",
    )
    call_at_text_capacity: bool = _opt(
        _bool, False, "offer calls to an operator who is at capacity in texts")
    text_during_call: bool = _opt(
        _bool, False, "give chats and messages to an operator who is on a call")
    chat_max_length: int = _opt(_positive, 1000, "characters per chat message")
    chat_wait_fallback: float = _opt(
        _non_negative, 120.0,
        "seconds a web chat waits before the citizen is offered to leave a message or a callback")
    chat_citizen_timeout: float = _opt(
        _non_negative, 90.0, "seconds without a sign of the citizen before a web chat ends")
    chat_flood_messages: int = _opt(
        _positive, 8, "chat messages per chat and per address before each next one is delayed")
    chat_flood_window: float = _opt(
        _non_negative, 30.0, "seconds after which a chat message no longer counts for flooding")
    queue_log: str = _opt(doc="path of the queue_log file (Asterisk format)")
    run_dir: str = _opt(default="run", doc="control socket and agent state live here")
    log_level: str = _opt(_choice("debug", "info", "warning", "error"), "info")
    log_json: bool = _opt(_bool, None, "JSON logs (default: when stderr is not a tty)")
    # Citizen notifications (tickets/notify): e-mail over SMTP, SMS through Kannel.
    smtp_host: str = _opt(doc="SMTP relay for citizen e-mail (unset: no e-mail)")
    smtp_port: int = _opt(_port, 25)
    smtp_from: str = _opt(default="kontakt@novisad.rs", doc="sender of citizen e-mail")
    smtp_username: str = _opt(doc="SMTP login (optional)")
    smtp_password: str = _opt(doc="SMTP password (optional)")
    smtp_starttls: bool = _opt(_bool, False, "STARTTLS before login")
    kannel_url: str = _opt(doc="Kannel smsbox URL, e.g. http://127.0.0.1:13013 (unset: no SMS)")
    kannel_username: str = _opt(default="kontakt", doc="Kannel sendsms-user")
    kannel_password: str = _opt(doc="Kannel sendsms-user password")
    kannel_sender: str = _opt(doc="SMS sender (from=); else Kannel's default-sender")
    # Citizens' SMS in (Kannel's sms-service get-url) and e-mail in (SMTP listener).
    sms_inbound_host: str = _opt(default="127.0.0.1", doc="where Kannel's get-url reaches us")
    sms_inbound_port: int = _opt(_port, 8023, "port of the Kannel-only inbound SMS endpoint")
    sms_inbound_allow: tuple[str, ...] = _opt(
        _networks, ("127.0.0.1/32", "::1/128"),
        "Kannel's addresses (smsbox): the only peers the inbound SMS endpoint answers")
    sms_inbound_username: str = _opt(default="kannel", doc="Basic auth user in Kannel's get-url")
    sms_inbound_password: str = _opt(doc="Basic auth password in Kannel's get-url "
                                         "(unset: no inbound SMS)")
    email_inbound: bool = _opt(_bool, False, "listen for citizens' e-mail (SMTP)")
    email_inbound_host: str = _opt(default="127.0.0.1", doc="SMTP listener address")
    email_inbound_port: int = _opt(_port, 2525, "SMTP listener port (the MX relays to it)")
    email_inbound_addresses: tuple[str, ...] = _opt(
        _lower_list,
        ("kontakt@novisad.rs",), "the contact center's addresses; other recipients are refused")
    email_max_bytes: int = _opt(_positive, 10_000_000, "largest e-mail accepted (SMTP SIZE)")
    email_attachment_max_bytes: int = _opt(_positive, 5_000_000, "largest attachment kept")
    email_attachment_types: tuple[str, ...] = _opt(
        _lower_list,
        ("image/jpeg", "image/png", "application/pdf", "text/plain"),
        "attachment types kept with the ticket; any other refuses the message")
    retention_days: int = _opt(
        _positive, 730,
        "days after a ticket's last change before the citizen's personal data is anonymised",
    )
    notify_on: str = _opt(
        _status_list,
        "resolved,cancelled",
        "ticket statuses that notify the citizen, comma-separated",
    )

    # Deadlines and staffing (dialplan `deadlines:`, kontakt.overdue, kontakt report staffing).
    overdue_every: float = _opt(
        _non_negative, 60.0, "seconds between two runs of the overdue job (0: not run)")
    escalation_email: str = _opt(
        doc="e-mail of the supervisors, told of every ticket past its deadline (unset: none)")
    staffing_service_level: float = _opt(
        _non_negative, 0.8, "share of calls to answer within staffing_answer_seconds")
    staffing_answer_seconds: float = _opt(
        _non_negative, 20.0, "the service level's answer time in seconds")

    # Readiness (/readyz, `kontakt status`).
    ready_outbox_max_age: float = _opt(
        _non_negative, 120.0,
        "seconds the oldest undelivered outbox event may wait before /readyz says not ready")
    ready_timeout: float = _opt(_non_negative, 2.0, "seconds each readiness probe may take")
    backup_dir: str = _opt(default="backups", doc="where `kontakt backup create` writes")

    @classmethod
    def load(
        cls, path: str | Path | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        environ = os.environ if environ is None else environ
        raw: dict[str, Any] = {}
        path = settings_path(path, environ)
        if path:
            try:
                with open(path, "rb") as fh:
                    doc = tomllib.load(fh)
            except OSError as e:
                raise SettingsError(f"settings file {path}: {e.strerror}") from None
            except tomllib.TOMLDecodeError as e:
                raise SettingsError(f"settings file {path}: {e}") from None
            table = doc.get("kontakt", doc)
            known = {f.name for f in dataclasses.fields(cls)}
            for k in table:
                if k not in known:
                    raise SettingsError(f"{path}: unknown setting {k!r}")
            raw.update(table)
        for f in dataclasses.fields(cls):
            env = f"KONTAKT_{f.name.upper()}"
            if env in environ:
                raw[f.name] = environ[env]
        return cls.from_mapping(raw)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Settings:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in raw or raw[f.name] is None:
                continue
            try:
                values[f.name] = f.metadata["cast"](_text(raw[f.name]))
            except ValueError as e:
                raise SettingsError(
                    f"setting {f.name} (KONTAKT_{f.name.upper()}): {raw[f.name]!r} {e}"
                ) from None
        settings = cls(**values)
        if settings.fast_path and settings.router != "direct":
            # The fast path rings the published agent before any menu or hours
            # check: with the IVR it would let calls bypass them.
            raise SettingsError(
                "setting fast_path (KONTAKT_FAST_PATH): needs router = direct "
                f"(KONTAKT_ROUTER), not {settings.router!r}"
            )
        return settings

    def replace(self, **kw: Any) -> Settings:
        return dataclasses.replace(self, **kw)
