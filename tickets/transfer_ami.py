"""CallControl over Asterisk AMI (a panoramisk ``Manager``).

Blind transfer: ``Redirect`` of the citizen's channel to context
``kontakt-transfer``, extension = the department number's digits without
``+``, priority 1 (the dialplan there dials the number over the city trunk).
Attended transfer: ``Atxfer`` on the operator's channel (Asterisk dials the
department with the citizen on hold; the operator completes by hanging up).
Asterisk does it only when its featuremap has an ``atxfer`` code and the
bridge allows transfers (Dial option ``T``); otherwise it answers "No
attended transfer feature code found", which comes back as TransferFailed.
Every action is bounded by a timeout; ``Response: Error`` becomes
``TransferFailed`` carrying Asterisk's message.
"""

from __future__ import annotations

import asyncio
from typing import Any

from infra.logs import get_logger
from tickets.ports import TransferFailed

log = get_logger()

CONTEXT = "kontakt-transfer"


def extension_for(number: str) -> str:
    digits = number.lstrip("+")
    if not digits.isdigit():
        raise TransferFailed("transfer.bad_number", f"not a phone number: {number!r}",
                             number=number)
    return digits


class AmiCallControl:
    """``manager``: a panoramisk ``Manager`` (``send_action``) or the engine's
    ``asterisk.ami.Ami`` (``action``, which raises ``AmiError`` on ``Response:
    Error``); both end up as ``TransferFailed``."""

    def __init__(self, manager: Any, *, context: str = CONTEXT, timeout: float = 5.0) -> None:
        self.manager, self.context, self.timeout = manager, context, timeout

    async def blind_transfer(self, channel: str, number: str) -> None:
        await self._send({"Action": "Redirect", "Channel": channel, "Context": self.context,
                          "Exten": extension_for(number), "Priority": "1"}, channel, number)

    async def attended_transfer(self, channel: str, number: str) -> None:
        await self._send({"Action": "Atxfer", "Channel": channel, "Context": self.context,
                          "Exten": extension_for(number)}, channel, number)

    async def _send(self, action: dict[str, str], channel: str, number: str) -> None:
        name = action["Action"]
        try:
            resp = await asyncio.wait_for(self._request(action), self.timeout)
        except TimeoutError:
            raise TransferFailed("transfer.timeout", f"Asterisk did not answer {name} in "
                                 f"{self.timeout:g} s", action=name, channel=channel) from None
        except (OSError, ConnectionError) as e:
            raise TransferFailed("transfer.ami_unavailable", f"AMI: {e}", action=name,
                                 channel=channel) from None
        except Exception as e:
            code = getattr(e, "code", None)
            if code is None:  # not asterisk.ami.AmiError: a bug, let it show
                raise
            if code != "ami.error":  # ami.timeout, ami.not_connected
                raise TransferFailed("transfer.ami_unavailable", f"AMI {name}: {e}",
                                     action=name, channel=channel) from None
            message = (getattr(e, "details", None) or {}).get("Message")
            resp = {"Response": "Error", "Message": message or str(e)}
        if isinstance(resp, list):  # panoramisk may resolve to a list of messages
            resp = resp[0] if resp else {}
        if str(_get(resp, "Response")).lower() != "success":
            reason = str(_get(resp, "Message") or "no response")
            log.warning("transfer.refused", action=name, channel=channel, number=number,
                        reason=reason)
            raise TransferFailed("transfer.refused", f"Asterisk refused {name}: {reason}",
                                 action=name, channel=channel, number=number, reason=reason)
        log.info("transfer.sent", action=name, channel=channel, number=number)


    async def _request(self, action: dict[str, str]) -> Any:
        if hasattr(self.manager, "action") and not hasattr(self.manager, "send_action"):
            fields = {k: v for k, v in action.items() if k != "Action"}
            return await self.manager.action(action["Action"], **fields)
        return await self.manager.send_action(action)


def _get(msg: Any, key: str) -> Any:
    try:
        return msg.get(key)
    except AttributeError:
        return getattr(msg, key, None)
