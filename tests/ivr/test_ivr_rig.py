"""A real call walks the IVR: a private Asterisk, a sipp citizen keying in
DTMF (RFC 2833 from sipp's pcaps), the engine's FastAGI running ``run_ivr``,
and sipp agent phones with language skills.  The caller picks Hungarian and
"operator" and is answered by the Hungarian-speaking agent; what ``run_ivr``
returns is the one ``dialplan.outcome.Outcome``."""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from asterisk import sipp
from asterisk.rig import CITY_NUMBER, FREE_NUMBER, PhoneBehaviour, Rig
from dialplan.holder import ConfigHolder
from dialplan.outcome import Action, Outcome
from ivr.prompts import PromptLibrary, build
from kontakt.bootstrap import Options, System, bootstrap
from kontakt.settings import Settings
from tests.tickets.conftest import db_url  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.rig,
    pytest.mark.skipif(any(shutil.which(t) is None for t in ("asterisk", "sipp", "espeak-ng",
                                                              "sox")),
                       reason="asterisk, sipp, espeak-ng and sox come from asterisk/install.sh"),
]

# A Tuesday morning: the line is open whatever the clock of the test machine says.
OPEN = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Belgrade"))
SKILLS = {"agent01": ["sr"], "agent02": ["hu"], "agent03": ["sk"]}

def keying_scenario(keys: list[tuple[str, str, int]], hold_ms: int) -> str:
    """A citizen who answers prompts: (key, "rfc2833" | "info", ms before it)."""
    body = ""
    for n, (key, how, delay_ms) in enumerate(keys):
        if how == "info":
            body += sipp._UAC_INFO.format(delay_ms=delay_ms, cseq=10 + n, digit=key)
        else:
            body += sipp._UAC_DTMF.format(delay_ms=delay_ms,
                                          pcap=sipp.DTMF_DIR / f"dtmf_2833_{key}.pcap")
    return (sipp._UAC_HEAD.format(patience_ms=30_000) + body
            + sipp._UAC_TAIL.format(hold_ms=hold_ms))


async def keying_citizen(rig: Rig, caller: str, dialled: str, keys: list[tuple[str, str, int]],
                         hold_ms: int = 60_000) -> sipp.SippProcess:
    work = rig.base / "sipp"
    work.mkdir(parents=True, exist_ok=True)
    (work / "keying.xml").write_text(keying_scenario(keys, hold_ms), "utf-8")
    (work / "keying.csv").write_text(f"SEQUENTIAL\n{caller};{dialled};\n", "utf-8")
    proc = await sipp._spawn("keying", work, [
        f"127.0.0.1:{rig.cfg.sip_port}", "-sf", str(work / "keying.xml"),
        "-inf", str(work / "keying.csv"), "-m", "1", "-i", "127.0.0.1",
        "-p", str(rig.ports.take()), "-mp", str(rig.ports.take(4)),
        "-cp", str(rig.ports.take()), "-nostdin", "-trace_err",
        "-error_file", str(work / "keying.errors")])
    rig.citizen_procs.append(proc)  # the rig stops it
    return proc


