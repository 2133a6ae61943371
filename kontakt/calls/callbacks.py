"""Callbacks: a waiting caller who presses 1 keeps its place and hangs up;
when its turn comes the agent's phone rings first and, once the agent
answers, the dialplan dials the citizen (context kontakt-callback)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.logs import get_logger
from kontakt.calls.contacts import Contact
from kontakt.calls.ports import PbxError

if TYPE_CHECKING:
    from kontakt.calls.core import CallCore

log = get_logger()


async def accept(core: CallCore, contact: Contact, number: str, language: str) -> None:
    """The waiting caller chose a callback: record it, keep its place."""
    core.run(core.acd.request_callback(contact.uid, number, core.clock()))
    contact.callback = True
    core.stats.callbacks += 1
    core.publish.call(contact.uid, "call.callback_requested", caller=number,
                      position=core.acd.position(contact.uid))
    core.queue_log.write(contact.uid, "NONE", "CALLBACKREQUEST", number)
    await core.record_callback(contact.uid, number, language)


async def outside_hours(core: CallCore, uid: str, number: str, language: str) -> None:
    """The IVR took a callback request while the centre is closed."""
    core.stats.callbacks += 1
    await core.record_callback(uid, number, language)
    core.publish.call(uid, "call.callback_requested", caller=number)


async def ring_back(core: CallCore, call_id: str, agent: str) -> None:
    """The distributor offered a callback call to ``agent``: ring it first."""
    call = core.acd.calls.get(call_id)
    contact = core.contacts.get(call_id)
    if call is None or call.caller is None or contact is None:
        return
    number = "".join(ch for ch in call.caller if ch.isdigit())
    try:
        leg = await core.pbx.originate_callback(agent, number, call_id, core.ring_timeout)
    except PbxError as e:
        log.warning("callback.originate_failed", error=str(e), agent=agent)
        leg = None
    now = core.clock()
    if leg is None:
        core.queue_log.write(call_id, agent, "RINGNOANSWER", int(core.ring_timeout * 1000))
        core.run(core.acd.no_answer(call_id, now))
        return
    core.contacts.link_callback_leg(contact, leg)
    core.run(core.acd.answered(call_id, now))
    wait = now - call.arrived
    core.stats.answer(wait)
    core.publish.call(call_id, "call.connected", agent=agent, callback=True, caller=call.caller,
                      wait=round(wait, 3))
    core.queue_log.write(call_id, agent, "CONNECT", int(wait), "", 0)
