"""The citizens of a compressed working day: who calls when, from which
number, in which language, how patient, and one sipp process per kind of
caller that places the whole day's calls at their exact times.

Arrivals are a Poisson process (the design load: 327 calls an hour).  sipp
creates every call of the day quickly and each call first *pauses* until its
own arrival time (a per-call field of the injection file), then dials; so a
handful of sipp processes serve the whole day, no ports are taken per batch,
and arrival times are exact rather than sipp's evenly spaced rate.

A citizen walks the IVR with SIP INFO keys (the language, then 1 for an
operator), then stays on the line for its hold time: if no operator answered
by then it hangs up (abandoned).  The IVR answers every call at once, so a
citizen cannot tell the queue from the operator; its hold time is its
patience and its wish to talk in one budget.  Most citizens are patient well
beyond a talk time; a few are impatient (they abandon, or make a short
call when answered at once).  Some ask for a callback: they press 1 again
and again from the moment the engine offers it (after ``max_wait``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from asterisk.sipp import citizen
from asterisk.sipp.process import port_args, write_scenario

FREE_NUMBER = "0800021021"  # 0800-021-021, from area 021 only
CITY_NUMBER = "0214807900"  # 021-4807-900, from anywhere
LANGUAGE_DIGIT = {"sr": "1", "hu": "2", "sk": "3"}

DESIGN_CALLS_PER_HOUR = 327
HANDLE_S = 180.0
DAY_S = 8 * 3600  # 07:30 to 15:30

# Keys after the IVR answers (real seconds, not compressed: the prompts are
# not compressed either).  The IVR takes a key typed during a prompt that
# leads to a question as the answer (type-ahead).
KEY1_MS = 1500
KEY2_MS = 1500


@dataclass(frozen=True)
class Citizen:
    at: float  # real seconds from the start of the day
    caller: str
    dialled: str
    language: str
    hold_s: float  # uncompressed: how long after reaching the queue it stays on the line
    callback: bool  # presses 1 when offered a callback
    group: str  # which sipp process places the call


def day_plan(*, load: float, factor: float, seed: int = 21) -> list[Citizen]:
    """The day's calls in arrival order (real, compressed seconds)."""
    rng = random.Random(seed)
    rate = DESIGN_CALLS_PER_HOUR * load / 3600 * factor  # calls per real second
    length = DAY_S / factor
    out: list[Citizen] = []
    t = rng.expovariate(rate)
    while t < length:
        out.append(_citizen(rng, len(out), t))
        t += rng.expovariate(rate)
    return out


def _citizen(rng: random.Random, n: int, at: float) -> Citizen:
    r = rng.random()
    if r < 0.6:
        caller, dialled = f"021{4000000 + n}", rng.choice([FREE_NUMBER, CITY_NUMBER])
    elif r < 0.85:
        caller, dialled = f"06{rng.randrange(0, 7)}{1000000 + n}", CITY_NUMBER
    elif r < 0.93:
        caller, dialled = f"011{2000000 + n}", CITY_NUMBER
    else:  # a mobile on the free number: refused (area 021 fixed lines only)
        caller, dialled = f"06{rng.randrange(0, 7)}{1000000 + n}", FREE_NUMBER
    language = rng.choices(["sr", "hu", "sk"], weights=[80, 12, 8])[0]
    p = rng.random()
    callback = False
    if p < 0.10:  # impatient: a short question, or gone soon
        hold = rng.uniform(20, 90)
    elif p < 0.90:  # patient: 5 to 15 minutes
        hold = rng.uniform(300, 900)
    else:  # waits for the callback offer and takes it
        hold, callback = 1200.0, True
    return Citizen(at, caller, dialled, language, hold, callback,
                   "callback" if callback else "plain")


# -- sipp ------------------------------------------------------------------------

