"""`kontakt asterisk render`: a production configuration, secrets kept."""

from __future__ import annotations

import json
import stat

from kontakt.cli import main


def test_render_for_an_installation_keeps_its_secrets(tmp_path, capsys):
    out = tmp_path / "pbx"
    args = ["asterisk", "render", "--out", str(out), "--agents", "3",
            "--carrier", "10.20.30.40/32", "--bind", "192.0.2.10"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    secrets = json.loads((out / "kontakt-secrets.json").read_text())
    assert stat.S_IMODE((out / "kontakt-secrets.json").stat().st_mode) == 0o600
    assert secrets["ami_secret"] in printed and len(secrets["ami_secret"]) >= 24
    pjsip = (out / "etc" / "pjsip.conf").read_text()
    assert "bind = 192.0.2.10:5060" in pjsip and "match = 10.20.30.40/32" in pjsip
    assert pjsip.count("type = auth") == 3 and "registers" in pjsip
    assert "bindaddr = 127.0.0.1" in (out / "etc" / "manager.conf").read_text()
    assert main(args) == 0  # again: same secrets
    assert json.loads((out / "kontakt-secrets.json").read_text()) == secrets


def test_render_refuses_bad_arguments_in_one_line(tmp_path, capsys):
    assert main(["asterisk", "render", "--out", str(tmp_path), "--rtp", "9-1"]) == 2
    err = capsys.readouterr().err
    assert "--rtp" in err and "Traceback" not in err
