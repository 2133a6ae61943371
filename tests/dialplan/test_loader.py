"""The configuration loader: every problem, with its file and line."""

import pytest

from dialplan.departments import default_departments
from dialplan.loader import ConfigInvalid, Issue, check_text, load_config, parse_config


def issues(text: str) -> list[str]:
    return [f"{i.line}: {i.message}" for i in check_text(text, "c.yaml")]


def line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_shipped_default_is_valid_and_holds_the_departments():
    cfg = load_config()
    assert [lg.code for lg in cfg.languages] == ["sr", "hu", "sk"]
    assert cfg.default_language == "sr" and cfg.timezone == "Europe/Belgrade"
    assert {n.e164 for n in cfg.numbers} == {"+381800021021", "+381214807900"}
    assert cfg.departments == default_departments() and len(cfg.departments) >= 10
    assert cfg.ivr.timeout == 5 and cfg.ivr.retries == 2


def test_minimal_is_valid(minimal):
    assert issues(minimal) == []
    cfg = parse_config(minimal)
    assert cfg.ivr.menu("main").option("1").action == "operator"


def test_the_snapshot_is_immutable(minimal):
    cfg = parse_config(minimal)
    with pytest.raises(AttributeError):
        cfg.timezone = "UTC"
    with pytest.raises(TypeError):
        cfg.prompts["welcome"]["sr"] = "x"


def test_bad_time(minimal):
    text = minimal.replace("mon-fri: 07:30-15:30", "mon-fri: 07:30-25:30")
    assert issues(text) == [f"{line_of(text, '25:30')}: hours.weekly.mon-fri: bad time '25:30', "
                            "write HH:MM (00:00-23:59)"]
    text = minimal.replace("mon-fri: 07:30-15:30", "mon-fri: 15:30-07:30")
    assert "ends before it starts" in issues(text)[0]


def test_unknown_menu_target(minimal):
    text = minimal.replace("0: {menu: main}", "0: {menu: mian}")
    got = issues(text)
    assert f"{line_of(text, 'mian')}: unknown menu target 'mian' (menus: info, main)" in got


def test_duplicate_digit(minimal):
    text = minimal.replace("        2: {menu: info}\n",
                           "        2: {menu: info}\n        1: status\n")
    first, dup = line_of(text, "1: operator"), line_of(text, "1: status")
    assert issues(text) == [f"{dup}: menu main: duplicate digit 1 (first on line {first})"]


def test_unreachable_menu(minimal):
    text = minimal.replace("        2: {menu: info}\n", "        2: status\n")
    assert issues(text) == [f"{line_of(text, '    info:')}: menu 'info' is unreachable: no option "
                            "leads to it from 'main'"]


def test_missing_prompt(minimal):
    text = minimal.replace("  info_menu: {sr: Инфо.}\n", "")
    assert issues(text) == [f"{line_of(text, 'prompt: info_menu')}: missing prompt 'info_menu' "
                            "(used here): add it under prompts:"]
    text = minimal.replace("  goodbye: {sr: Довиђења.}\n", "")
    assert issues(text) == [f"{line_of(text, 'prompts:')}: missing prompt 'goodbye': add it "
                            "under prompts:"]


def test_prompt_missing_a_language(minimal):
    text = minimal.replace("  - {code: sr, name: Српски, voice: sr, digit: 1}\n",
                           "  - {code: sr, name: Српски, voice: sr, digit: 1}\n"
                           "  - {code: hu, name: Magyar, voice: hu, digit: 2}\n")
    got = issues(text)
    assert len(got) == 22 and all("has no text in language 'hu'" in g for g in got)
    # a disabled language needs no texts
    assert issues(text.replace("digit: 2}", "digit: 2, enabled: false}")) == []


def test_department_without_number(minimal):
    text = minimal.replace('{id: vodovod, name: Водовод, number: "+381214888001"}',
                           "{id: vodovod, name: Водовод}")
    assert issues(text) == [f"{line_of(text, 'vodovod')}: department 'vodovod' has no transfer "
                            "number"]
    text = minimal.replace('"+381214888001"', '"12"')
    assert "is not E.164" in issues(text)[0]


def test_bad_numbers_and_rules(minimal):
    text = minimal.replace('callers: ["021"]', 'callers: ["021", "mobil"]')
    assert "caller rule 'mobil'" in issues(text)[0]
    text = minimal.replace("number: 021 4807 900", "number: 0800 021 021")
    assert "appears twice" in issues(text)[0]
    text = minimal.replace("number: 021 4807 900", "number: 12")
    assert "not a valid Serbian phone number" in issues(text)[0]


def test_every_problem_is_reported_at_once_in_line_order(minimal):
    text = (minimal.replace("07:30-15:30", "7.30-15.30")
            .replace("0: {menu: main}", "0: {menu: nowhere}")
            .replace("  goodbye: {sr: Довиђења.}\n", "")
            .replace("start: main", "start: main\n  retries: -1\n  colour: red"))
    got = check_text(text, "c.yaml")
    assert len(got) >= 5
    assert [i.line for i in got] == sorted(i.line for i in got)
    text_got = "\n".join(str(i) for i in got)
    for part in ("bad time '7.30'", "unknown menu target 'nowhere'", "missing prompt 'goodbye'",
                 "retries: -1 must be at least 0", "unknown key 'colour'"):
        assert part in text_got


def test_not_yaml_and_empty():
    [i] = check_text("languages: [\n  - x\n", "c.yaml")
    assert i.file == "c.yaml" and i.line == 2 and "not valid YAML" in i.message
    assert str(check_text("", "c.yaml")[0]) == "c.yaml:1: the file is empty"


def test_issue_str_and_exception(tmp_path, minimal):
    p = tmp_path / "broken.yaml"
    p.write_text(minimal.replace("start: main", "start: nope"), "utf-8")
    with pytest.raises(ConfigInvalid) as e:
        load_config(p)
    [i] = e.value.issues
    assert isinstance(i, Issue) and str(i) == f"{p}:{line_of(p.read_text(), 'nope')}: ivr.start: " \
        "unknown menu 'nope'"
    assert e.value.code == "config.invalid" and e.value.details["issues"][0]["line"] == i.line
    with pytest.raises(ConfigInvalid, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_times_are_not_sexagesimal_integers(minimal):
    # YAML 1.1 reads an unquoted 07:30 as 450; the loader reads the text.
    cfg = parse_config(minimal)
    assert str(cfg.hours.weekly[0][0]) == "07:30-15:30"
