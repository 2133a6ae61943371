"""Argon2 takes 64 MiB a hash: at most two run at once, whatever the number
of logins (the soak's start peaked at 460 MB with one per worker thread)."""

from __future__ import annotations

import asyncio
import threading
import time

from kontakt.http.users import _ARGON2_AT_ONCE, _in_turn, hash_password_async, verify_password


async def test_at_most_two_hashes_at_once() -> None:
    lock, now, peak = threading.Lock(), [0], [0]

    def work(_: str) -> str:
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.05)
        with lock:
            now[0] -= 1
        return "done"

    assert await asyncio.gather(*(_in_turn(work, str(i)) for i in range(8))) == ["done"] * 8
    assert peak[0] == _ARGON2_AT_ONCE == 2


async def test_a_hash_made_in_turn_verifies() -> None:
    h = await hash_password_async("correct horse battery")
    assert verify_password(h, "correct horse battery")
