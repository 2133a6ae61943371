"""kontakt config check / reload and kontakt route, run as the CLI runs them."""

import json
import subprocess
import sys
import time

import pytest

from kontakt.cli import main


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for k in ("KONTAKT_SETTINGS", "KONTAKT_CONFIG", "KONTAKT_PID_FILE", "KONTAKT_RUN_DIR"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("KONTAKT_RUN_DIR", str(tmp_path / "run"))


def test_check_default_ok(capsys):
    assert main(["config", "check"]) == 0
    assert "default.yaml: OK (sr, hu, sk;" in capsys.readouterr().out


def test_check_broken_file_lists_every_problem(tmp_path, capsys, minimal):
    p = tmp_path / "k.yaml"
    text = minimal.replace("07:30-15:30", "07:30-15:61").replace("{menu: main}", "{menu: home}")
    p.write_text(text)
    lines = text.splitlines()
    time_line = 1 + next(i for i, s in enumerate(lines) if "15:61" in s)
    menu_line = 1 + next(i for i, s in enumerate(lines) if "home" in s)
    assert main(["config", "check", str(p)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"{p}:{time_line}: hours.weekly.mon-fri: bad time '15:61', "
                      "write HH:MM (00:00-23:59)")
    assert err[1].startswith(f"{p}:{menu_line}: unknown menu target 'home'")
    assert err[-1] == f"{p}: 2 problems"


def test_check_uses_the_config_setting(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KONTAKT_CONFIG", str(tmp_path / "none.yaml"))
    assert main(["config", "check"]) == 1
    assert "none.yaml:0: cannot read" in capsys.readouterr().err


def route_json(args, capsys):
    assert main(["route", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_route_prints_one_json_object(capsys):
    d = route_json(["--to", "0800-021-021", "--from", "021 480 7901",
                    "--at", "2026-12-01T07:30", "--digits", "2,1"], capsys)
    assert d["open"] is True and d["action"] == "queue" and d["language"] == "hu"
    assert d["menu_path"] == ["language/2=hu", "main/1"] and d["at"] == "2026-12-01T07:30:00+01:00"
    d = route_json(["--to", "0800021021", "--from", "064 123 4567",
                    "--at", "2026-12-01T10:00"], capsys)
    assert d["action"] == "reject" and "021 4807 900" in d["reason"]
    d = route_json(["--to", "0214807900", "--from", "0641234567",
                    "--at", "2026-12-01T15:30"], capsys)
    assert d["open"] is False and d["action"] == "closed"
    # an offset is honoured: 14:29:59 UTC is 15:29:59 in Belgrade
    d = route_json(["--to", "0214807900", "--from", "0641234567",
                    "--at", "2026-12-01T14:29:59+00:00"], capsys)
    assert d["open"] is True


def test_route_bad_input_is_one_line(capsys):
    assert main(["route", "--to", "0214807900", "--at", "yesterday"]) == 2
    assert capsys.readouterr().err.startswith("kontakt route: --at 'yesterday'")
    assert main(["route", "--to", "0214807900", "--digits", "1,x"]) == 2
    assert "--digits: 'x'" in capsys.readouterr().err


def test_reload_refuses_a_bad_file(tmp_path, monkeypatch, capsys, minimal):
    p = tmp_path / "k.yaml"
    p.write_text(minimal.replace("start: main", "start: x"))
    monkeypatch.setenv("KONTAKT_CONFIG", str(p))
    assert main(["config", "reload"]) == 1
    assert "refused: the running configuration stays" in capsys.readouterr().err


def test_reload_signals_the_running_engine(tmp_path, monkeypatch, capsys, minimal):
    p = tmp_path / "k.yaml"
    p.write_text(minimal)
    flag = tmp_path / "hup"
    child = subprocess.Popen([sys.executable, "-c", (
        "import signal, sys, time, pathlib\n"
        f"signal.signal(signal.SIGHUP, lambda *a: pathlib.Path({str(flag)!r}).write_text('hup'))\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        pidfile = tmp_path / "kontakt.pid"
        pidfile.write_text(f"{child.pid}\n")
        monkeypatch.setenv("KONTAKT_CONFIG", str(p))
        monkeypatch.setenv("KONTAKT_PID_FILE", str(pidfile))
        assert main(["config", "reload"]) == 0
        assert f"sent SIGHUP to kontakt run (pid {child.pid})" in capsys.readouterr().out
        deadline = time.monotonic() + 5
        # The child's handler writes the flag: wait for its content, not only
        # the file (it exists a moment before it is written; seen in CI).
        while time.monotonic() < deadline and not (flag.exists() and flag.read_text()):
            time.sleep(0.02)
        assert flag.read_text() == "hup"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def test_reload_without_a_running_engine(tmp_path, monkeypatch, capsys, minimal):
    p = tmp_path / "k.yaml"
    p.write_text(minimal)
    monkeypatch.setenv("KONTAKT_CONFIG", str(p))
    assert main(["config", "reload"]) == 0
    assert "nothing to reload" in capsys.readouterr().out


async def test_sighup_handler_reloads_the_holder(tmp_path, minimal):
    import asyncio
    import os
    import signal

    from dialplan.holder import ConfigHolder
    from kontakt.commands.config import install_reload_signal

    p = tmp_path / "k.yaml"
    p.write_text(minimal)
    holder = ConfigHolder(p)
    install_reload_signal(holder)
    try:
        p.write_text(minimal.replace("1: operator", "4: operator"))
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(100):
            if holder.version == 2:
                break
            await asyncio.sleep(0.01)
        assert holder.current.ivr.menu("main").option("4") is not None
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
