"""queue_log rotated while the engine writes: logrotate's way (rename, then
a new empty file; no copytruncate) and a plain rename with no new file.
Every line written is in exactly one of the files, none lost, none twice."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from asterisk.queue_log import QueueLog

LINES = 20_000


def _read_all(folder: Path) -> list[str]:
    out: list[str] = []
    for f in sorted(folder.iterdir()):
        out.extend(f.read_text().splitlines())
    return out


def test_rotation_while_writing_loses_no_line(tmp_path):
    path = tmp_path / "queue_log"
    qlog = QueueLog(path)
    started = threading.Event()

    def writer() -> None:
        for i in range(LINES):
            qlog.write(f"call-{i}", "agent01", "CONNECT", i)
            if i == 100:
                started.set()

    t = threading.Thread(target=writer)
    t.start()
    started.wait(5)
    n = 0
    while t.is_alive():
        if not path.exists():  # the writer has not reopened yet
            continue
        n += 1
        os.rename(path, tmp_path / f"queue_log.{n:04d}")
        if n % 2:  # logrotate's `create`; the others leave no file at the path
            path.touch()
    t.join()
    qlog.close()
    assert n >= 2, "the writer finished before any rotation"
    lines = _read_all(tmp_path)
    ids = [line.split("|")[1] for line in lines]
    assert len(ids) == LINES and set(ids) == {f"call-{i}" for i in range(LINES)}
    assert all(line.count("|") == 5 for line in lines)  # whole lines only


def test_setup_logrotate_config_moves_files_never_copytruncate():
    from kontakt.setup import logrotate_conf

    text = logrotate_conf()
    assert "copytruncate" not in text.replace("No copytruncate", "")
    assert "/var/log/kontakt/queue_log" in text and "logger reload" in text


def test_real_logrotate_while_writing_loses_no_line(tmp_path):
    import shutil
    import subprocess

    import pytest

    exe = shutil.which("logrotate") or "/usr/sbin/logrotate"
    if not os.path.exists(exe):
        pytest.skip("logrotate is not installed")
    logs = tmp_path / "log"
    logs.mkdir()
    path = logs / "queue_log"
    conf = tmp_path / "rotate.conf"
    conf.write_text(f"{path} {{\n    rotate 1000\n    missingok\n    create 0640\n}}\n")
    qlog = QueueLog(path)
    t = threading.Thread(target=lambda: [qlog.write(f"c{i}", "a", "ENTERQUEUE", i)
                                         for i in range(LINES)])
    t.start()
    rotations = 0
    while t.is_alive() and rotations < 20:
        subprocess.run([exe, "-f", "-s", str(tmp_path / "state"), str(conf)], check=True)
        rotations += 1
    t.join()
    qlog.close()
    ids = [line.split("|")[1] for line in _read_all(logs)]
    assert rotations >= 1 and len(list(logs.iterdir())) >= 2
    assert len(ids) == LINES and set(ids) == {f"c{i}" for i in range(LINES)}
