"""The pure ticket domain: every step of the lifecycle table for every role,
refusals naming both states, recorded events."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from tickets.domain import (
    SPECIAL_STEPS,
    TRANSITIONS,
    Actor,
    CallLink,
    Commented,
    Forbidden,
    Forwarded,
    IllegalTransition,
    InvalidTicket,
    Kind,
    NotFound,
    Opened,
    Role,
    Status,
    StatusChanged,
    Ticket,
    allowed_steps,
    format_number,
    normalize_phone,
)

AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ACTORS = {
    Role.agent: Actor("op1", "agent"),
    Role.department: Actor("vod1", "department", "vodovod"),
    Role.supervisor: Actor("sup", "supervisor"),
    Role.admin: Actor("adm", "admin"),
    Role.citizen: Actor("open311", "citizen"),
}


def ticket(status: Status = Status.new, department: str | None = "vodovod",
           channel: str = "phone") -> Ticket:
    t = Ticket.open(ACTORS[Role.agent], number="NS-2027-000001", kind="complaint",
                    subject="Нема воде", description="Од јутрос", phone="064 123 4567",
                    at=AT, channel="phone")
    t.status, t.department, t.channel = status, department, channel
    t.pop_events()
    return t


def test_number_format():
    assert format_number(2027, 123) == "NS-2027-000123"


def test_open_records_event_and_normalizes_phone():
    t = Ticket.open(ACTORS[Role.agent], number="NS-2027-000001", kind="information",
                    subject="Радно време", description="", phone="0641234567", at=AT)
    assert t.phone == "+381641234567" and t.status is Status.new
    assert [type(e) for e in t.events] == [Opened]


@pytest.mark.parametrize("bad", [{"kind": "rant"}, {"subject": ""}, {"subject": "x" * 201},
                                 {"phone": "not a phone"}, {"email": "nope"},
                                 {"channel": "pigeon"}])
def test_open_refuses_bad_input(bad):
    kw = dict(number="N", kind="request", subject="s", description="", phone=None, at=AT)
    kw.update(bad)
    with pytest.raises(InvalidTicket) as e:
        Ticket.open(ACTORS[Role.agent], **kw)
    assert e.value.code == "ticket.invalid" and "field" in e.value.details


def test_department_staff_may_not_open_and_citizen_not_by_phone():
    with pytest.raises(Forbidden):
        Ticket.open(ACTORS[Role.department], number="N", kind="request", subject="s",
                    description="", phone=None, at=AT)
    with pytest.raises(Forbidden):
        Ticket.open(ACTORS[Role.citizen], number="N", kind="request", subject="s",
                    description="", phone=None, at=AT, channel="phone")


STEPS = [(frm, to, role) for frm, to, role in itertools.product(Status, Status, Role)
         if to not in SPECIAL_STEPS]  # their own use cases (forward, give_back, merge)


@pytest.mark.parametrize(("frm", "to", "role"), STEPS,
                         ids=[f"{f.value}-{t.value}-{r.value}" for f, t, r in STEPS])
def test_every_status_step_for_every_role(frm, to, role):
    t = ticket(frm, channel="web" if role is Role.citizen else "phone")
    allowed = TRANSITIONS.get((frm, to))
    if allowed is None:
        with pytest.raises(IllegalTransition) as e:
            t.move(ACTORS[role], to, AT, "c")
        assert frm.value in str(e.value) and to.value in str(e.value)
        assert e.value.details == {"number": t.number, "state": frm.value, "to": to.value}
        assert t.status is frm and t.events == []
    elif role not in allowed:
        with pytest.raises(Forbidden) as e:
            t.move(ACTORS[role], to, AT, "c")
        assert e.value.code == "ticket.forbidden" and e.value.details["state"] == frm.value
        assert t.status is frm
    else:
        t.move(ACTORS[role], to, AT, "c")
        assert t.status is to
        assert t.events == [StatusChanged(ACTORS[role].user_id, role.value, AT, frm, to, "c")]


@pytest.mark.parametrize(("frm", "role"), list(itertools.product(Status, Role)))
def test_forward_for_every_state_and_role(frm, role):
    t = ticket(frm, channel="web" if role is Role.citizen else "phone")
    allowed = TRANSITIONS.get((frm, Status.forwarded))
    if allowed is None:
        with pytest.raises(IllegalTransition):
            t.forward(ACTORS[role], "cistoca", AT)
    elif role not in allowed:
        with pytest.raises(Forbidden):
            t.forward(ACTORS[role], "cistoca", AT)
    else:
        t.forward(ACTORS[role], "cistoca", AT, "не наше")
        assert t.status is Status.forwarded and t.department == "cistoca"
        assert isinstance(t.events[0], Forwarded) and t.events[0].old_department == "vodovod"


def test_forwarded_status_goes_through_forward():
    with pytest.raises(IllegalTransition):
        ticket(Status.new).move(ACTORS[Role.agent], "forwarded", AT)


def test_information_answered_on_the_spot():
    t = ticket(Status.new)
    t.move(ACTORS[Role.agent], Status.resolved, AT, "одговорено")
    assert t.status is Status.resolved


def test_reopen_back_to_active():
    t = ticket(Status.resolved)
    t.move(ACTORS[Role.department], Status.active, AT, "поново цури")
    assert t.status is Status.active
    assert Status.active in allowed_steps(Status.closed, Role.supervisor)
    assert allowed_steps(Status.closed, Role.agent) == []


def test_department_staff_see_only_their_department():
    t = ticket(Status.forwarded, department="cistoca")
    for act in (lambda a: t.move(a, "active", AT), lambda a: t.assign(a, "x", AT),
                lambda a: t.comment(a, "x", AT), t.check_visible):
        with pytest.raises(Forbidden):
            act(ACTORS[Role.department])


def test_citizen_sees_web_requests_only():
    with pytest.raises(NotFound):
        ticket(channel="phone").check_visible(ACTORS[Role.citizen])
    ticket(channel="web").check_visible(ACTORS[Role.citizen])


def test_assign_inside_department_and_not_when_final():
    t = ticket(Status.active)
    t.assign(ACTORS[Role.department], "vod2", AT)
    assert t.assignee == "vod2"
    with pytest.raises(Forbidden):
        t.assign(ACTORS[Role.agent], "vod3", AT)
    with pytest.raises(IllegalTransition):
        ticket(Status.closed).assign(ACTORS[Role.department], "vod2", AT)


def test_comment_and_call_link():
    t = ticket(Status.active)
    t.comment(ACTORS[Role.department], "  екипа на терену ", AT)
    assert t.events == [Commented("vod1", "department", AT, "екипа на терену")]
    with pytest.raises(InvalidTicket):
        t.comment(ACTORS[Role.agent], "   ", AT)
    t.link_call(ACTORS[Role.agent], CallLink("1700.1", 3.0, 40.0, "agent01"), AT)
    t.link_call(ACTORS[Role.agent], CallLink("1700.1"), AT)
    assert len(t.calls) == 1


def test_unknown_role_is_refused():
    with pytest.raises(Forbidden):
        Actor("x", "janitor")
    with pytest.raises(Forbidden):
        Actor("x", "department", None)


def test_phone_forms():
    assert normalize_phone("+381 21 4888 001") == "+381214888001"
    assert normalize_phone("00381641234567") == "+381641234567"
    assert normalize_phone("") is None
    assert Kind("callback") is Kind.callback
