"""kontakt asterisk render: the Asterisk configuration for a real installation.

Writes a complete configuration (AMI on 127.0.0.1 with a generated secret,
PJSIP carrier trunk and agent endpoints with generated passwords, the
inbound dialplan to the engine with the app_queue fallback) into a folder
that `asterisk -C FOLDER/etc/asterisk.conf` runs, and prints the settings
`kontakt run` needs.  Secrets are written once and kept on re-render.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("asterisk", help="render the Asterisk configuration for an installation")
    p.add_argument("action", choices=["render"])
    p.add_argument("--out", required=True, help="folder for the configuration and Asterisk's data")
    p.add_argument("--agents", type=int, default=20, help="operator seats (agent01..agentNN)")
    p.add_argument("--sip-port", type=int, default=5060)
    p.add_argument("--ami-port", type=int, default=5038)
    p.add_argument("--agi-port", type=int, default=4573)
    p.add_argument("--carrier", default="127.0.0.1",
                   help="the carrier's address (PJSIP identify match), e.g. 10.1.2.3/32")
    p.add_argument("--carrier-port", type=int, default=5060)
    p.add_argument("--city", default="127.0.0.1",
                   help="the PBX or gateway that reaches the departments' numbers")
    p.add_argument("--city-port", type=int, default=5060)
    p.add_argument("--bind", default="0.0.0.0", help="SIP listening address")
    p.add_argument("--rtp", default="10000-10999", help="RTP port range")
    p.add_argument("--supervisors", type=int, default=0,
                   help="supervisors' phones (supervisor01..NN) for listening in")
    p.add_argument("--ami-bind", default="127.0.0.1",
                   help="AMI listening address (loopback: the engine runs beside Asterisk)")
    p.add_argument("--ami-permit", action="append", default=None, metavar="NETWORK",
                   help="networks that may log in to AMI (repeatable; default 127.0.0.1/32)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    conf, cfg, secrets_file = render_installation(args)
    print(f"Asterisk configuration: {conf}")
    print(f"  run it:  asterisk -C {conf} -f   (or from a systemd unit)")
    print(f"  secrets: {secrets_file} (mode 600; AMI secret and agent phone passwords)")
    print("Settings for `kontakt run` (a TOML file named by KONTAKT_SETTINGS):")
    print("  [kontakt]")
    print(f"  ami_port = {cfg.ami_port}\n  ami_username = \"{cfg.ami_user}\"")
    print(f"  ami_secret = \"{cfg.ami_secret}\"\n  agi_port = {cfg.agi_port}")
    print(f"  seats = {args.agents}")
    return 0


def render_installation(args: argparse.Namespace) -> tuple[Path, Any, Path]:
    """Render into ``args.out``: (asterisk.conf, the RigConfig, the secrets file).
    `kontakt setup` calls this too."""
    from asterisk.render import RigConfig, agent_id, render
    from kontakt.cli import UserError

    if not 1 <= args.agents <= 99:
        raise UserError("--agents must be 1..99")
    m = re.fullmatch(r"(\d+)-(\d+)", args.rtp)
    if not m or int(m[1]) >= int(m[2]):
        raise UserError(f"--rtp {args.rtp!r}: write START-END, e.g. 10000-10999")
    # `kontakt setup` passes no AMI options: loopback, as by default here.
    bind = getattr(args, "ami_bind", None) or "127.0.0.1"
    permit = tuple(getattr(args, "ami_permit", None) or ("127.0.0.1/32",))
    for item in (bind, *permit):
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise UserError(f"{item!r} is not an address or network (e.g. 10.1.2.3/32)") from None
    out = Path(args.out).resolve()
    secrets_file = out / "kontakt-secrets.json"
    kept = json.loads(secrets_file.read_text()) if secrets_file.exists() else {}
    cfg = RigConfig(
        base=out, sip_port=args.sip_port, ami_port=args.ami_port, agi_port=args.agi_port,
        carrier_port=args.carrier_port, city_port=args.city_port,
        rtp_start=int(m[1]), rtp_end=int(m[2]),
        phone_ports={agent_id(i): 5060 for i in range(1, args.agents + 1)},
        carrier_match=args.carrier, agent_passwords=dict(kept.get("agents", {})),
        sip_bind=args.bind, carrier_host=args.carrier.split("/")[0], city_host=args.city,
        static_phones=False, ami_bind=bind, ami_permit=permit,
        supervisors=int(getattr(args, "supervisors", 0) or 0),
        supervisor_passwords=dict(kept.get("supervisors", {})),
    )
    if kept.get("ami_secret"):
        cfg.ami_secret = kept["ami_secret"]
        cfg.monitor_secret = kept.get("monitor_secret", cfg.monitor_secret)
    conf = render(cfg)
    secrets_file.touch(mode=0o600)  # never readable by others, not even before the chmod
    secrets_file.write_text(json.dumps({"ami_secret": cfg.ami_secret,
                                        "monitor_secret": cfg.monitor_secret,
                                        "agents": cfg.agent_passwords,
                                        "supervisors": cfg.supervisor_passwords}, indent=1))
    secrets_file.chmod(0o600)
    return conf, cfg, secrets_file
