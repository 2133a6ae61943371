"""`kontakt upgrade` with callers talking and waiting: the old engine stops
(SIGTERM), the database is migrated, the new engine starts; talking calls go
on untouched, the waiting callers are served by app_queue during the gap,
the new engine takes the new calls, and no call is dropped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from asterisk.rig import FREE_NUMBER

from .conftest import needs_rig
from .installed import Installation

pytestmark = [pytest.mark.rig, pytest.mark.mqtt, needs_rig, pytest.mark.timeout(900)]


def _connected(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT count(*) FROM call_events WHERE type = 'call.connected'").fetchone()[0]
    finally:
        con.close()


async def test_upgrade_with_callers_talking_and_waiting_drops_none(tmp_path):
    # Calls end when the test has the operators hang up (a loaded machine
    # may take a minute to restart the engine).
    inst = Installation(tmp_path, agents=2, extra_settings={"KONTAKT_ROUTER": "direct"})
    new_pid: int | None = None
    try:
        await inst.start()
        await inst.call([(f"021400200{i}", FREE_NUMBER) for i in range(2)], hold_ms=3_600_000)
        await inst.until(lambda: inst.ledger.talking == 2, 30, "2 talking")
        await inst.call([(f"021400201{i}", FREE_NUMBER) for i in range(2)], hold_ms=3_600_000)
        await inst.until(lambda: inst.ledger.waiting == 2, 30, "2 waiting in the engine")
        talking = {u for u, leg in inst.ledger.legs.items() if leg.talking}
        old_pid = inst.engine.pid
        log = tmp_path / "engine-new.log"
        start = (f"sh -c {shlex.quote(f'exec {sys.executable} -m kontakt run >>{log} 2>&1 &')}")
        r = await inst.kontakt("upgrade", "--start", start, "--timeout", "240")
        assert r.returncode == 0, r.stderr + r.stdout
        assert "database at revision" in r.stdout and "serving" in r.stdout, r.stdout
        assert inst.engine.returncode == 0  # the old engine stopped cleanly
        new_pid = int((inst.root / "run/kontakt/kontakt.pid").read_text())
        assert new_pid != old_pid
        # The talking calls were not touched by the restart.
        assert talking <= {u for u, leg in inst.ledger.legs.items() if leg.talking}
        # The two waiting callers went on to app_queue.
        await inst.until(lambda: sum(leg.fallback for leg in inst.ledger.legs.values()) == 2, 30,
                         "the waiting callers in app_queue")
        # The new engine takes the calls that come after it.
        lib = inst.root / "var/lib/kontakt"
        before = _connected(lib / "kontakt.db")
        # The operators end the first calls; app_queue gives them its two callers.
        assert await inst.operators_hang_up() == 2
        await inst.until(lambda: inst.ledger.answered == 2 and inst.ledger.talking == 2, 90,
                         "app_queue's callers with the operators")
        await inst.call([("0214002100", FREE_NUMBER)], hold_ms=3_600_000)
        await inst.until(lambda: inst.ledger.waiting == 1, 60, "a new caller waits")
        assert await inst.operators_hang_up() == 2
        await inst.until(lambda: inst.ledger.answered == 4 and inst.ledger.talking == 1, 90,
                         "the new engine connects it")
        await inst.operators_hang_up()
        await inst.until(lambda: inst.ledger.offered == 5 and inst.ledger.in_progress == 0, 60,
                         "every call served and ended")
        s = inst.ledger.summary()
        assert (s["answered"], s["lost"], s["abandoned"], s["fallback"]) == (5, 0, 0, 2), s
        # The new engine connected it (its event log writes within ~200 ms).
        await inst.until(lambda: _connected(lib / "kontakt.db") == before + 1, 10,
                         "the new engine's call.connected in its event log")
        assert "Traceback" not in log.read_text()
    finally:
        if new_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(new_pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(new_pid, 0)
                except ProcessLookupError:
                    break
                await asyncio.sleep(0.1)
        await inst.stop()
