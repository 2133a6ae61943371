"""``run_ivr(defer_farewell=True)`` leaves the "connecting you" prompt for the
engine to play with the ring; without it the IVR plays it itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dialplan.loader import default_path, parse_config
from dialplan.outcome import Action
from ivr.agi import run_ivr
from ivr.prompts import PromptLibrary


class ScriptedAgi:
    """The caller presses 1 during every prompt that asks (language, menu)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_command(self, line: str) -> dict[str, Any]:
        self.sent.append(line)
        if line.startswith("STREAM FILE") and '"' in line and not line.endswith('""'):
            return {"result": (str(ord("1")), "")}
        return {"result": ("0", "")}


@pytest.fixture
def config():
    return parse_config(default_path().read_text("utf-8"))


@pytest.mark.parametrize("defer", [True, False])
async def test_the_farewell_is_left_to_the_engine_when_asked(tmp_path, config, defer):
    agi = ScriptedAgi()
    at = datetime(2027, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Belgrade"))  # a Tuesday
    out = await run_ivr(agi, config, caller="0214001001", dialled="0800021021", at=at,
                        prompts=PromptLibrary(tmp_path), defer_farewell=defer)
    assert out.action is Action.QUEUE
    played = any("to_operator" in line for line in agi.sent)
    if defer:
        assert out.farewell is not None and out.farewell.endswith("generated/sr/to_operator")
        assert not played
    else:
        assert out.farewell is None and played
