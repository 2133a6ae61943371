"""The deadline clock's rules (pure): it starts when the ticket is forwarded,
stops while the ticket waits for the citizen (paused time not counted),
restarts from zero in a new department, and tells what is left and when a
deadline is missed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialplan.deadlines import Deadline, Deadlines
from dialplan.loader import load_config
from dialplan.workclock import WorkClock
from tickets.domain import Actor, Ticket
from tickets.followup import give_back
from tickets.sla import SlaPolicy

TZ = ZoneInfo("Europe/Belgrade")
OP, VOD = Actor("op", "agent"), Actor("vod", "department", "vodovod")
POLICY = SlaPolicy(Deadlines(Deadline(2, 4)), WorkClock(load_config().hours))
H = 3600


def local(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=TZ)


def opened(at: datetime) -> Ticket:
    t = Ticket.open(OP, number="NS-2027-000001", kind="request", subject="s", description="",
                    phone=None, at=at)
    t.forward(OP, "vodovod", at)
    POLICY.apply(t, t.pop_events())
    return t


def step(t: Ticket, to: str, at: datetime) -> None:
    t.move(VOD, to, at)
    POLICY.apply(t, t.pop_events())


def test_opened_friday_15_00_is_due_monday_11_00():
    t = opened(local("2027-03-05T15:00"))
    assert t.sla.due_at == local("2027-03-08T11:00")
    assert t.sla.response_due_at == local("2027-03-08T09:00")
    assert POLICY.left(t.sla, local("2027-03-08T10:00")) == 1 * H


def test_paused_time_is_not_counted():
    t = opened(local("2027-03-08T08:00"))  # Monday; due 12:00
    step(t, "active", local("2027-03-08T09:00"))
    step(t, "waiting", local("2027-03-08T10:00"))  # 2 h used
    assert t.sla.running_since is None and t.sla.due_at is None
    assert POLICY.left(t.sla, local("2027-03-10T10:00")) == 2 * H  # two days later: frozen
    step(t, "active", local("2027-03-10T10:00"))
    assert t.sla.due_at == local("2027-03-10T12:00")
    assert POLICY.left(t.sla, local("2027-03-10T11:00")) == 1 * H
    assert POLICY.missed(t, local("2027-03-10T11:59")) is None
    assert POLICY.missed(t, local("2027-03-10T12:00")) == ("resolution", local("2027-03-10T12:00"))


def test_response_deadline_is_met_by_the_departments_first_step():
    t = opened(local("2027-03-08T08:00"))
    assert POLICY.missed(t, local("2027-03-08T10:00")) == ("response", local("2027-03-08T10:00"))
    step(t, "active", local("2027-03-08T09:59"))
    assert t.sla.responded_at == local("2027-03-08T09:59")
    assert POLICY.missed(t, local("2027-03-08T11:00")) is None


def test_resolved_stops_the_clock_and_reopening_runs_it_on():
    t = opened(local("2027-03-08T08:00"))
    step(t, "resolved", local("2027-03-08T09:00"))
    assert POLICY.view(t, local("2027-03-09T09:00"))["left_seconds"] == 3 * H
    assert POLICY.missed(t, local("2027-03-20T09:00")) is None
    step(t, "active", local("2027-03-09T09:00"))
    assert t.sla.due_at == local("2027-03-09T12:00")


def test_a_returned_ticket_forwarded_again_starts_the_new_departments_clock():
    t = opened(local("2027-03-08T08:00"))
    give_back(t, VOD, "Није наше", local("2027-03-08T11:00"), "cistoca")
    POLICY.apply(t, t.pop_events())
    assert t.sla.running_since is None and POLICY.missed(t, local("2027-03-09T08:00")) is None
    t.forward(OP, "cistoca", local("2027-03-08T12:00"))
    POLICY.apply(t, t.pop_events())
    assert t.sla.used_s == 0 and t.sla.due_at == local("2027-03-09T08:00")
    view = POLICY.view(t, local("2027-03-08T12:00") + timedelta(hours=1))
    assert view["left_seconds"] == 3 * H and view["clock"] == "running" and not view["overdue"]


def test_no_deadline_configured_shows_none():
    policy = SlaPolicy(Deadlines(), WorkClock(load_config().hours))
    t = Ticket.open(OP, number="N", kind="request", subject="s", description="", phone=None,
                    at=local("2027-03-08T08:00"))
    t.forward(OP, "vodovod", local("2027-03-08T08:00"))
    policy.apply(t, t.pop_events())
    assert policy.view(t, local("2027-03-09T08:00"))["clock"] == "none"
    assert policy.missed(t, local("2027-04-09T08:00")) is None
