"""The one outcome type: the IVR session's result, what the walk behind
`kontakt route` holds, and the {operator: SKILL} skill in it, language first."""

from __future__ import annotations

from datetime import datetime

import pytest

from dialplan.loader import default_path, parse_config
from dialplan.outcome import Action, Outcome
from ivr.engine import IvrError, IvrSession
from ivr.walk import RouteDecision, Waiting, route

OPEN = datetime.fromisoformat("2026-12-01T10:00")   # a Tuesday, Belgrade time
NIGHT = datetime.fromisoformat("2026-12-01T20:00")
CITY, FREE = "021 4807 900", "0800 021 021"
# The shipped configuration with one more main-menu key: 4, an operator who
# also knows the water and sewage department (vodovod).
WITH_SKILL = default_path().read_text("utf-8").replace(
    "        9: repeat\n", "        9: repeat\n        4: {operator: vodovod}\n", 1)
# Every key `kontakt route` printed before the outcome type (the CLI adds "at").
ROUTE_KEYS = {"open", "action", "reason", "language", "menu_path", "caller_e164", "number",
              "skills", "prompts", "waiting_in"}


@pytest.fixture(scope="module")
def skilled():
    return parse_config(WITH_SKILL)


def walk(config, keys, caller="0641234567", to=CITY, at=OPEN) -> IvrSession:
    s = IvrSession(config, caller=caller, dialled=to, at=at)
    s.start()
    for k in keys:
        s.answer(k)
    return s


def test_operator_skill_follows_the_language_in_the_outcome(skilled):
    s = walk(skilled, ["2", "4"])
    assert s.finished
    out = s.result()
    assert out == Outcome(Action.QUEUE, out.reason, "hu", skills=("hu", "vodovod"),
                          caller="+381641234567", menu_path=("language/2=hu", "main/4"))
    assert out.needs == ("hu", "vodovod")
    assert out.reason.startswith("open: ") and "chose an operator in menu 'main'" in out.reason


def test_plain_operator_and_retries_need_the_language_only(config):
    assert walk(config, ["3", "1"]).result().skills == ("sk",)
    out = walk(config, ["1", "7", "7", "7"]).result()
    assert (out.action, out.skills) == (Action.QUEUE, ("sr",))
    assert "no valid choice in 'main' after 3 tries" in out.reason


def test_every_other_ending_is_an_outcome_too(config):
    rejected = walk(config, [], caller="0641234567", to=FREE).result()
    assert (rejected.action, rejected.caller) == (Action.REJECT, "+381641234567")
    night = walk(config, ["1"], caller="0641234567", at=NIGHT).result()
    assert (night.action, night.caller, night.skills) == (Action.CALLBACK, "+381641234567", ())
    assert night.menu_path == ("closed", "closed/1=callback")
    assert walk(config, [""], at=NIGHT).result().action == Action.CLOSED
    assert walk(config, [], caller=None, at=NIGHT).result().action == Action.CLOSED


def test_result_before_the_end_is_a_loud_error(config):
    s = walk(config, ["1"])
    with pytest.raises(IvrError) as e:
        s.result()
    assert e.value.code == "ivr.unexpected_event"
    assert e.value.details == {"state": "menu", "event": "result()"}


def test_the_walk_holds_the_sessions_outcome(skilled):
    d = route(skilled, to_number=CITY, from_number="0641234567", at=OPEN, digits=["2", "4"])
    assert d.outcome == walk(skilled, ["2", "4"]).result() and d.waiting is None
    assert (d.action, d.language, d.skills) == ("queue", "hu", ("hu", "vodovod"))
    j = d.to_dict()
    assert set(j) == ROUTE_KEYS and j["skills"] == ["hu", "vodovod"]
    assert j["reason"] == d.outcome.reason and j["menu_path"] == ["language/2=hu", "main/4"]


def test_a_walk_that_stops_in_the_ivr_has_no_outcome(config):
    d = route(config, to_number=CITY, from_number="0641234567", at=OPEN, digits=["1"])
    assert d.outcome is None and d.waiting == Waiting("menu", d.reason, "main")
    assert set(d.to_dict()) == ROUTE_KEYS and d.to_dict()["skills"] == []
    d = route(config, to_number=CITY, from_number="0641234567", at=NIGHT)
    assert (d.action, d.waiting_in, d.outcome) == ("closed", "callback_offer", None)
    d = route(config, to_number=CITY, from_number="0641234567", at=OPEN,
              digits=["1", "2", "12345#"])
    assert (d.action, d.waiting_in) == ("status", None) and "request 12345" in d.reason


def test_a_rejected_walk_prints_no_language(config):
    d = route(config, to_number=FREE, from_number="0641234567", at=OPEN)
    assert d.outcome is not None and d.outcome.action == Action.REJECT
    assert d.to_dict()["language"] is None and d.outcome.language == "sr"


def test_a_decision_is_either_an_outcome_or_waiting():
    common = {"open": True, "number": "+381214807900", "caller_e164": None, "language": "sr"}
    with pytest.raises(ValueError, match="exactly one"):
        RouteDecision(**common)
    with pytest.raises(ValueError, match="exactly one"):
        RouteDecision(**common, outcome=Outcome(Action.QUEUE, "x"),
                      waiting=Waiting("menu", "x", "main"))
