"""The preview's decisions match saving: what is told, over which channel,
in which language, and when nothing is."""

from __future__ import annotations

import pytest

from tickets.domain import Actor
from tickets.errors import Forbidden, IllegalTransition
from tickets.notify.messages import render
from tickets.notify.preview import Draft, Outcome, check_step, preview

ON = ("resolved", "cancelled")


def _draft(**kw) -> Draft:
    base = {"number": "NS-1", "current": "active", "to": "resolved", "comment": "Поправљено",
            "for_citizen": True, "language": "hu", "phone": "+381641112223", "email": None}
    return Draft(**{**base, **kw})


def test_a_told_status_is_worded_by_the_real_templates():
    p = preview(_draft(), notify_on=ON, already_told=False)
    m = render(status="resolved", language="hu", ticket_number="NS-1", outcome="Поправљено")
    assert (p.outcome, p.language, p.sms, p.email) == (Outcome.sent, "hu", m.sms, None)
    p = preview(_draft(email="a@b.rs", phone=None), notify_on=ON, already_told=True)
    assert p.sms is None and p.email is not None and p.email.body == m.body


def test_when_nothing_is_told():
    assert preview(_draft(to=None), notify_on=ON, already_told=False).outcome is Outcome.web_only
    assert preview(_draft(to="active", for_citizen=False), notify_on=ON,
                   already_told=False).outcome is Outcome.internal
    assert preview(_draft(to="waiting"), notify_on=ON,
                   already_told=False).outcome is Outcome.not_notified
    assert preview(_draft(for_citizen=False), notify_on=ON,
                   already_told=True).outcome is Outcome.already_told
    assert preview(_draft(phone=None), notify_on=ON,
                   already_told=False).outcome is Outcome.no_contact


def test_the_steps_rules_hold():
    vod = Actor("vod1", "department", "vodovod")
    check_step(vod, "NS-1", "active", "resolved")
    with pytest.raises(Forbidden):
        check_step(vod, "NS-1", "resolved", "closed")
    with pytest.raises(IllegalTransition):
        check_step(vod, "NS-1", "new", "closed")
    with pytest.raises(IllegalTransition):
        check_step(vod, "NS-1", "active", "merged")
