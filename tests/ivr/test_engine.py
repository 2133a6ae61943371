"""The pure IVR engine: events in, commands out, one transition table."""

from datetime import datetime

import pytest

from ivr.engine import (
    TRANSITIONS,
    Closed,
    Digits,
    IvrError,
    IvrSession,
    LookupStatus,
    Play,
    ReadDigits,
    RecordCallback,
    Reject,
    SayDigits,
    Start,
    StatusResult,
    Timeout,
    ToOperator,
)

OPEN = datetime.fromisoformat("2026-12-01T10:00")
NIGHT = datetime.fromisoformat("2026-12-01T20:00")


def session(config, caller="0214807901", dialled="0800021021", at=OPEN):
    return IvrSession(config, caller=caller, dialled=dialled, at=at)


def test_start_offers_the_languages_each_in_its_own_language(config):
    s = session(config)
    cmds = s.send(Start())
    assert cmds[0] == Play("welcome", "sr")
    read = cmds[1]
    assert isinstance(read, ReadDigits) and read.max_digits == 1 and read.timeout == 5
    assert read.prompts == ("language_choice",) * 3 and read.languages == ("sr", "hu", "sk")
    assert s.state == "language"


def test_language_then_operator_with_that_language_as_skill(config):
    s = session(config)
    s.start()
    [menu] = s.send(Digits("2"))
    assert menu == ReadDigits(("main_menu",), "hu", 5.0, 1)
    cmds = s.send(Digits("1"))
    assert cmds == [Play("to_operator", "hu"),
                    ToOperator("hu", ("hu",), "chose an operator in menu 'main'")]
    assert s.finished and s.menu_path == ["language/2=hu", "main/1"]


def test_invalid_input_repeats_the_menu_then_goes_to_an_operator(config):
    s = session(config)
    s.start()
    s.answer("1")
    assert s.send(Digits("7")) == [Play("invalid", "sr"), ReadDigits(("main_menu",), "sr", 5, 1)]
    assert s.send(Timeout()) == [ReadDigits(("main_menu",), "sr", 5, 1)]
    cmds = s.send(Digits("8"))  # retries: 2 -> the third miss goes to an operator
    assert isinstance(cmds[-1], ToOperator) and cmds[-1].language == "sr"
    assert "after 3 tries" in cmds[-1].reason


def test_silence_at_the_language_menu_reaches_an_operator_in_the_default_language(config):
    s = session(config)
    s.start()
    s.send(Timeout())
    s.send(Timeout())
    cmds = s.send(Timeout())
    assert cmds[-1] == ToOperator("sr", ("sr",), "no valid choice in 'language' after 3 tries")


def test_status_of_a_request(config):
    s = session(config)
    s.start()
    s.answer("1")
    [ask] = s.send(Digits("2"))
    assert ask.prompts == ("status_ask",) and ask.max_digits == 11
    assert s.send(Digits("2027123#")) == [LookupStatus("2027123")]
    with pytest.raises(IvrError):
        s.send(Digits("1"))  # nothing but the lookup's result now
    cmds = s.send(StatusResult("resolved"))
    assert cmds[:3] == [Play("status_is", "sr"), SayDigits("2027123", "sr"),
                        Play("status_resolved", "sr")]
    assert cmds[3] == ReadDigits(("main_menu",), "sr", 5, 1)  # back in the menu
    s.answer("2")
    s.answer("999#")
    assert s.send(StatusResult(None))[0] == Play("status_unknown", "sr")


def test_submenu_play_and_back(config):
    s = session(config)
    s.start()
    s.answer("3")
    assert s.answer("3") == [ReadDigits(("info_menu",), "sk", 5, 1)]
    assert s.answer("2") == [Play("info_web", "sk"), ReadDigits(("info_menu",), "sk", 5, 1)]
    assert s.answer("0") == [ReadDigits(("main_menu",), "sk", 5, 1)]
    assert s.answer("9") == [ReadDigits(("main_menu",), "sk", 5, 1)]  # repeat


def test_refused_caller(config):
    s = session(config, caller="0641234567")
    cmds = s.start()
    assert cmds[0] == Play("free_only_021", "sr") and isinstance(cmds[1], Reject)
    assert s.finished
    with pytest.raises(IvrError) as e:
        s.send(Digits("1"))
    assert e.value.code == "ivr.unexpected_event"
    assert e.value.details == {"state": "done", "event": "Digits"}


def test_closed_callback(config):
    s = session(config, caller="0641234567", dialled="0214807900", at=NIGHT)
    cmds = s.start()
    assert cmds[:2] == [Play("welcome", "sr"), Play("closed", "sr")]
    assert cmds[2] == ReadDigits(("callback_offer",), "sr", 5, 1)
    cmds = s.answer("1")
    assert cmds[0] == Play("callback_recorded", "sr")
    assert isinstance(cmds[1], RecordCallback) and cmds[1].caller == "+381641234567"


def test_closed_without_callback(config):
    s = session(config, caller="0641234567", dialled="0214807900", at=NIGHT)
    s.start()
    assert isinstance(s.send(Timeout())[-1], Closed)


def test_impossible_events_are_loud(config):
    s = session(config)
    with pytest.raises(IvrError, match="state 'new' cannot take Digits"):
        s.send(Digits("1"))
    s.start()
    with pytest.raises(IvrError):
        s.send(Start())
    with pytest.raises(IvrError):
        s.send(StatusResult("active"))


def test_the_table_is_the_only_source_of_legal_moves():
    states = {st for st, _ in TRANSITIONS}
    assert states == {"new", "language", "menu", "status_number", "status_lookup",
                      "callback_offer"}
