"""After a (re)connect to AMI: make the picture match Asterisk's channels.

Agents on calls the engine did not place (app_queue fallback, a previous
engine process) are busy until their channel hangs up; contacts whose
channels are gone (a Hangup missed while AMI was down) are ended, so nothing
waits or stays busy for a call that no longer exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from asterisk.ami_events import agent_of
from infra.logs import get_logger
from kontakt.calls.contacts import Kind
from kontakt.calls.ports import PbxError

if TYPE_CHECKING:
    from kontakt.calls.core import CallCore

log = get_logger()


async def reconcile(core: CallCore) -> None:
    try:
        channels = await core.pbx.channels()
    except PbxError as e:
        log.warning("engine.reconcile_failed", error=str(e))
        return
    live = {c.uid for c in channels}
    gone = [c.uid for c in core.contacts if c.uid not in live]
    for uid in gone:  # ended while we were not listening
        core.leg_gone(uid)
    now = core.clock()
    for channel in channels:
        agent_id = agent_of(channel.name)
        agent = core.acd.agents.get(agent_id or "")
        if agent is None or core.contacts.by_leg(channel.uid) is not None:
            continue
        if core.contacts.external(channel.uid, agent.id) is not None \
                and agent.state.value == "available":
            core.run(core.acd.busy_elsewhere(agent.id, now))
    busy = sorted(c.agent or "" for c in core.contacts if c.kind is Kind.EXTERNAL)
    log.info("engine.reconciled", agents_busy=busy, ended=len(gone))
