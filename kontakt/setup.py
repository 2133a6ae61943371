"""`kontakt setup`: the files of a server installation, planned first and
then written (check everything first, then act).

Under ``root`` (``/`` on the server; a temporary directory in tests and for
review) it writes the directories, ``/etc/kontakt/kontakt.toml`` (mode 600,
generated secrets; an existing one is kept, so a second run changes
nothing an operator edited), the city's configuration (the shipped one, if
none is there), the Asterisk configuration (``kontakt asterisk render``'s
code, its secrets kept across runs) and the systemd units.  The settings
and units name the paths as they are on the server (``/etc/kontakt/...``).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

ETC = PurePosixPath("/etc/kontakt")
LIB = PurePosixPath("/var/lib/kontakt")
LOG = PurePosixPath("/var/log/kontakt")
UNITS = PurePosixPath("/etc/systemd/system")
LOGROTATE = PurePosixPath("/etc/logrotate.d/kontakt")
ASTERISK_BASE = LIB / "asterisk"
USER = "kontakt"
# What a real install (without --root) would run; listed, not run, under --root.
PACKAGES = ("asterisk", "mosquitto", "espeak-ng", "sox")


@dataclass(frozen=True)
class Step:
    what: str  # "dir", "file", "render", "command"
    path: PurePosixPath | None  # as on the server
    mode: int | None = None
    text: str | Callable[[], str] | None = None  # file content (late: after the render)
    keep: bool = False  # an existing file is left as it is


@dataclass(frozen=True)
class Done:
    step: Step
    outcome: str  # "written", "kept", "made", "rendered", "skipped", "would ..."


def plan(args: argparse.Namespace, kontakt_bin: str, state: dict[str, Any]) -> list[Step]:
    conf = ASTERISK_BASE / "etc" / "asterisk.conf"
    return [
        Step("command", None, text=f"apt-get install -y {' '.join(PACKAGES)}"),
        Step("command", None, text=f"useradd --system --home-dir {LIB} --shell "
                                   f"/usr/sbin/nologin {USER}"),
        Step("dir", ETC, 0o750), Step("dir", LIB, 0o750), Step("dir", LOG, 0o750),
        Step("dir", LIB / "prompts", 0o750), Step("dir", LIB / "backups", 0o700),
        Step("render", ASTERISK_BASE),
        Step("file", ETC / "kontakt.yaml", 0o640, text=_shipped_config, keep=True),
        Step("file", ETC / "kontakt.toml", 0o600, keep=True,
             text=lambda: settings_toml(args, state)),
        Step("prompts", LIB / "prompts"),
        Step("database", LIB / "kontakt.db"),
        Step("file", LOGROTATE, 0o644, text=logrotate_conf()),
        Step("file", UNITS / "kontakt-asterisk.service", 0o644, text=asterisk_unit(conf)),
        Step("file", UNITS / "kontakt.service", 0o644, text=kontakt_unit(kontakt_bin)),
        Step("command", None, text=f"chown -R {USER}:{USER} {ETC} {LIB} {LOG}"),
        Step("command", None, text="systemctl daemon-reload"),
        Step("command", None, text="systemctl enable --now mosquitto kontakt-asterisk kontakt"),
    ]


def apply(steps: list[Step], root: Path, args: argparse.Namespace, state: dict[str, Any],
          *, dry_run: bool) -> list[Done]:
    done = []
    for step in steps:
        target = under(root, step.path) if step.path is not None else None
        if step.what == "command":
            done.append(Done(step, "skipped (--root: nothing is installed)"))
        elif dry_run:
            exists = target is not None and target.exists()
            verb = {"dir": "make", "file": "write", "render": "render", "prompts": "build",
                    "database": "migrate"}[step.what]
            done.append(Done(step, "would keep" if exists and step.keep else f"would {verb}"))
        elif step.what == "dir":
            assert target is not None and step.mode is not None
            target.mkdir(parents=True, exist_ok=True)
            target.chmod(step.mode)
            done.append(Done(step, "made"))
        elif step.what == "render":
            assert target is not None
            state["asterisk"] = _render(args, target)
            done.append(Done(step, "rendered"))
        elif step.what == "prompts":
            assert target is not None
            done.append(Done(step, _prompts(under(root, ETC / "kontakt.yaml"), target)))
        elif step.what == "database":
            assert target is not None
            done.append(Done(step, _database(target, args, state)))
        else:
            assert target is not None
            done.append(Done(step, _write(step, target)))
    return done


def under(root: Path, path: PurePosixPath) -> Path:
    return root / str(path).lstrip("/")


def _write(step: Step, target: Path) -> str:
    assert step.mode is not None and step.text is not None
    if step.keep and target.exists():
        return "kept"
    text = step.text() if callable(step.text) else step.text
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.new")
    tmp.touch(mode=0o600)  # never readable by others, not even for a moment
    tmp.write_text(text)
    tmp.chmod(step.mode)
    tmp.replace(target)
    return "written"


def _render(args: argparse.Namespace, out: Path) -> Any:
    from kontakt.commands.asterisk import render_installation

    ns = argparse.Namespace(out=str(out), agents=args.agents, sip_port=args.sip_port,
                            ami_port=args.ami_port, agi_port=args.agi_port,
                            carrier=args.carrier, carrier_port=args.carrier_port,
                            city=args.city, city_port=args.city_port, bind=args.bind,
                            rtp=args.rtp, supervisors=args.supervisors)
    _conf, cfg, _secrets = render_installation(ns)
    return cfg


def _prompts(config: Path, out: Path) -> str:
    from dialplan.loader import load_config
    from ivr.prompts import build

    report = build(load_config(str(config)), out)
    return f"built ({len(report.made)} made, {len(report.unchanged)} unchanged)"


def _database(db: Path, args: argparse.Namespace, state: dict[str, Any]) -> str:
    """Migrate the database; the first administrator when there is no user yet
    (password from --admin-password-file, else generated and printed once)."""
    import asyncio

    from kontakt import migrate
    from kontakt.admin import first_admin

    url = f"sqlite+aiosqlite:///{db}"
    asyncio.run(migrate.upgrade(url))
    db.chmod(0o600)
    made = asyncio.run(first_admin(url, args.admin, getattr(args, "admin_password", None)))
    if made is None:
        return "migrated (users exist: no administrator added)"
    state["admin"] = made
    return f"migrated, administrator {args.admin!r} added"


def _shipped_config() -> str:
    from dialplan.loader import default_path

    return Path(default_path()).read_text("utf-8")


def settings_toml(args: argparse.Namespace, state: dict[str, Any]) -> str:
    cfg = state["asterisk"]
    return f"""# kontakt settings (written by `kontakt setup`; mode 600: it holds secrets)