class Bench:
    def __init__(self, rig: Rig, events: list[dict[str, str]]) -> None:
        self.rig, self.events = rig, events
        self.outcomes: list[Outcome] = []
        self.system: System | None = None

    def answered_by(self) -> list[str]:
        return [e["DestChannel"].split("/")[1].split("-")[0] for e in self.events
                if e.get("Event") == "DialEnd" and e.get("DialStatus") == "ANSWER"
                and e.get("DestChannel", "").startswith("PJSIP/agent")]

    async def until(self, cond, within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not cond():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; outcomes {self.outcomes}")
            await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
def prompts(tmp_path_factory):
    out = tmp_path_factory.mktemp("prompts")
    build(ConfigHolder().current, out)
    return PromptLibrary(out)


def ivr_settings(rig: Rig, tmp_path, prompts: PromptLibrary) -> Settings:
    return rig.engine_settings(Settings.load(environ={})).replace(
        queue_log=str(tmp_path / "queue_log"), router="ivr", prompts_dir=str(prompts.root),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'kontakt.db'}")


@pytest.fixture
async def bench(tmp_path, prompts):
    rig = Rig(tmp_path / "rig", agents=3, default_phone=PhoneBehaviour(talk_ms=1500))
    b = None
    try:
        ami = await rig.start()
        events: list[dict[str, str]] = []
        ami.listeners.append(events.append)
        b = Bench(rig, events)
        # The runtime's own router (the shipped configuration), one snapshot per call.
        b.system = await bootstrap(ivr_settings(rig, tmp_path, prompts), ami, Options(
            tickets=False, wall_clock=lambda: OPEN, on_outcome=b.outcomes.append,
            agents=list(SKILLS), logins=SKILLS))
        yield b
    finally:
        if b is not None and b.system is not None:
            await b.system.stop()
        await rig.stop()


async def test_caller_chooses_hungarian_and_reaches_the_hungarian_agent(bench):
    # Key 2 during the language menu (Hungarian) as RFC 2833 events, key 1 in
    # the main menu (operator) as SIP INFO.
    citizen = await keying_citizen(bench.rig, "0641234567", CITY_NUMBER,
                                   [("2", "rfc2833", 5500), ("1", "info", 5000)])
    await bench.until(lambda: bench.answered_by(), 45, "an agent answers")
    assert bench.answered_by() == ["agent02"]
    [out] = bench.outcomes
    assert (out.action, out.language, out.skills) == (Action.QUEUE, "hu", ("hu",))
    assert out.menu_path == ("language/2=hu", "main/1")
    assert out.caller == "+381641234567"
    assert await citizen.wait(30) == 0


async def test_refused_caller_hears_the_reason_and_is_rejected(bench):
    await bench.rig.call([("0641234567", FREE_NUMBER)], hold_ms=30_000)
    await bench.until(lambda: bench.outcomes, 30, "the IVR's outcome")
    [out] = bench.outcomes
    assert out.action == Action.REJECT and "021 4807 900" in out.reason
    await bench.until(lambda: any(e.get("Event") == "UserEvent"
                                  and e.get("UserEvent") == "KontaktOutcome"
                                  for e in bench.events), 15, "the reject outcome event")
    assert bench.answered_by() == []


async def test_caller_hanging_up_in_the_menu_ends_quietly(bench):
    await bench.rig.call([("0214807901", CITY_NUMBER)], hold_ms=2500)
    await bench.until(lambda: bench.outcomes, 30, "the IVR's outcome")
    [out] = bench.outcomes
    assert out.action == Action.HUNG_UP and bench.answered_by() == []


async def test_a_caller_who_knows_the_menu_keys_ahead(bench):
    # Key 3 (Slovak) during the welcome, key 1 a moment later during the
    # main menu prompt: neither waits for its prompt to finish.
    citizen = await keying_citizen(bench.rig, "+381214807901", CITY_NUMBER,
                                   [("3", "info", 1500), ("1", "info", 1500)])
    await bench.until(lambda: bench.answered_by(), 30, "an agent answers")
    assert bench.answered_by() == ["agent03"]
    [out] = bench.outcomes
    assert (out.action, out.language, out.menu_path) == (Action.QUEUE, "sk",
                                                         ("language/3=sk", "main/1"))
    assert await citizen.wait(30) == 0


CLOSED = datetime(2027, 3, 7, 10, 0, tzinfo=ZoneInfo("Europe/Belgrade"))  # a Sunday


async def test_outside_hours_the_caller_leaves_a_callback_ticket(tmp_path, prompts, db_url):  # noqa: F811
    """Closed: the caller hears the hours, presses 1, and a ticket of kind
    callback with the caller's number is waiting for the morning's agents."""
    rig = Rig(tmp_path / "rig", agents=1)
    system = None
    try:
        ami = await rig.start()
        events: list[dict[str, str]] = []
        ami.listeners.append(events.append)
        b = Bench(rig, events)
        # The whole system, tickets included, on the test's database.
        system = await bootstrap(
            ivr_settings(rig, tmp_path, prompts).replace(database_url=db_url),
            ami, Options(wall_clock=lambda: CLOSED, on_outcome=b.outcomes.append))
        tickets = system.tickets
        await keying_citizen(rig, "0214001001", CITY_NUMBER, [("1", "rfc2833", 6000)])
        await b.until(lambda: b.outcomes, 45, "the IVR's outcome")
        [out] = b.outcomes
        assert out.action == Action.CALLBACK and out.caller == "+381214001001"
        await b.until(lambda: any(e.get("Event") == "UserEvent"
                                  and e.get("Outcome") == "callback" for e in events),
                      15, "the callback outcome event")
        from tickets.domain import Actor

        found = await tickets.search(Actor("agent01", "agent"), kind="callback")
        assert [t["phone"] for t in found] == ["+381214001001"]
        assert found[0]["status"] == "new" and b.answered_by() == []
    finally:
        if system is not None:
            await system.stop()
        await rig.stop()
