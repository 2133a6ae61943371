"""``asterisk.ami.EventsFirst``: plain events parsed straight into dicts,
everything else (responses, events answering an action, Shutdown,
FullyBooted) left to panoramisk, frames split across reads put together."""

from __future__ import annotations

from typing import Any

from asterisk.ami import EventsFirst

HANGUP = ("Event: Hangup\r\nPrivilege: call,all\r\nChannel: PJSIP/agent05-0000002a\r\n"
          "Uniqueid: 1796650166.4\r\nCause: 16\r\n\r\n")


class _Manager:
    def __init__(self) -> None:
        self.dispatched: list[dict[str, str]] = []

    def dispatch(self, message: Any) -> list[str]:
        self.dispatched.append(dict(message))
        return ["*"]


def _protocol() -> tuple[EventsFirst, list[dict[str, str]], _Manager]:
    got: list[dict[str, str]] = []
    p = EventsFirst(got.append)
    p.connection_made(None)
    manager = _Manager()
    p.factory = manager
    p.data_received(b"Asterisk Call Manager/5.0.1\r\n")
    p.data_received(b"Response: Success\r\nMessage: Authentication accepted\r\n\r\n")
    manager.dispatched.clear()  # (the banner and the login: panoramisk's, as ever)
    return p, got, manager


def test_plain_events_are_parsed_here():
    p, got, manager = _protocol()
    p.data_received(HANGUP.encode() * 2)
    assert got == [{"Event": "Hangup", "Privilege": "call,all",
                    "Channel": "PJSIP/agent05-0000002a", "Uniqueid": "1796650166.4",
                    "Cause": "16"}] * 2
    assert manager.dispatched == []


def test_a_frame_split_across_reads_is_put_together():
    p, got, _ = _protocol()
    data = HANGUP.encode() * 3
    for i in range(0, len(data), 7):
        p.data_received(data[i:i + 7])
    assert len(got) == 3 and all(e["Uniqueid"] == "1796650166.4" for e in got)


def test_panoramisk_keeps_what_it_acts_on_and_the_order_holds():
    p, got, manager = _protocol()
    booted = "Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"
    listed = "Event: CoreShowChannel\r\nActionID: a1\r\nChannel: PJSIP/x-1\r\n\r\n"
    p.data_received((HANGUP + booted + HANGUP + listed + HANGUP).encode())
    # From the first of those on, panoramisk takes the rest of the read, in order.
    assert [e["Event"] for e in manager.dispatched] == ["FullyBooted", "Hangup",
                                                        "CoreShowChannel", "Hangup"]
    assert len(got) == 1
    p.data_received(HANGUP.encode())  # the next read: here again
    assert len(got) == 2


def test_a_key_given_twice_and_garbage_lines():
    p, got, _ = _protocol()
    p.data_received(b"Event: Newchannel\r\nChanVariable: a=1\r\nChanVariable: b=2\r\n"
                    b"no colon here\r\n\xff\xfeX\r\nUniqueid: 1.2\r\n\r\n")
    assert got == [{"Event": "Newchannel", "ChanVariable": "['a=1', 'b=2']",
                    "Uniqueid": "1.2"}]
