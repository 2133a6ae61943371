"""What a batch of citizens takes from the rig it gives back when it ends:
its ports, its sipp process and the place in ``citizen_procs``, its files.
More batches than the port block could lend once, in waves, all served."""

from __future__ import annotations

import asyncio

import pytest

from asterisk.ports import PortBlockError
from asterisk.rig import CITY_NUMBER, FREE_NUMBER, RigStopped

from .conftest import needs_rig

pytestmark = [pytest.mark.rig, needs_rig]


def _batch_files(rig) -> list[str]:
    return sorted(p.name for p in (rig.base / "sipp").glob("citizens*"))


async def test_batches_give_back_ports_processes_and_files(harness):
    h = await harness(1, talk_ms=300)
    rig = h.rig
    lendable = rig.ports.available
    per_wave = 5
    waves = lendable // (6 * per_wave) + 2  # more batches in all than the block could lend
    for wave in range(waves):
        procs = [
            await rig.call([(f"02140{wave:02d}{i:03d}", FREE_NUMBER)], rate=10)
            for i in range(per_wave)
        ]
        assert rig.ports.available == lendable - per_wave * 6
        assert [await p.wait(20) for p in procs] == [0] * per_wave
        await h.until(lambda: not rig.citizen_procs and not rig._reapers, 10, "batches released")
        assert rig.ports.available == lendable
        assert _batch_files(rig) == []
    await h.until(lambda: h.ledger.answered == waves * per_wave, 20, "every call answered")
    assert h.ledger.lost == 0


async def test_a_full_block_refuses_a_batch_loudly_and_lends_again_once_one_ends(harness):
    h = await harness(1, talk_ms=300)
    rig = h.rig
    held = []
    while rig.ports.available >= 6:
        held.append(rig.ports.take(6))  # every batch's worth lent out
    with pytest.raises(PortBlockError) as e:
        await rig.call([("0214001001", CITY_NUMBER)])
    assert e.value.code == "ports.exhausted"
    assert rig.citizen_procs == [] and _batch_files(rig) == []
    rig.ports.give_back(held.pop(), 6)
    p = await rig.call([("0214001001", CITY_NUMBER)], rate=10, hold_ms=500)
    assert await p.wait(30) == 0
    await h.until(lambda: h.ledger.answered == 1 and not rig.citizen_procs, 10, "served")
    await rig.stop()  # once here, again by the fixture: a stopped rig takes no calls
    with pytest.raises(RigStopped) as e:
        await rig.call([("0214001002", CITY_NUMBER)])
    assert e.value.code == "rig.stopped"


async def test_a_failed_batch_keeps_its_files_to_read_within_a_bound(harness):
    h = await harness(1, engine=False)
    rig = h.rig
    rig.keep_failed = 2
    lendable = rig.ports.available
    for i in range(3):
        # A key sipp has no sound file for: sipp refuses the scenario and exits.
        p = await rig.call([(f"021400100{i}", CITY_NUMBER)], dtmf="x")
        assert await asyncio.wait_for(p.proc.wait(), 30) != 0
    await h.until(lambda: not rig.citizen_procs and not rig._reapers, 10, "batches released")
    assert {f.split(".")[0] for f in _batch_files(rig)} == {"citizens2", "citizens3"}
    assert rig.ports.available == lendable
