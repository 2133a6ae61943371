"""The demo's chatting citizens and the operators who answer them, through
the same conversation service the web chat uses; the summary's chat figures
are read back from the database, not counted in memory."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from acd.conversation import Author, Channel, Conversation, ConvState
from infra.logs import get_logger

log = get_logger()

OPENINGS = {
    "sr": ["Добар дан, контејнер у мојој улици није испражњен већ недељу дана.",
           "Поздрав, не ради јавна расвета у парку.", "Где могу да платим паркинг карту?",
           "Пукла је цев испред зграде, вода тече на улицу."],
    "hu": ["Jó napot, nem működik a közvilágítás az utcánkban."],
}
DETAILS = ["Улица Футошка 12.", "Булевар ослобођења 40, код семафора.", "Хвала, то је то.",
           "Данас од јутра."]
SUBJECTS = ["Смеће није одвезено", "Јавна расвета", "Информација", "Пукла цев"]


class ChatDemo:
    """A system part (``Options.extras``): ``total`` chats spread over
    ``spread`` seconds, or one every ``every`` seconds until stopped."""

    def __init__(self, seed: int, total: int | None, spread: float = 15.0,
                 every: float = 5.0, departments: tuple[str, ...] = ("vodovod", "cistoca")
                 ) -> None:
        self.rng = random.Random(seed + 13)
        self.total, self.spread, self.every = total, spread, every
        self.departments = departments
        self.system: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._replied: dict[int, asyncio.Event] = {}
        self.errors = 0

    async def __call__(self, system: Any) -> Any:
        self.system = system
        chats = system.chats
        if chats is None:
            return self._nothing
        if system.holder is not None:
            self.departments = tuple(d.id for d in system.holder.current.departments) \
                or self.departments
        chats.listeners.append(self._on_event)
        self._runner = asyncio.create_task(self._citizens())
        return self.stop

    async def _nothing(self) -> None:
        return None

    async def stop(self) -> None:
        if self.system is not None and self.system.chats is not None:
            with contextlib.suppress(ValueError):
                self.system.chats.listeners.remove(self._on_event)
        tasks = [*self._tasks, *([self._runner] if self._runner else [])]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- citizens ------------------------------------------------------------
    async def _citizens(self) -> None:
        if self.total is None:
            i = 0
            while True:
                i += 1
                self._spawn(self._citizen(i))
                await asyncio.sleep(self.every)
        starts = sorted(self.rng.uniform(1.0, max(1.0, self.spread)) for _ in range(self.total))
        at = 0.0
        for i, start in enumerate(starts, 1):
            await asyncio.sleep(start - at)
            at = start
            self._spawn(self._citizen(i))

    async def _citizen(self, i: int) -> None:
        chats = self.system.chats
        language = self.rng.choices(["sr", "hu"], weights=[90, 10])[0]
        try:
            conv = await chats.open(Channel.CHAT, f"demo-web:{i}",
                                    self.rng.choice(OPENINGS[language]), language=language)
        except Exception as e:
            self.errors += 1
            log.warning("demo.chat_open_failed", error=str(e))
            return
        told = False
        for _ in range(600):  # at most five minutes
            if conv.state is ConvState.ENDED:
                return
            chats.seen(conv.id)  # the page is open
            try:
                if conv.state is ConvState.FALLBACK:
                    await chats.fallback(conv.id, "message", text=self.rng.choice(DETAILS))
                elif not told and _operator_wrote(conv):
                    told = True
                    await asyncio.sleep(0.3 + self.rng.random())
                    await chats.inbound(conv.id, self.rng.choice(DETAILS))
            except Exception as e:  # the operator ended it meanwhile: fine
                log.info("demo.chat_citizen_step", conversation=conv.id, error=str(e))
            await asyncio.sleep(0.5)
        await chats.citizen_left(conv.id)

    # -- operators -------------------------------------------------------------
    def _on_event(self, type_: str, conv: Conversation) -> None:
        if type_ == "chat.assigned" and conv.agent:
            self._spawn(self._operator(conv, conv.agent))
        elif type_ == "chat.message":
            ev = self._replied.get(conv.id)
            if ev is not None:
                ev.set()

    async def _operator(self, conv: Conversation, agent: str) -> None:
        from tickets.domain import Actor

        chats = self.system.chats
        actor = Actor(agent, "agent")
        detail = self._replied.setdefault(conv.id, asyncio.Event())
        try:
            await asyncio.sleep(0.5 + self.rng.random())
            await chats.reply(agent, conv.id, "Добар дан, Контакт центар Нови Сад, изволите.")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(detail.wait(), 8.0)
            r = self.rng.random()
            subject = self.rng.choice(SUBJECTS)
            if r < 0.5:
                await chats.open_ticket(actor, agent, conv.id, kind="request", subject=subject)
                await chats.reply(agent, conv.id, "Отворили смо предмет, јавићемо вам се.")
                await chats.end(agent, conv.id)
            elif r < 0.7:
                await chats.forward(actor, agent, conv.id, kind="complaint", subject=subject,
                                    department=self.rng.choice(self.departments))
            else:
                await chats.reply(agent, conv.id, "Хвала на питању, пријатан дан.")
                await chats.end(agent, conv.id)
        except Exception as e:
            if conv.state is not ConvState.ENDED:
                self.errors += 1
                log.warning("demo.chat_operator_failed", conversation=conv.id, error=str(e))
        finally:
            self._replied.pop(conv.id, None)

    # -- the summary ----------------------------------------------------------------
    async def settle(self, timeout: float = 60.0) -> None:
        for _ in range(int(timeout / 0.25)):
            if not self._tasks and (self._runner is None or self._runner.done()):
                return
            await asyncio.sleep(0.25)

    async def summary(self) -> dict[str, Any]:
        if self.system is None or self.system.chats is None:
            return {}
        await self.settle()
        counts = await self.system.chats.store.counts(Channel.CHAT)
        return {"chats_offered": counts["offered"], "chats_answered": counts["answered"],
                "chats_lost": counts["lost"]}


def _operator_wrote(conv: Conversation) -> bool:
    return any(m.author is Author.OPERATOR for m in conv.messages)
