"""`kontakt setup --root`: the files, their modes and contents, generated
secrets kept on a second run, --dry-run writing nothing, and the units
accepted by `systemd-analyze verify` without a single warning."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kontakt.cli import main as cli_main
from kontakt.settings import Settings


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _setup(root: Path, *extra: str) -> int:
    return cli_main(["setup", "--root", str(root), "--carrier", "10.1.2.3/32",
                     "--city", "10.1.2.4", "--agents", "4", *extra])


def test_dry_run_writes_nothing(tmp_path, capsys):
    root = tmp_path / "root"
    assert _setup(root, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would write {root}/etc/kontakt/kontakt.toml (mode 600)" in out
    assert "skipped (--root: nothing is installed): apt-get install -y asterisk mosquitto" in out
    assert not root.exists()


def test_files_modes_and_secrets(tmp_path, capsys):
    root = tmp_path / "root"
    assert _setup(root) == 0
    toml = root / "etc/kontakt/kontakt.toml"
    assert _mode(toml) == 0o600
    assert _mode(root / "etc/kontakt") == 0o750
    assert _mode(root / "var/lib/kontakt/backups") == 0o700
    assert _mode(root / "etc/kontakt/kontakt.yaml") == 0o640
    for unit in ("kontakt.service", "kontakt-asterisk.service"):
        assert _mode(root / "etc/systemd/system" / unit) == 0o644
    s = Settings.load(toml, environ={})
    assert len(s.ami_secret) >= 16 and s.seats == 4
    assert s.database_url == "sqlite+aiosqlite:////var/lib/kontakt/kontakt.db"
    assert s.config == "/etc/kontakt/kontakt.yaml" and s.queue_log.startswith("/var/log/kontakt")
    ast = root / "var/lib/kontakt/asterisk"
    secrets = ast / "kontakt-secrets.json"
    assert _mode(secrets) == 0o600 and s.ami_secret in secrets.read_text()
    manager = (ast / "etc/manager.conf").read_text()
    assert "bindaddr = 127.0.0.1" in manager.replace("bindaddr=", "bindaddr = ")
    assert s.ami_secret in manager
    assert "10.1.2.3/32" in (ast / "etc/pjsip.conf").read_text()

    unit = (root / "etc/systemd/system/kontakt.service").read_text()
    for line in ("Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "PrivateTmp=yes", "ReadWritePaths=/var/lib/kontakt /var/log/kontakt",
                 "Environment=KONTAKT_SETTINGS=/etc/kontakt/kontakt.toml", "User=kontakt"):
        assert line in unit.splitlines(), line
    after = re.search(r"^After=(.*)$", unit, re.M)[1].split()
    wants = re.search(r"^Wants=(.*)$", unit, re.M)[1].split()
    assert {"kontakt-asterisk.service", "mosquitto.service"} <= set(after) & set(wants)

    # The prompts are built, the database migrated with its first administrator
    # (the password printed once), the logs rotated without copytruncate.
    assert any((root / "var/lib/kontakt/prompts").rglob("*.wav"))
    db = root / "var/lib/kontakt/kontakt.db"
    assert _mode(db) == 0o600
    out = capsys.readouterr().out
    assert re.search(r"administrator admin: password \S{12,}", out), out
    rotate = (root / "etc/logrotate.d/kontakt").read_text()
    assert "/var/log/kontakt/queue_log" in rotate and "\n    copytruncate" not in rotate
    assert "supervisor01" in (ast / "etc/pjsip.conf").read_text()

    # A second run keeps every secret and the operator's edits.
    first = toml.read_text()
    toml.write_text(first + "# edited by the operator\n")
    before = secrets.read_text()
    capsys.readouterr()
    assert _setup(root) == 0
    out = capsys.readouterr().out
    assert f"kept       {toml}" in out
    assert "users exist: no administrator added" in out and "password" not in out
    assert toml.read_text() == first + "# edited by the operator\n"
    assert secrets.read_text() == before


def test_root_slash_is_refused(capsys):
    assert cli_main(["setup", "--root", "/", "--dry-run"]) == 2
    assert "does not do yet" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    root = tmp_path / "root"
    assert _setup(root) == 0
    units = root / "etc/systemd/system"
    done = subprocess.run(["systemd-analyze", "verify", str(units / "kontakt.service"),
                           str(units / "kontakt-asterisk.service")],
                          capture_output=True, text=True, timeout=60)
    # verify exits 0 even for unknown keys: any word from it is a finding.
    assert done.returncode == 0 and done.stdout.strip() == "" and done.stderr.strip() == "", (
        done.stdout + done.stderr)
