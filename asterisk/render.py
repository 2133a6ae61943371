"""Render the Asterisk configuration of a private instance from templates."""

from __future__ import annotations

import ipaddress
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template

TEMPLATES = (
    "asterisk.conf",
    "modules.conf",
    "logger.conf",
    "manager.conf",
    "rtp.conf",
    "musiconhold.conf",
    "queues.conf",
    "pjsip.conf",
    "extensions.conf",
    "indications.conf",
    "cdr.conf",
    "cel.conf",
    "features.conf",
    "acl.conf",
    "udptl.conf",
    "pjproject.conf",
    "ccss.conf",
)


def agent_id(seat: int) -> str:
    return f"agent{seat:02d}"


@dataclass
class RigConfig:
    """Everything that differs between two private instances."""

    base: Path
    sip_port: int
    ami_port: int
    agi_port: int
    carrier_port: int  # where the carrier's UAS answers callbacks
    city_port: int  # where the departments' UAS answers transfers
    rtp_start: int
    rtp_end: int
    phone_ports: dict[str, int]  # agent id -> its phone's SIP port
    ring_timeout: int = 15
    ami_user: str = "kontakt"
    ami_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    monitor_user: str = "monitor"
    monitor_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    carrier_match: str = "127.0.0.1"
    agent_passwords: dict[str, str] = field(default_factory=dict)
    sip_bind: str = "127.0.0.1"
    carrier_host: str = "127.0.0.1"
    city_host: str = "127.0.0.1"
    # Test phones have fixed addresses; real phones register (digest auth).
    static_phones: bool = True
    # Benchmarks only: a number that goes straight to app_queue, to compare,
    # and one that plays the default IVR's prompts in the dialplan first (the
    # keys as the bench presses them) so app_queue's calls load Asterisk with
    # the same media as the engine's; prompts from this generated/ folder.
    app_queue_number: str | None = None
    app_queue_ivr_number: str | None = None
    app_queue_prompts: str | None = None
    # AMI listens here and takes logins from these networks only (the engine
    # runs beside Asterisk: loopback).
    ami_bind: str = "127.0.0.1"
    ami_permit: tuple[str, ...] = ("127.0.0.1/32",)
    # Supervisors' phones (supervisor01..NN): rung to listen in (ChanSpy).
    supervisors: int = 0
    supervisor_passwords: dict[str, str] = field(default_factory=dict)
    supervisor_ports: dict[str, int] = field(default_factory=dict)  # static phones only

    @property
    def etc(self) -> Path:
        return self.base / "etc"

    @property
    def conf_file(self) -> Path:
        return (self.etc / "asterisk.conf").resolve()


class _ConfTemplate(Template):
    # Asterisk's own syntax uses ${...} and $[...]: our placeholders are @@name.
    delimiter = "@@"


def _template(name: str) -> Template:
    text = resources.files(__package__).joinpath("templates", name).read_text("utf-8")
    return _ConfTemplate(text)


def _moh(dirpath: Path) -> None:
    """Asterisk ships no music on hold here: make a gentle tone loop."""
    dirpath.mkdir(parents=True, exist_ok=True)
    out = dirpath / "kontakt-hold.wav"
    if out.exists():
        return
    sox = shutil.which("sox")
    if sox is None:
        raise RuntimeError("sox is not installed (run asterisk/install.sh)")
    subprocess.run(
        [
            sox,
            "-n",
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            str(out),
            "synth",
            "2",
            "sine",
            "440",
            "sine",
            "554",
            "fade",
            "0.1",
            "2",
            "0.1",
            "vol",
            "0.2",
        ],
        check=True,
        capture_output=True,
    )


def _acl(networks: tuple[str, ...]) -> str:
    """manager.conf ``permit`` lines (address/netmask, as Asterisk 16 reads them)."""
    nets = [ipaddress.ip_network(n, strict=False) for n in networks]
    return "\n".join(f"permit = {n.network_address}/{n.netmask}" for n in nets)