# The scenario is asterisk.sipp.citizen's but for the times (per-call fields:
# the start pause, the keys, the hold) and the refusals: the day's plan also
# meets 487 and 500.
_HEAD = (
    """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="kontakt soak citizen">
  <nop><action>
    <assignstr assign_to="s0" value="[field2]"/>
    <todouble assign_to="start" variable="s0"/>
    <assignstr assign_to="h0" value="[field5]"/>
    <todouble assign_to="hold" variable="h0"/>
{callback_vars}  </action></nop>
  <pause variable="start"/>
"""
    + citizen.INVITE
    + citizen.waiting(("403", "404", "480", "486", "487", "500", "503", "603"))
    + '  <recv response="200" rtd="true" timeout="60000" ontimeout="cancel"/>\n'
    + citizen.ACK
)

# A BYE from the contact center while the citizen pauses is answered by
# sipp's default behaviour (200 OK, call closed): the operator ended the call.
_TAIL = '  <pause variable="hold"/>\n' + citizen.bye(40) + citizen.ENDINGS

CALLBACK_PRESSES = 6  # "1" every CALLBACK_EVERY_MS: one lands in the offer's window
CALLBACK_EVERY_MS = 1500


def scenario(group: str) -> str:
    """The sipp scenario of one kind of citizen; the times are per-call fields:
    field2 start pause, field3/field4 the keys, field5 hold, field6 the pause
    before the callback key presses (callback group only)."""
    body = citizen.info(f'milliseconds="{KEY1_MS}"', "10", "[field3]")
    body += citizen.info(f'milliseconds="{KEY2_MS}"', "11", "[field4]")
    if group == "callback":
        body += citizen.info('variable="cbwait"', "12", "1")
        for i in range(1, CALLBACK_PRESSES):
            body += citizen.info(f'milliseconds="{CALLBACK_EVERY_MS}"', str(12 + i), "1")
    cb_vars = ('    <assignstr assign_to="c0" value="[field6]"/>\n'
               '    <todouble assign_to="cbwait" variable="c0"/>\n') if group == "callback" else ""
    return _HEAD.replace("{callback_vars}", cb_vars) + body + _TAIL


@dataclass(frozen=True)
class Timing:
    """What turns a citizen's uncompressed times into sipp's real milliseconds."""

    factor: float
    ivr_s: float  # real seconds from the keys to the queue (the IVR's last prompt)
    max_wait_s: float  # compressed: when the engine offers a callback
    lead_s: float = 3.0  # every call waits at least this long: sipp creates them first


def injection(citizens: list[Citizen], timing: Timing, rate: float) -> str:
    """The injection file for one group (calls created ``rate`` per second)."""
    lines = ["SEQUENTIAL"]
    for i, c in enumerate(citizens):
        start_ms = max(0, int((timing.lead_s + c.at - i / rate) * 1000))
        hold_s = timing.ivr_s + c.hold_s / timing.factor
        cb_ms = 0
        if c.callback:
            cb_ms = int((timing.ivr_s + timing.max_wait_s) * 1000)
            pressing = (CALLBACK_PRESSES - 1) * CALLBACK_EVERY_MS / 1000
            hold_s = max(1.0, hold_s - timing.max_wait_s - timing.ivr_s - pressing)
        lines.append(f"{c.caller};{c.dialled};{start_ms};{LANGUAGE_DIGIT[c.language]};1;"
                     f"{int(hold_s * 1000)};{cb_ms};")
    return "\n".join(lines) + "\n"


def write_group(workdir: Path, group: str, citizens: list[Citizen], timing: Timing,
                rate: float) -> tuple[Path, Path]:
    sf, inf = write_scenario(workdir, group, scenario(group)), workdir / f"{group}.csv"
    inf.write_text(injection(citizens, timing, rate), "utf-8")
    return sf, inf


def sipp_args(*, target_port: int, sf: Path, inf: Path, calls: int, rate: float,
              sip_port: int, media_port: int, control_port: int, errors: Path) -> list[str]:
    return [f"127.0.0.1:{target_port}", "-sf", str(sf), "-inf", str(inf), "-m", str(calls),
            "-r", str(rate), "-rp", "1000", "-l", str(calls + 10),
            *port_args(sip_port, media_port, control_port),
            "-trace_err", "-error_file", str(errors), "-max_recv_loops", "200"]
