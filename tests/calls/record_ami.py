"""Re-record the AMI fixtures of tests/calls from the real rig:

    .venv/bin/python -m tests.calls.record_ami

Each scenario runs a private Asterisk, sipp phones and citizens and the
engine, and keeps the AMI events the call core may act on, in order, as
``fixtures/<scenario>.json``.  The unit tests replay them without a PBX."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from asterisk.rig import FREE_NUMBER, PhoneBehaviour, Rig
from kontakt.bootstrap import Options, bootstrap
from kontakt.settings import Settings

KEEP = {"DialBegin", "DialEnd", "Hangup", "HangupRequest", "SoftHangupRequest",
        "QueueCallerJoin", "QueueCallerLeave", "Newchannel", "BridgeEnter", "BridgeLeave"}
FIELDS = ("Event", "Channel", "Uniqueid", "Linkedid", "CallerIDNum", "DestChannel",
          "DestUniqueid", "DialStatus", "Queue", "Cause", "Position", "Count")
OUT = Path(__file__).parent / "fixtures"


ONLY: set[str] = set()


async def scenario(name: str, agents: int, phones: dict[str, PhoneBehaviour], calls: int,
                   patience_ms: int, settle: float, hold_ms: int = 3_600_000,
                   **settings_kw: object) -> None:
    if ONLY and name not in ONLY:
        return
    with tempfile.TemporaryDirectory(prefix="kontakt-rec-") as tmp:
        rig = Rig(Path(tmp) / "rig", agents=agents, ring_timeout=3,
                  default_phone=PhoneBehaviour(talk_ms=1500), phones=phones)
        ami = await rig.start()
        events: list[dict[str, str]] = []
        ami.listeners.append(events.append)
        s = rig.engine_settings(Settings.load(environ={})).replace(
            router="direct", queue_log=str(Path(tmp) / "ql"), **settings_kw)
        system = await bootstrap(s, ami, Options(
            tickets=False, logins={f"agent{i:02d}": ["sr"] for i in range(1, agents + 1)}))
        try:
            await rig.call([(f"021400100{i}", FREE_NUMBER) for i in range(calls)], rate=5,
                           patience_ms=patience_ms, hold_ms=hold_ms)
            await asyncio.sleep(settle)
        finally:
            await system.stop()
            await rig.stop()
    kept = [{k: e[k] for k in FIELDS if k in e} for e in events if e.get("Event") in KEEP]
    (OUT / f"{name}.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
    print(name, len(kept), "events", file=sys.stderr)


async def main(only: set[str]) -> None:
    ONLY.update(only)
    t0 = time.monotonic()
    # One call, answered by agent01, the citizen hangs up after the talk.
    await scenario("answered", 1, {}, 1, 60_000, 8)
    # agent01 never answers: paused no-answer, agent02 takes the call.
    await scenario("no_answer_then_next", 2, {"agent01": PhoneBehaviour(ring_ms=60_000)},
                   1, 60_000, 14)
    # Two callers, one agent busy for long: the second waits, then is served.
    await scenario("waiting_then_served", 1, {"agent01": PhoneBehaviour(talk_ms=3000)},
                   2, 60_000, 12)
    # The only agent never answers (paused no-answer): the caller waits with
    # music on hold and hangs up 3 s after the engine answered it: abandoned.
    await scenario("abandoned_while_waiting", 1, {"agent01": PhoneBehaviour(ring_ms=60_000)},
                   1, 60_000, 12, hold_ms=3000)
    # The fast path: the dialplan rings the published agent, QueueCallerJoin tells.
    await scenario("fast_path_claimed", 1, {}, 1, 60_000, 8, fast_path=True)
    print(f"recorded in {time.monotonic() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main(set(sys.argv[1:])))
