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


def test_ami_is_loopback_only_and_every_user_denies_the_rest(tmp_path, capsys):
    out = tmp_path / "pbx"
    assert main(["asterisk", "render", "--out", str(out), "--agents", "2"]) == 0
    manager = (out / "etc" / "manager.conf").read_text()
    assert "bindaddr = 127.0.0.1" in manager
    users = manager.split("\n[")[2:]  # after [general]
    assert len(users) == 2  # the engine's user and the monitor
    for user in users:
        acl = [ln for ln in user.splitlines() if ln.startswith(("deny", "permit"))]
        assert acl == ["deny = 0.0.0.0/0.0.0.0", "deny = ::/0",
                       "permit = 127.0.0.1/255.255.255.255"]


def test_ami_for_an_engine_on_another_host(tmp_path, capsys):
    out = tmp_path / "pbx"
    assert main(["asterisk", "render", "--out", str(out), "--ami-bind", "10.1.2.4",
                 "--ami-permit", "10.1.2.5/32", "--ami-permit", "10.1.3.0/24"]) == 0
    manager = (out / "etc" / "manager.conf").read_text()
    assert "bindaddr = 10.1.2.4" in manager
    assert manager.count("permit = 10.1.3.0/255.255.255.0") == 2
    assert "permit = 127.0.0.1" not in manager
    assert main(["asterisk", "render", "--out", str(out), "--ami-permit", "anyone"]) == 2
    assert "'anyone' is not an address" in capsys.readouterr().err
