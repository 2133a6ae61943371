"""Children that die with their parent: the private Asterisk and every sipp.

Each is started in a session of its own (a Ctrl-C in the terminal reaches
only the parent, which stops them in order), so nothing else would end them
if the parent died without stopping them (SIGKILL, a crash).  On Linux the
kernel can: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` in the child, between fork
and exec, and the child is killed when the thread that started it ends.
Everything here starts its children from the event loop's thread, which
lives as long as the process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1

# Looked up once in the parent: the child, between fork and exec, only calls it.
_prctl: Callable[..., int] | None = None
if sys.platform.startswith("linux"):
    try:
        _prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # no prctl in this libc: children may outlive us
        _prctl = None


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child die with this process; None
    where the platform cannot (the children then rely on an orderly stop)."""
    if _prctl is None:
        return None
    prctl, parent = _prctl, os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec
