"""The routing decision (shared by live calls and `kontakt route`)."""

from datetime import datetime

import pytest

from dialplan.loader import load_config, parse_config
from dialplan.routing import admit
from ivr.walk import route

CFG = load_config()
OPEN = datetime.fromisoformat("2026-12-01T10:00")    # a Tuesday, Belgrade time
NIGHT = datetime.fromisoformat("2026-12-01T20:00")
FREE, CITY = "0800 021 021", "021 4807 900"


@pytest.mark.parametrize("caller", ["0214807901", "214807901", "+381214807901",
                                    "00381214807901", "381214807901"])
def test_free_number_takes_area_021(caller):
    d = route(CFG, to_number=FREE, from_number=caller, at=OPEN)
    assert (d.open, d.action, d.number, d.caller_e164) == \
        (True, "menu", "+381800021021", "+381214807901")


@pytest.mark.parametrize("caller", ["0641234567", "+381 64 123 4567", "0113345678",
                                    "+3612345678", None, "anonymous", "garbage"])
def test_free_number_refuses_others_and_tells_them_the_city_number(caller):
    d = route(CFG, to_number=FREE, from_number=caller, at=OPEN)
    assert d.action == "reject" and not d.open
    assert "021 4807 900" in d.reason and d.prompts == ("sr/free_only_021",)


def test_refused_at_any_hour_not_closed():
    d = route(CFG, to_number=FREE, from_number="0641234567", at=NIGHT)
    assert d.action == "reject"


def test_unknown_caller_rule_is_configurable(minimal):
    cfg = parse_config(minimal.replace('refusal_prompt: free_only_021',
                                       'refusal_prompt: free_only_021\n    unknown_caller: accept'))
    assert route(cfg, to_number=FREE, from_number=None, at=OPEN, digits=["1"]).action == "queue"
    assert route(cfg, to_number=FREE, from_number="0641234567", at=OPEN).action == "reject"


@pytest.mark.parametrize("caller", ["0641234567", "0113345678", "+3612345678", None, "0214807901"])
def test_city_number_takes_everyone(caller):
    d = route(CFG, to_number=CITY, from_number=caller, at=OPEN, digits=["1", "1"])
    assert (d.action, d.language, d.skills) == ("queue", "sr", ("sr",))


def test_language_and_menu_path():
    d = route(CFG, to_number=CITY, from_number="0641234567", at=OPEN, digits=["3", "3", "1", "0",
                                                                              "1"])
    assert d.action == "queue" and d.language == "sk" and d.skills == ("sk",)
    assert d.menu_path == ("language/3=sk", "main/3", "info/1", "info/0", "main/1")
    assert "sk/info_hours" in d.prompts


def test_closed_hours_and_callback():
    d = route(CFG, to_number=CITY, from_number="0641234567", at=NIGHT)
    assert (d.open, d.action, d.waiting_in) == (False, "closed", "callback_offer")
    d = route(CFG, to_number=CITY, from_number="0641234567", at=NIGHT, digits=["1"])
    assert d.action == "callback" and d.caller_e164 == "+381641234567"
    d = route(CFG, to_number=CITY, from_number="0641234567", at=NIGHT, digits=[""])
    assert d.action == "closed"
    # an anonymous caller cannot be called back: told the hours only
    d = route(CFG, to_number=CITY, from_number=None, at=NIGHT)
    assert d.action == "closed" and d.prompts[-1] == "sr/goodbye"


def test_holiday():
    d = route(CFG, to_number=CITY, from_number="0214807901",
              at=datetime.fromisoformat("2027-05-04T10:00"))
    assert d.action == "closed" and "Labor Day (observed)" in d.reason


def test_unknown_dialled_number_and_short_did():
    assert route(CFG, to_number="0113000000", from_number=None, at=OPEN).action == "reject"
    assert admit(CFG, to_number="4807900", from_number=None, at=OPEN).dialled == "+381214807900"


def test_to_dict_is_json_ready():
    d = route(CFG, to_number=CITY, from_number="0641234567", at=OPEN, digits=["2"]).to_dict()
    assert {"open", "action", "reason", "language", "menu_path", "caller_e164", "number"} <= set(d)
    assert d["action"] == "menu" and d["waiting_in"] == "main"
