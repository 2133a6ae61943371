"""Logins and pauses are kept on disk; a ring or a call does not rewrite the file."""

from __future__ import annotations

import json

from acd.distributor import Distributor
from kontakt.agent_store import AgentStore


def test_only_what_is_kept_rewrites_the_file(tmp_path):
    acd = Distributor()
    for a in ("agent01", "agent02", "agent100"):
        acd.add_agent(a)
    store = AgentStore(tmp_path / "agents.json", acd)
    acd.login("agent01", 0.0, ["sr"])
    store.changed("agent01")
    assert json.loads(store.path.read_text())["agent01"]["state"] == "logged_in"
    inode = store.path.stat().st_ino
    acd.call_arrived("c1", 1.0, language="sr")  # agent01 rings: nothing kept changed
    store.changed("agent01")
    assert store.path.stat().st_ino == inode  # not written again
    acd.call_gone("c1", 2.0)
    store.changed("agent01")
    assert store.path.stat().st_ino == inode
    acd.pause("agent01", 3.0, "break")
    store.changed("agent01")
    kept = json.loads(store.path.read_text())
    assert kept["agent01"] == {"state": "paused", "reason": "break", "skills": ["sr"]}
    assert kept["agent100"]["state"] == "logged_out"
    store.save()  # the whole floor: the same picture, not written
    assert json.loads(store.path.read_text()) == kept


def test_a_login_with_other_skills_is_kept(tmp_path):
    acd = Distributor()
    acd.add_agent("agent01")
    store = AgentStore(tmp_path / "agents.json", acd)
    acd.login("agent01", 0.0, ["sr"])
    store.changed("agent01")
    acd.logout("agent01", 1.0)
    store.changed("agent01")
    acd.login("agent01", 2.0, ["hu", "sr"])
    store.changed("agent01")
    assert json.loads(store.path.read_text())["agent01"]["skills"] == ["hu", "sr"]
    store.save()
    acd.pause("agent01", 3.0, "break")
    store.changed("agent01")  # after a whole-floor save: still compared, and kept
    assert json.loads(store.path.read_text())["agent01"]["state"] == "paused"
