"""A caller who picks a menu option ``{operator: SKILL}`` is answered by an
agent who has the skill, and an idle agent without it, idle for longer, is
passed over: the IVR's outcome reaches the distributor through the engine."""

from __future__ import annotations

import shutil
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from asterisk.rig import CITY_NUMBER, PhoneBehaviour, Rig
from dialplan.outcome import Action
from ivr.prompts import PromptLibrary, build
from kontakt.bootstrap import Options, bootstrap
from kontakt.settings import Settings
from tests.ivr.test_ivr_rig import Bench, keying_citizen

pytestmark = [
    pytest.mark.rig,
    pytest.mark.skipif(any(shutil.which(t) is None for t in ("asterisk", "sipp", "espeak-ng",
                                                              "sox")),
                       reason="asterisk, sipp, espeak-ng and sox come from asterisk/install.sh"),
]

OPEN = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Belgrade"))  # a Tuesday


def config_with_water_option(tmp_path):
    """The shipped configuration plus main-menu key 4: an operator who knows
    the water utility's cases."""
    text = resources.files("dialplan").joinpath("default.yaml").read_text("utf-8")
    text = text.replace("        1: operator\n", "        1: operator\n"
                        "        4: {operator: vodovod}\n", 1)
    path = tmp_path / "kontakt.yaml"
    path.write_text(text, "utf-8")
    return path


async def test_menu_skill_routes_to_the_agent_who_has_it(tmp_path):
    config = config_with_water_option(tmp_path)
    prompts = tmp_path / "prompts"
    from dialplan.loader import load_config

    build(load_config(config), prompts)
    rig = Rig(tmp_path / "rig", agents=2, default_phone=PhoneBehaviour(talk_ms=1500))
    system = None
    try:
        ami = await rig.start()
        events: list[dict[str, str]] = []
        ami.listeners.append(events.append)
        b = Bench(rig, events)
        settings = rig.engine_settings(Settings.load(environ={})).replace(
            router="ivr", config=str(config), prompts_dir=str(PromptLibrary(prompts).root),
            queue_log=str(tmp_path / "queue_log"))
        # agent01 logs in first: idle longest, but without the skill.
        system = await bootstrap(settings, ami, Options(
            tickets=False, wall_clock=lambda: OPEN, on_outcome=b.outcomes.append,
            logins={"agent01": ["sr"], "agent02": ["sr", "vodovod"]}))
        citizen = await keying_citizen(rig, "0214001001", CITY_NUMBER,
                                       [("1", "rfc2833", 5500), ("4", "info", 5000)])
        await b.until(lambda: b.answered_by(), 45, "an agent answers")
        assert b.answered_by() == ["agent02"]
        [out] = b.outcomes
        assert out.action is Action.QUEUE and out.needs == ("sr", "vodovod")
        assert system.engine.acd.agents["agent01"].state.value == "available"
        assert await citizen.wait(30) == 0
    finally:
        if system is not None:
            await system.stop()
        await rig.stop()
