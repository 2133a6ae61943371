"""kontakt prompts: render the configuration's prompt texts to audio."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("prompts", help="IVR prompt audio (espeak-ng + sox)")
    s = p.add_subparsers(dest="prompts_command", required=True, metavar="ACTION")
    b = s.add_parser("build", help="render every prompt text to 8 kHz WAV; recorded files "
                                   "under OUT/recorded/LANG/ take precedence")
    b.add_argument("--config", metavar="PATH", help="configuration (default: setting config)")
    b.add_argument("--out", metavar="DIR", help="prompts directory (default: prompts_dir)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from dialplan.loader import ConfigInvalid, load_config
    from ivr.prompts import PromptBuildError, build
    from kontakt.cli import UserError
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    try:
        config = load_config(args.config or settings.config or None)
    except ConfigInvalid as e:
        raise UserError(f"{e.issues[0]} ({len(e.issues)} problem(s); see kontakt config "
                        "check)", status=1) from None
    out = Path(args.out or settings.prompts_dir)
    try:
        report = build(config, out)
    except PromptBuildError as e:
        raise UserError(str(e)) from None
    print(f"{out.resolve()}: made {len(report.made)}, unchanged {len(report.unchanged)}"
          f"{f', {len(report.recorded)} recorded take precedence' if report.recorded else ''}")
    return 0