[kontakt]
config = "{ETC / 'kontakt.yaml'}"
prompts_dir = "{LIB / 'prompts'}"
database_url = "sqlite+aiosqlite:///{LIB / 'kontakt.db'}"
queue_log = "{LOG / 'queue_log'}"
run_dir = "/run/kontakt"
backup_dir = "{LIB / 'backups'}"
ami_host = "127.0.0.1"
ami_port = {cfg.ami_port}
ami_username = "{cfg.ami_user}"
ami_secret = "{cfg.ami_secret}"
agi_host = "127.0.0.1"
agi_port = {cfg.agi_port}
http_host = "{args.http_host}"
http_port = {args.http_port}
mqtt_host = "127.0.0.1"
mqtt_port = {args.mqtt_port}
seats = {args.agents}
log_json = true
"""


HARDENING = """NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
"""


def asterisk_unit(conf: PurePosixPath) -> str:
    return f"""[Unit]
Description=Asterisk for kontakt (private configuration)
Documentation=https://github.com/novisad/kontakt
After=network-online.target
Wants=network-online.target
# Debian's own Asterisk would take the same SIP and AMI ports.
Conflicts=asterisk.service

[Service]
Type=simple
User={USER}
Group={USER}
ExecStart=/usr/sbin/asterisk -C {conf} -f -U {USER} -G {USER}
ExecReload=/usr/sbin/asterisk -C {conf} -rx "core reload"
Restart=on-failure
RestartSec=2
{HARDENING}ReadWritePaths={ASTERISK_BASE}

[Install]
WantedBy=multi-user.target
"""


def kontakt_unit(kontakt_bin: str) -> str:
    return f"""[Unit]
Description=kontakt contact-center engine
Documentation=https://github.com/novisad/kontakt
After=network-online.target kontakt-asterisk.service mosquitto.service
Wants=network-online.target kontakt-asterisk.service mosquitto.service

[Service]
Type=simple
User={USER}
Group={USER}
Environment=KONTAKT_SETTINGS={ETC / 'kontakt.toml'}
ExecStart={kontakt_bin} run
# SIGHUP: reload the configuration; SIGTERM: close FastAGI first (callers go to
# app_queue), leave talking calls alone, flush the outbox, exit 0.
ExecReload=/bin/kill -HUP $MAINPID
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=2
RuntimeDirectory=kontakt
RuntimeDirectoryMode=0750
{HARDENING}ReadWritePaths={LIB} {LOG}

[Install]
WantedBy=multi-user.target
"""


def logrotate_conf() -> str:
    """Rotation that loses no line: the files are moved (never copytruncate);
    `kontakt run` reopens its queue_log when the path names another file,
    Asterisk reopens its logs on `logger reload`."""
    return f"""# Written by `kontakt setup`.  No copytruncate: a line written between the
# copy and the truncate would be lost.  The files are renamed; the writers
# reopen (kontakt at its next line, Asterisk on `logger reload`).
{LOG}/queue_log {LOG}/*.log {{
    daily
    rotate 400
    dateext
    compress
    delaycompress
    missingok
    notifempty
    create 0640 {USER} {USER}
}}

{ASTERISK_BASE}/log/queue_log {ASTERISK_BASE}/log/messages {{
    daily
    rotate 90
    dateext
    compress
    delaycompress
    missingok
    notifempty
    create 0640 {USER} {USER}
    sharedscripts
    postrotate
        /usr/sbin/asterisk -C {ASTERISK_BASE / 'etc' / 'asterisk.conf'} -rx 'logger reload' \
            >/dev/null 2>&1 || true
    endscript
}}
"""


def kontakt_binary() -> str:
    """The `kontakt` script of this installation (beside the running Python)."""
    import sys

    found = Path(sys.executable).parent / "kontakt"
    return str(found if found.exists() else shutil.which("kontakt") or "/usr/local/bin/kontakt")
