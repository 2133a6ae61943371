"""The engine's AMI user is sent only what the call core acts on: the rest is
cut at the source (read classes and eventfilter), not parsed and dropped."""

from __future__ import annotations

import re

from asterisk.render import RigConfig, render

# What asterisk.ami_events.translate reads, the boot, and Originate's answer.
ACTED_ON = {"DialBegin", "DialEnd", "Hangup", "HangupRequest", "SoftHangupRequest",
            "QueueCallerJoin", "FullyBooted", "OriginateResponse"}


def _users(tmp_path) -> dict[str, dict[str, list[str]]]:
    cfg = RigConfig(base=tmp_path, sip_port=1, ami_port=2, agi_port=3, carrier_port=4,
                    city_port=5, rtp_start=10000, rtp_end=10100,
                    phone_ports={"agent01": 6, "agent100": 7})
    render(cfg)
    text = (tmp_path / "etc" / "manager.conf").read_text()
    users: dict[str, dict[str, list[str]]] = {}
    name = None
    for line in text.splitlines():
        if line.startswith("["):
            name = line.strip("[]")
            users[name] = {}
        elif name and " = " in line and not line.startswith(";"):
            key, _, value = line.partition(" = ")
            users[name].setdefault(key.strip(), []).append(value.strip())
    return users


def test_the_engine_reads_only_the_events_it_acts_on(tmp_path):
    engine = _users(tmp_path)["kontakt"]
    assert engine["read"] == ["system,call,agent"]
    (flt,) = engine["eventfilter"]
    m = re.fullmatch(r"Event: \((.*)\)", flt)
    assert m is not None and set(m.group(1).split("|")) == ACTED_ON


def test_the_monitor_still_reads_everything_the_bench_and_demo_count(tmp_path):
    monitor = _users(tmp_path)["monitor"]
    assert set(monitor["read"][0].split(",")) >= {"call", "agent", "user", "dtmf", "dialplan",
                                                  "agi"}
    assert "eventfilter" not in monitor


def test_agents_past_99_are_dialled(tmp_path):
    _users(tmp_path)
    ext = (tmp_path / "etc" / "extensions.conf").read_text()
    assert '"^dial:agent[0-9][0-9][0-9]?$"' in ext and "[kontakt-agent100]" in (
        tmp_path / "etc" / "queues.conf").read_text()


def test_the_benchmarks_app_queue_peer_plays_the_default_ivrs_prompts(tmp_path):
    """The set-up bench compares routers behind the same IVR: app_queue's calls
    hear welcome, the language menu, the main menu and "connecting you"."""
    cfg = RigConfig(base=tmp_path, sip_port=1, ami_port=2, agi_port=3, carrier_port=4,
                    city_port=5, rtp_start=10000, rtp_end=10100, phone_ports={"agent01": 6},
                    app_queue_number="0000000", app_queue_ivr_number="0000001",
                    app_queue_prompts="/p/generated")
    render(cfg)
    ext = (tmp_path / "etc" / "extensions.conf").read_text()
    assert "exten => 0000000,1,Queue(kontakt-fallback,t,,,)" in ext
    peer = ext[ext.index("exten => 0000001,1"):].splitlines()[:5]
    assert [re.search(r",(\w+)\(", line).group(1) for line in peer] == [  # type: ignore[union-attr]
        "Answer", "Read", "Read", "Playback", "Queue"]
    assert "/p/generated/sr/welcome&/p/generated/sr/language_choice" in peer[1]
    assert peer[3].endswith("Playback(/p/generated/sr/to_operator)")
