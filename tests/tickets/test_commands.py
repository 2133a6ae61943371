"""`kontakt db` and `kontakt ticket` as a user runs them: migrations apply,
tickets open and move, mistakes are one line with no traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def _kontakt(tmp_path, *argv):
    env = {**os.environ, "KONTAKT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'k.db'}",
           "KONTAKT_LOG_LEVEL": "warning"}
    return subprocess.run([sys.executable, "-m", "kontakt", *argv], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_db_upgrade_and_ticket_commands(tmp_path):
    r = _kontakt(tmp_path, "db", "upgrade")
    assert r.returncode == 0, r.stderr
    from kontakt.migrate import head

    assert _kontakt(tmp_path, "db", "current").stdout.strip() == head()
    r = _kontakt(tmp_path, "ticket", "--as", "op1:agent", "open", "--kind", "complaint",
                 "--subject", "Нема воде", "--phone", "0641234567", "--department", "vodovod")
    assert r.returncode == 0, r.stderr
    number = r.stdout.split()[0]
    assert number.startswith("NS-")
    r = _kontakt(tmp_path, "ticket", "--as", "v:department:vodovod", "status", number,
                 "resolved", "--comment", "поправљено")
    assert r.returncode == 0, r.stderr
    r = _kontakt(tmp_path, "ticket", "show", number)
    assert "решен" in r.stdout and "поправљено" in r.stdout
    r = _kontakt(tmp_path, "ticket", "search", "--phone", "+381641234567")
    assert number in r.stdout


def test_mistakes_are_one_line(tmp_path):
    assert _kontakt(tmp_path, "db", "upgrade").returncode == 0
    for argv in (("ticket", "show", "NS-2027-000404"),
                 ("ticket", "--as", "x:janitor", "counts"),
                 ("ticket", "search", "--since", "yesterday")):
        r = _kontakt(tmp_path, *argv)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
