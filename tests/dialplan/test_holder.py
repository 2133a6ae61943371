"""Live reload: a good file is swapped in whole, a bad one is refused and the
running configuration stays; a call keeps the snapshot it started with."""

from datetime import datetime

import pytest

from dialplan.holder import ConfigHolder
from dialplan.loader import ConfigInvalid
from ivr.engine import IvrSession, ToOperator


@pytest.fixture
def cfg_file(tmp_path, minimal):
    p = tmp_path / "kontakt.yaml"
    p.write_text(minimal, "utf-8")
    return p


def test_reload_good_and_bad(cfg_file, minimal):
    h = ConfigHolder(cfg_file)
    first = h.current
    seen = []
    h.listeners.append(seen.append)
    cfg_file.write_text(minimal.replace("retries: 2", "").replace("start: main",
                                                                  "start: main\n  retries: 0"))
    assert h.reload() == []
    assert h.current is not first and h.current.ivr.retries == 0 and h.version == 2
    assert seen == [h.current]
    good = h.current
    cfg_file.write_text(minimal.replace("start: main", "start: nowhere"))
    problems = h.reload()
    assert [p.message for p in problems] == ["ivr.start: unknown menu 'nowhere'"]
    assert h.current is good and h.version == 2


def test_first_load_must_be_good(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("languages: []\n")
    with pytest.raises(ConfigInvalid):
        ConfigHolder(p)


def test_a_call_finishes_on_the_configuration_it_started_with(cfg_file, minimal):
    h = ConfigHolder(cfg_file)
    call = IvrSession(h.current, caller="0214807901", dialled="0800021021",
                      at=datetime.fromisoformat("2026-12-01T10:00"))
    call.start()
    # The administrator moves the operator to key 5 while the caller listens.
    cfg_file.write_text(minimal.replace("1: operator", "5: operator"))
    assert h.reload() == []
    assert h.current.ivr.menu("main").option("1") is None
    assert isinstance(call.answer("1")[-1], ToOperator)


def test_validate_and_apply_text(cfg_file, minimal):
    h = ConfigHolder(cfg_file)
    bad = minimal.replace("07:30-15:30", "07:30-15:70")
    [problem] = h.validate_text(bad)
    assert problem["file"] == str(cfg_file) and "bad time" in problem["message"]
    with pytest.raises(ConfigInvalid):
        h.apply_text(bad)
    assert cfg_file.read_text() == minimal
    good = minimal.replace("07:30-15:30", "08:00-16:00")
    h.apply_text(good)
    assert cfg_file.read_text() == good and h.text == good
    assert str(h.current.hours.weekly[0][0]) == "08:00-16:00"
    assert list(cfg_file.parent.iterdir()) == [cfg_file]  # no temporary file left behind
