"""kontakt demo: a whole contact center on this machine.

SIGINT (Ctrl-C) and SIGTERM (systemd, a closing terminal, ``kill``) end it
the same way: no new citizens, Asterisk and every sipp stopped, the summary
printed, all within 10 seconds.  A second signal, or a stop still running
HARD_STOP seconds after the first, ends the process at once; its children
die with it (asterisk.lifeline), so nothing is left behind either way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from kontakt.settings import Settings

HARD_STOP = 9.7  # seconds from the signal to os._exit, whatever is still stopping
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run a private Asterisk, the engine, agents and citizens")
    p.add_argument("--agents", type=int, default=20, help="agent seats with answering phones")
    p.add_argument("--calls", type=int, default=0, help="place N citizen calls, then end")
    p.add_argument("--rate", type=float, default=2.0, help="calls per second")
    p.add_argument("--talk", type=float, default=5.0, help="seconds an agent talks")
    p.add_argument("--patience", type=float, default=600.0, help="seconds a citizen waits at most")
    p.add_argument(
        "--at",
        default=None,
        help="the demo clock, ISO time (default: a working day at 10:00 Europe/Belgrade)",
    )
    p.add_argument("--http-port", type=int, default=None, help="serve the workstations here")
    p.add_argument("--seed", type=int, default=21, help="random seed for the citizens")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from kontakt.cli import UserError

    if not 1 <= args.agents <= 99:
        raise UserError("--agents must be 1..99")
    if args.rate <= 0 or args.talk < 0 or args.calls < 0:
        raise UserError("--rate must be > 0, --talk and --calls >= 0")
    settings = Settings.load(args.settings)
    try:
        return asyncio.run(_run(args, settings))
    except KeyboardInterrupt:  # before the signal handlers were in place
        return 130


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from kontakt.demo import Stopping, print_summary, run_demo

    stopping = Stopping()

    def figures_at_the_stop() -> None:  # the hard stop came first: these, at least
        if stopping.figures is not None:
            print_summary(stopping.figures, args.json)

    with stop_on_signals(stopping.requested, last_words=figures_at_the_stop) as hard_stop:
        summary = await run_demo(args, settings, stopping)
        # Printed here, before the event loop winds down: what is left of the
        # stop after a signal (tasks cut short) may still be unwinding.
        print_summary(summary, args.json)
        hard_stop.done(0 if summary.get("lost", 1) == 0 else 1)
        if stopping.requested.is_set():
            await _end_after_signal(hard_stop)
    return hard_stop.status


async def _end_after_signal(hard_stop: HardStop, grace: float = 0.5) -> None:
    """After a signal the summary is out and Asterisk and sipp are gone.  A
    step the stop cut short may still be unwinding (a cancelled database
    call rolls back in its own thread, which the interpreter's exit would
    wait for): it gets ``grace`` seconds, then the process ends without it."""
    me = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not me]
    if left:
        await asyncio.wait(left, timeout=grace)
    busy = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    if busy or any(not t.done() for t in left):
        hard_stop.now("")


class HardStop:
    """Ends the process at once: on a second signal, or when the stop after
    the first is still running ``seconds`` later.  A timer thread, so it
    fires whatever the event loop (or the interpreter's exit) is doing."""

    def __init__(self, seconds: float, last_words: Callable[[], None] | None = None) -> None:
        self.seconds = seconds
        self.last_words = last_words  # printed if it ends the process before the summary
        self.status = 1  # until the summary is printed
        self.printed = False
        self.timer: threading.Timer | None = None

    def done(self, status: int) -> None:
        """The summary is printed; exit with ``status`` whatever ends the process."""
        self.status, self.printed = status, True

    def arm(self, signame: str) -> None:
        if self.timer is not None:
            self.now(f"a second {signame}")
        self.timer = threading.Timer(self.seconds, self.now, args=("stopping takes too long",))
        self.timer.daemon = True
        self.timer.start()

    def now(self, why: str) -> None:
        if why:
            sys.stderr.write(f"\nkontakt demo: {why}: ending now; Asterisk and sipp die with it\n")
        if not self.printed and self.last_words is not None:
            with contextlib.suppress(Exception):
                self.last_words()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(self.status)


@contextlib.contextmanager
def stop_on_signals(
    stop: asyncio.Event,
    hard_stop: float = HARD_STOP,
    last_words: Callable[[], None] | None = None,
) -> Iterator[HardStop]:
    """SIGINT and SIGTERM set ``stop`` and arm the hard stop.

    Plain ``signal.signal`` handlers, not the loop's: they run in the main
    thread even while the loop is busy in a synchronous step (building the
    prompts at start).  An armed hard stop stays armed after the block, over
    the event loop's and the interpreter's exit."""
    loop = asyncio.get_running_loop()
    hard = HardStop(hard_stop, last_words)

    def requested(signame: str) -> None:
        print(f"\nkontakt demo: {signame}, stopping", file=sys.stderr)
        stop.set()

    def handler(signum: int, frame: FrameType | None) -> None:
        signame = signal.Signals(signum).name
        hard.arm(signame)
        loop.call_soon_threadsafe(requested, signame)

    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        yield hard
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