def render(cfg: RigConfig) -> Path:
    """Write every config file; return the absolute path of asterisk.conf."""
    dirs = {k: (cfg.base / k).resolve() for k in ("etc", "lib", "spool", "run", "log", "cache")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    moh_dir = (cfg.base / "moh").resolve()
    _moh(moh_dir)
    agents = []
    members = []
    agent_tmpl = _template("agent.pjsip.tmpl")
    for aid, port in sorted(cfg.phone_ports.items()):
        pw = cfg.agent_passwords.setdefault(aid, secrets.token_urlsafe(16))
        contact = (f"contact = sip:{aid}@127.0.0.1:{port}" if cfg.static_phones
                   else "; the phone registers with its user name and password")
        agents.append(agent_tmpl.substitute(agent=aid, seat=aid[-2:], password=pw,
                                            contact_line=contact))
        members.append(f"member => PJSIP/{aid},0,{aid}")
    for n in range(1, cfg.supervisors + 1):
        sid = f"supervisor{n:02d}"
        pw = cfg.supervisor_passwords.setdefault(sid, secrets.token_urlsafe(16))
        sport = cfg.supervisor_ports.get(sid)
        contact = (f"contact = sip:{sid}@127.0.0.1:{sport}" if sport
                   else "; the phone registers with its user name and password")
        agents.append(_template("supervisor.pjsip.tmpl").substitute(
            supervisor=sid, seat=sid[-2:], password=pw, contact_line=contact))
    values = {
        **{k: str(v) for k, v in dirs.items()},
        "ami_port": cfg.ami_port,
        "ami_bind": cfg.ami_bind,
        "ami_permit": _acl(cfg.ami_permit),
        "ami_user": cfg.ami_user,
        "ami_secret": cfg.ami_secret,
        "monitor_user": cfg.monitor_user,
        "monitor_secret": cfg.monitor_secret,
        "sip_port": cfg.sip_port,
        "agi_port": cfg.agi_port,
        "carrier_port": cfg.carrier_port,
        "carrier_match": cfg.carrier_match,
        "sip_bind": cfg.sip_bind,
        "carrier_host": cfg.carrier_host,
        "city_host": cfg.city_host,
        "city_port": cfg.city_port,
        "rtp_start": cfg.rtp_start,
        "rtp_end": cfg.rtp_end,
        "moh_dir": moh_dir,
        "ring_timeout": cfg.ring_timeout,
        "agents": "".join(agents),
        "members": "\n".join(members),
        "agent_queues": "\n".join(
            f"[kontakt-{aid}]\nstrategy = ringall\ntimeout = {cfg.ring_timeout}\nretry = 1\n"
            "ringinuse = no\nwrapuptime = 0\nannounce-frequency = 0\nmaxlen = 1\n"
            "joinempty = paused,inuse,ringing,unavailable,invalid,unknown\n"
            "leavewhenempty = unavailable,invalid,unknown\n"
            f"member => PJSIP/{aid},0,{aid}\n" for aid in sorted(cfg.phone_ports)),
        "extra_inbound": _app_queue_peer(cfg),
    }
    for name in TEMPLATES:
        text = _template(name).substitute(values)
        (dirs["etc"] / name).write_text(text, "utf-8")
    return cfg.conf_file


def _app_queue_peer(cfg: RigConfig) -> str:
    """The benchmarks' app_queue numbers: straight in, and behind a dialplan
    IVR with the default one's prompts (welcome, the language menu, the main
    menu, "connecting you"), so only the router differs."""
    out = ""
    if cfg.app_queue_number:
        out += f"exten => {cfg.app_queue_number},1,Queue(kontakt-fallback,t,,,)\n"
    if cfg.app_queue_ivr_number and cfg.app_queue_prompts:
        p = cfg.app_queue_prompts
        langs = "&".join(f"{p}/{lg}/language_choice" for lg in ("sr", "hu", "sk"))
        out += (f"exten => {cfg.app_queue_ivr_number},1,Answer()\n"
                f" same => n,Read(LANG,{p}/sr/welcome&{langs},1,,1,5)\n"
                f" same => n,Read(CHOICE,{p}/sr/main_menu,1,,1,5)\n"
                f" same => n,Playback({p}/sr/to_operator)\n"
                " same => n,Queue(kontakt-fallback,t,,,)\n")
    return out
