"""Transferring a citizen's call to a department, after its ticket is
committed: blind (Redirect of the citizen's channel) or attended (Atxfer on
the operator's channel), through the ``CallControl`` port.  A failure is an
outcome, not an exception: the ticket and the call stay where they are."""

from __future__ import annotations

from typing import Any

from tickets.ports import CallControl, TransferFailed


async def transfer(call_control: CallControl | None, *, to: str, channel: str,
                   attended: bool, operator_channel: str | None) -> dict[str, Any]:
    """``{"ok", "mode", "to", "channel"}``, plus ``code``, ``message`` and
    ``details`` when it failed."""
    outcome: dict[str, Any] = {"ok": False, "mode": "attended" if attended else "blind",
                               "to": to, "channel": channel}
    try:
        if call_control is None:
            raise TransferFailed("transfer.unavailable", "no call control (AMI) is wired")
        if attended:
            if not operator_channel:
                raise TransferFailed("transfer.no_operator_channel",
                                     "attended transfer needs the operator's channel")
            await call_control.attended_transfer(operator_channel, to)
        else:
            await call_control.blind_transfer(channel, to)
        outcome["ok"] = True
    except TransferFailed as e:
        outcome.update(code=e.code, message=str(e), details=e.details)
    return outcome
