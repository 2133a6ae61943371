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


def _first_busy(base: int, n: int) -> int | None:
    """The first of ports ``base`` .. ``base + n - 1`` bound by someone (UDP or TCP)."""
    for p in range(base, base + n):
        if not (_free(p, socket.SOCK_DGRAM) and _free(p, socket.SOCK_STREAM)):
            return p
    return None


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (inclusive)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            a, b = (int(x) for x in f.read().split())
        return a, b
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def _spans(lo: int, hi: int) -> list[tuple[int, int]]:
    """[lo, hi) without the ephemeral range: every outgoing TCP connection
    (and its TIME_WAIT) sits on a random port there, so on a busy machine a
    long run of free ports inside it is rare."""
    a, b = ephemeral_range()
    out = [(lo, min(hi, a)), (max(lo, b + 1), hi)]
    return [(x, y) for x, y in out if y > x] or [(lo, hi)]


def free_udp_block(size: int, *, lo: int = 10000, hi: int = 65000, tries: int = 200) -> int:
    """First port of ``size`` consecutive free UDP (and TCP) ports.

    Random start points keep parallel runs apart; from a start point the
    search slides past each busy port to the end of its span before trying
    another start.  Every port is checked.
    """
    rng = random.SystemRandom()
    spans = [(a, b) for a, b in _spans(lo, hi) if b - a >= size] or [(lo, hi)]
    weights = [b - a - size + 1 for a, b in spans]
    for _ in range(tries):
        a, b = rng.choices(spans, weights=[max(1, w) for w in weights])[0]
        base = rng.randrange(a, max(a + 1, b - size + 1)) & ~1  # even: RTP wants even ports
        while base >= a and base + size <= b:
            busy = _first_busy(base, size)
            if busy is None:
                return base
            base = (busy + 2) & ~1
    raise RuntimeError(f"no block of {size} free UDP ports found")


class PortBlockError(RuntimeError):
    """A run of ports could not be taken or given back; ``code`` says which."""

    def __init__(self, code: str, message: str, **details: int) -> None:
        super().__init__(message)
        self.code, self.details = code, details


class PortBlock:
    """Lends runs of ports from one reserved block and takes them back.

    Whatever is started per batch (a sipp process and its SIP, media and
    control ports) gives its ports back when it ends, so a demo that starts
    a batch every few seconds runs for hours in a block of fixed size.
    Lending is first fit over the runs still free, and every port is probed
    when lent: something else on the machine (an outgoing connection's
    ephemeral port) may have bound one since the block was reserved.
    """

    def __init__(self, size: int) -> None:
        self.base = free_udp_block(size)
        self.size = size
        self._free: list[tuple[int, int]] = [(self.base, self.base + size)]  # [lo, hi), sorted

    @property
    def available(self) -> int:
        return sum(hi - lo for lo, hi in self._free)

    def take(self, n: int = 1) -> int:
        """The first port of ``n`` consecutive free ports, now lent out."""
        for i, (lo, hi) in enumerate(self._free):
            start = lo
            while start + n <= hi:
                busy = _first_busy(start, n)
                if busy is None:
                    rest = ((lo, start), (start + n, hi))
                    self._free[i : i + 1] = [r for r in rest if r[0] < r[1]]
                    return start
                start = busy + 1  # no run through a busy port
        raise PortBlockError(
            "ports.exhausted",
            "port block exhausted",
            wanted=n,
            available=self.available,
            size=self.size,
        )

    def give_back(self, port: int, n: int = 1) -> None:
        """Return ``n`` ports from ``port``, lent earlier by ``take``."""
        lo, hi = port, port + n
        if n < 1 or lo < self.base or hi > self.base + self.size:
            raise PortBlockError(
                "ports.not_ours",
                f"ports {lo}..{hi - 1} are not of this block",
                port=port,
                n=n,
                base=self.base,
                size=self.size,
            )
        if any(a < hi and lo < b for a, b in self._free):
            raise PortBlockError(
                "ports.already_free", f"ports {lo}..{hi - 1} were not lent", port=port, n=n
            )
        runs = sorted([*self._free, (lo, hi)])
        merged = [runs[0]]
        for a, b in runs[1:]:
            if a == merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        self._free = merged
