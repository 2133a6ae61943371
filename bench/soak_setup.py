"""What the soak gives `kontakt run` before it starts, all through the
engine's public interfaces: a settings file, a configuration file (the
shipped one, open around the clock: `kontakt run` reads the real clock and
the soak must be a working day whatever the hour), the schema and an admin
(`kontakt db upgrade`, `kontakt user add`), then the workstation users over
HTTP and the agents' logins over the control socket."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import yaml

import dialplan
from bench.soak_http import JsonClient

# The demo's operators (kontakt.demo.DEMO_SKILLS): every one speaks Serbian,
# three also Hungarian, three also Slovak.
SKILLS = {
    **{f"agent{i:02d}": ["sr"] for i in range(1, 15)},
    **{f"agent{i:02d}": ["sr", "hu"] for i in range(15, 18)},
    **{f"agent{i:02d}": ["sr", "sk"] for i in range(18, 21)},
}
OPEN_ALL_DAY = "00:00-24:00"


def soak_config(path: Path) -> Path:
    """The shipped configuration with hours open every day, all day."""
    shipped = Path(dialplan.__file__).with_name("default.yaml")
    doc = yaml.safe_load(shipped.read_text("utf-8"))
    doc["hours"] = {"weekly": {"mon-fri": OPEN_ALL_DAY, "sat": OPEN_ALL_DAY,
                               "sun": OPEN_ALL_DAY},
                    "public_holidays": "none", "callback": True, "special": []}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def settings_file(path: Path, values: dict[str, Any]) -> Path:
    lines = ["[kontakt]"]
    for k, v in values.items():
        if isinstance(v, bool):
            lines.append(f"{k} = {'true' if v else 'false'}")
        elif isinstance(v, int | float):
            lines.append(f"{k} = {v}")
        else:
            lines.append(f'{k} = "{v}"')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def new_password() -> str:
    return secrets.token_urlsafe(12)


async def add_users(base_url: str, admin_password: str, password: str, agents: list[str],
                    departments: list[str]) -> int:
    """The supervisor, one user per agent seat, one staff user per department."""
    plan: list[dict[str, Any]] = [{"username": "supervisor", "role": "supervisor"}]
    plan += [{"username": a, "role": "agent", "agent_id": a} for a in agents]
    plan += [{"username": f"staff-{d}"[:32], "role": "department", "department": d}
             for d in departments]
    host, _, port = base_url.removeprefix("http://").partition(":")
    client = JsonClient(host, int(port), timeout=30)
    try:
        r = await client.request("POST", "/api/token", json_body={
            "username": "admin", "password": admin_password})
        if r.status != 200:
            raise RuntimeError(f"admin login: HTTP {r.status} {r.body[:200]!r}")
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        for user in plan:
            r = await client.request("POST", "/api/users", json_body={**user,
                                     "password": password}, headers=auth)
            if r.status not in (201, 409):
                raise RuntimeError(f"adding {user['username']}: HTTP {r.status} {r.body!r}")
    finally:
        await client.aclose()
    return len(plan)


def departments_of(config: Path) -> list[str]:
    doc = yaml.safe_load(config.read_text("utf-8"))
    return [str(d["id"]) for d in doc.get("departments", [])]


class MailSink:
    """A local SMTP server (aiosmtpd) for the citizens' notifications."""

    def __init__(self) -> None:
        self.received = 0
        self.controller: Any = None
        self.port = 0

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        from asterisk.ports import free_tcp_port

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.received += 1
                return "250 OK"

        self.port = free_tcp_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
