"""Free ports for private instances, so two runs can share a machine."""

from __future__ import annotations

import random
import socket


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _free(port: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_udp_block(size: int, *, lo: int = 20000, hi: int = 60000, tries: int = 200) -> int:
    """First port of ``size`` consecutive free UDP (and TCP) ports.

    Random start points keep parallel runs apart; every port is checked.
    """
    rng = random.SystemRandom()
    for _ in range(tries):
        base = rng.randrange(lo, hi - size) & ~1  # even: RTP wants even ports
        if all(_free(p, socket.SOCK_DGRAM) and _free(p, socket.SOCK_STREAM)
               for p in range(base, base + size)):
            return base
    raise RuntimeError(f"no block of {size} free UDP ports found")


class PortBlock:
    """Hands out ports from one reserved block, in order."""

    def __init__(self, size: int) -> None:
        self.base = free_udp_block(size)
        self.size = size
        self._next = self.base

    def take(self, n: int = 1) -> int:
        if self._next + n > self.base + self.size:
            raise RuntimeError("port block exhausted")
        p = self._next
        self._next += n
        return p
