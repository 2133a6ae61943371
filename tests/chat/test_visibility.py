"""What each role sees of the chat events on the live feed: an agent only
its own chats' events (and that the queue moved); nobody gets a message's
text there, because the events never carry it."""

from __future__ import annotations

from types import SimpleNamespace

from kontakt.http.hub import visible


def user(role, agent_id=None):
    return SimpleNamespace(role=role, agent_id=agent_id, department=None, username="u")


EVENT = {"type": "chat.message", "conversation": 4, "agent": "agent01", "state": "active",
         "message": 17, "author": "citizen"}


def test_agent_sees_only_its_own_chats():
    assert visible(user("agent", "agent01"), "kontakt/chats/4", EVENT, "kontakt")["message"] == 17
    assert visible(user("agent", "agent02"), "kontakt/chats/4", EVENT, "kontakt") is None
    queue = {"type": "chat.queue", "waiting": 3}
    assert visible(user("agent", "agent02"), "kontakt/chats/queue", queue, "kontakt") == {
        "topic": "chats", "type": "chat.queue"}


def test_department_sees_no_chats_and_supervisor_all():
    assert visible(user("department"), "kontakt/chats/4", EVENT, "kontakt") is None
    assert visible(user("supervisor"), "kontakt/chats/4", EVENT, "kontakt")["conversation"] == 4
