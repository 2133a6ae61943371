"""kontakt status: the running service's readiness, for a person.

Reads ``/readyz`` of the service at settings ``http_host``/``http_port``
(or ``--url``); exit 0 when ready, 1 when not, 2 when nothing answers.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="is the running service ready? (reads /readyz)")
    p.add_argument("--url", help="base address of the service (default: from settings)")
    p.add_argument("--json", action="store_true", help="print /readyz's JSON as is")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for an answer")
    p.set_defaults(func=main)


def base_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: ask over loopback
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def render(url: str, body: dict[str, Any]) -> str:
    lines = [f"kontakt at {url}: {'READY' if body.get('ready') else 'NOT READY'}"]
    for c in body.get("checks", []):
        mark = "ok  " if c.get("ok") else "FAIL"
        lines.append(f"  {mark} {c.get('name', '?'):<14} {c.get('detail', '')}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    import httpx

    from kontakt.cli import UserError
    from kontakt.settings import Settings

    if args.url:
        url = args.url.rstrip("/")
    else:
        settings = Settings.load(args.settings)
        url = base_url(settings.http_host, settings.http_port)
    try:
        response = httpx.get(f"{url}/readyz", timeout=args.timeout)
        body = response.json()
    except httpx.HTTPError as e:
        raise UserError(f"no answer from {url}/readyz ({e}); is `kontakt run` running?") \
            from None
    except ValueError:
        raise UserError(f"{url}/readyz answered HTTP {response.status_code}, not JSON; "
                        "is that kontakt?") from None
    if response.status_code not in (200, 503) or not isinstance(body, dict):
        raise UserError(f"{url}/readyz answered HTTP {response.status_code}")
    print(json.dumps(body, ensure_ascii=False) if args.json else render(url, body))
    return 0 if response.status_code == 200 and body.get("ready") else 1
