"""The conversation's table: every step it takes, and a loud refusal naming
conversation, state and event for every step it does not."""

from __future__ import annotations

import pytest

from acd.conversation import (
    TRANSITIONS,
    Author,
    Channel,
    Conversation,
    ConvEvent,
    ConvState,
    Message,
    Outcome,
    transcript,
)
from acd.errors import IllegalConversationTransition


def conv(state: ConvState = ConvState.QUEUED) -> Conversation:
    c = Conversation(7, Channel.CHAT, "chat:1", "sr", 0.0, 1)
    c.state = state
    return c


def test_table_is_total_and_ended_is_final():
    assert set(TRANSITIONS) == set(ConvState)
    assert TRANSITIONS[ConvState.ENDED] == {}
    for steps in TRANSITIONS.values():
        assert set(steps) <= set(ConvEvent)


@pytest.mark.parametrize("state", list(ConvState))
@pytest.mark.parametrize("event", list(ConvEvent))
def test_every_illegal_step_raises_naming_state_and_event(state, event):
    c = conv(state)
    if event in TRANSITIONS[state]:
        return
    with pytest.raises(IllegalConversationTransition) as e:
        c.apply(event, 1.0, agent="agent01" if event is ConvEvent.ASSIGN else None)
    assert e.value.details == {"conversation": 7, "state": state.value, "event": event.value}
    assert state.value in str(e.value) and event.value in str(e.value)
    assert e.value.code == "conversation.illegal_transition"
    assert c.state is state and c.history == []  # nothing changed


def test_answered_chat_life_keeps_messages_in_order():
    c = conv()
    c.apply(ConvEvent.CITIZEN_MESSAGE, 1.0, message=Message(Author.CITIZEN, 1.0, "Добар дан"))
    c.apply(ConvEvent.ASSIGN, 2.0, agent="agent01")
    assert (c.state, c.agent, c.answered_at) == (ConvState.ACTIVE, "agent01", 2.0)
    c.apply(ConvEvent.OPERATOR_MESSAGE, 3.0,
            message=Message(Author.OPERATOR, 3.0, "Изволите", "agent01"))
    c.apply(ConvEvent.TICKET, 4.0)
    c.apply(ConvEvent.CLOSE, 5.0)
    assert (c.state, c.outcome, c.ended_at) == (ConvState.ENDED, Outcome.ANSWERED, 5.0)
    assert [m.text for m in c.messages] == ["Добар дан", "Изволите"]
    text = transcript(c)
    assert "грађанин: Добар дан" in text and "оператер agent01: Изволите" in text


def test_assign_needs_an_agent_and_others_take_none():
    with pytest.raises(IllegalConversationTransition, match="needs an agent"):
        conv().apply(ConvEvent.ASSIGN, 1.0)
    with pytest.raises(IllegalConversationTransition, match="takes no agent"):
        conv().apply(ConvEvent.CITIZEN_LEFT, 1.0, agent="agent01")


def test_fallback_outcomes():
    for event, outcome in [(ConvEvent.LEAVE_MESSAGE, Outcome.MESSAGE),
                           (ConvEvent.CALLBACK, Outcome.CALLBACK),
                           (ConvEvent.CITIZEN_LEFT, Outcome.ABANDONED)]:
        c = conv()
        c.apply(ConvEvent.WAIT_TIMEOUT, 120.0)
        assert c.state is ConvState.FALLBACK
        c.apply(event, 130.0)
        assert c.outcome is outcome


def test_keep_waiting_and_requeue_go_back_to_the_queue_at_the_same_place():
    c = conv()
    c.apply(ConvEvent.WAIT_TIMEOUT, 120.0)
    c.apply(ConvEvent.KEEP_WAITING, 121.0)
    assert (c.state, c.seq, c.since) == (ConvState.QUEUED, 1, 121.0)
    c.apply(ConvEvent.ASSIGN, 130.0, agent="agent02")
    c.apply(ConvEvent.REQUEUE, 140.0)
    assert (c.state, c.agent, c.seq) == (ConvState.QUEUED, None, 1)
    c.apply(ConvEvent.CITIZEN_LEFT, 150.0)
    assert c.outcome is Outcome.ANSWERED  # it had an operator once
