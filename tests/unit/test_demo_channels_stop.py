"""The demo's citizens write some messages a moment later; stopping the demo
cancels those that have not started, and Python must not warn on the user's
terminal that a coroutine was never awaited."""

from __future__ import annotations

import asyncio
import inspect
import random

import pytest

from kontakt.demo_channels import ChannelCitizens


async def test_a_message_cancelled_before_it_starts_is_closed():
    citizens = ChannelCitizens.__new__(ChannelCitizens)  # only _later and its rng
    citizens.rng = random.Random(1)

    async def send() -> None:
        raise AssertionError("must not run")

    message = send()
    task = asyncio.ensure_future(citizens._later(message, 5.0))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert inspect.getcoroutinestate(message) == inspect.CORO_CLOSED
