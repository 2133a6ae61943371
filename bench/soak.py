"""`make soak`: a whole working day, 07:30 to 15:30, compressed, against the
engine as its own `kontakt run` process, at the design load (20 agents, 327
calls an hour, 180 s handle time: 16.4 Erlang) and at 3 times that.

    python -m bench.soak                      # both loads, 10 minutes each
    python -m bench.soak --load 3 --minutes 12 --db postgres

A private Asterisk with 20 agent phones (asterisk.rig), a private Mosquitto
and, with ``--db postgres``, a private PostgreSQL cluster; the citizens walk
the IVR (bench.soak_citizens), the demo's operators and department staff
work the tickets over HTTP (bench.soak_desk).  At set points of the day the
soak kills the engine (SIGKILL, started again 5 s later), restarts the
broker, cuts the engine's AMI connection and (PostgreSQL) restarts the
database, and prints what each cost.  Every figure about calls is read from
Asterisk's AMI (asterisk.ledger), tickets and events from the database and
the broker, the engine's RSS, descriptors and CPU from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asterisk.ports import free_tcp_port
from asterisk.rig import CITY_NUMBER, PhoneBehaviour, Rig
from bench import soak_citizens as cz
from bench.soak_control import AmiProxy, control_call
from bench.soak_desk import HttpDesk
from bench.soak_events import EventTap, pending_outbox
from bench.soak_faults import Fault, run_schedule
from bench.soak_monitor import Monitor
from bench.soak_procs import Broker, Children, EngineProcess, Postgres, until
from bench.soak_report import account, print_report, print_summary
from bench.soak_setup import (
    SKILLS,
    MailSink,
    add_users,
    departments_of,
    new_password,
    settings_file,
    soak_config,
)
from bench.soak_watch import CallWatch, QuietInstance, watch_ami

TALK_MEAN_S = 194.0  # the agents' talk; with the impatient citizens' short calls, ~180 s handled
KILL_DOWN_S = 5.0
BROKER_DOWN_S = 2.0
DB_DOWN_S = 2.0


@dataclass(frozen=True)
class Plan:
    load: float = 1.0
    minutes: float = 10.0
    db: str = "sqlite"
    seed: int = 21
    agents: int = 20

    @property
    def factor(self) -> float:
        return cz.DAY_S / (self.minutes * 60)

    @property
    def day_s(self) -> float:
        return self.minutes * 60

    def compress(self, seconds: float) -> float:
        return seconds / self.factor


class Soak:
    def __init__(self, plan: Plan, base: Path) -> None:
        self.plan, self.base = plan, base
        self.children = Children()
        self.watch = CallWatch()
        self.faults: list[Fault] = []
        self.citizen_procs: list[Any] = []
        self.t0 = 0.0
        self.password = new_password()
        self.admin_password = new_password()
        self.rig = Rig(base / "rig", agents=plan.agents, ring_timeout=15,
                       phones=self._phones(), city_talk_ms=int(plan.compress(120) * 1000))
        self.rig.instance = QuietInstance(self.rig.cfg)
        self.broker = Broker(base / "mqtt", free_tcp_port(), self.children)
        # Its own folder: the run's is private to the soak's user (mode 700).
        self.pg = Postgres(Path(tempfile.mkdtemp(prefix="kontakt-soak-pg-")), free_tcp_port(),
                           self.children) if plan.db == "postgres" else None
        self.proxy = AmiProxy(self.rig.cfg.ami_port, base / "amiproxy.log", self.children)
        self.mail = MailSink()
        self.http_port = free_tcp_port()
        self.tap = EventTap("127.0.0.1", self.broker.port)
        self.engine = EngineProcess(base, base / "kontakt.toml", self.children)
        self.desk: HttpDesk | None = None
        self.monitor = Monitor(lambda: self.engine.pid, lambda: self.rig.instance.proc,
                               self.control, lambda: self.t0)
        self.db_url = self.pg.url if self.pg else f"sqlite+aiosqlite:///{base}/kontakt.db"
        self.notes: dict[str, Any] = {}
        self.languages: dict[str, str] = {}  # caller number -> the language it chose

    def _phones(self) -> dict[str, PhoneBehaviour]:
        """Talk times spread 0.6x to 1.4x around the mean, one per seat."""
        n = self.plan.agents
        mean = self.plan.compress(TALK_MEAN_S)
        return {f"agent{i + 1:02d}": PhoneBehaviour(
            ring_ms=100, talk_ms=int(mean * (0.6 + 0.8 * i / max(1, n - 1)) * 1000))
            for i in range(n)}

    @property
    def control(self) -> Path:
        return self.base / "run" / "control.sock"

    # -- start -------------------------------------------------------------------
    async def start(self) -> None:
        await self.rig.start()
        ami = await watch_ami(self.rig)
        ami.listeners.append(lambda ev: self.watch.feed(ev))
        await self.broker.start()
        await self.tap.start()
        if self.pg is not None:
            await self.pg.start()
        await self.proxy.start()
        self.mail.start()
        config = soak_config(self.base / "soak.yaml")
        self._settings(config)
        for args, env in ((("db", "upgrade"), None),
                          (("user", "add", "admin", "--role", "admin"),
                           {"KONTAKT_NEW_PASSWORD": self.admin_password})):
            r = await asyncio.to_thread(self.engine.cli, *args, extra_env=env)
            if r.returncode != 0:
                raise RuntimeError(f"kontakt {' '.join(args)}: {r.stderr.strip()}")
        self.notes["engine_start_s"] = round(await self.engine.start(self.control), 2)
        url = f"http://127.0.0.1:{self.http_port}"
        await add_users(url, self.admin_password, self.password, list(SKILLS)[: self.plan.agents],
                        departments_of(config))
        await self._login_agents()
        talk = self.plan.compress(TALK_MEAN_S)
        self.desk = HttpDesk(url, self.password, rng=random.Random(self.plan.seed),
                             listen_s=(0.15 * talk, 0.45 * talk))
        await self.desk.start()
        self.tap.listeners.append(self.desk.agent_event)

    def _settings(self, config: Path) -> None:
        p = self.plan
        settings_file(self.engine.settings_file, {
            "config": str(config),
            "prompts_dir": str(Path.home() / ".cache" / "kontakt" / "prompts"),
            "database_url": self.db_url,
            "mqtt_host": "127.0.0.1", "mqtt_port": self.broker.port,
            "ami_host": "127.0.0.1", "ami_port": self.proxy.port,
            "ami_username": self.rig.cfg.ami_user, "ami_secret": self.rig.cfg.ami_secret,
            "agi_host": "127.0.0.1", "agi_port": self.rig.agi_port,
            "http": True, "http_host": "127.0.0.1", "http_port": self.http_port,
            "seats": p.agents, "ring_timeout": 15.0, "wrapup": 0.0,
            # Prompts are not compressed: announcements keep their real spacing.
            "announce_every": 30.0,
            "max_wait": round(p.compress(300), 2),
            "queue_log": str(self.base / "queue_log"), "run_dir": str(self.base / "run"),
            "log_level": "info", "log_json": True,
            "smtp_host": "127.0.0.1", "smtp_port": self.mail.port,
            "smtp_from": "kontakt-centar@novisad.example",
        })

    async def _login_agents(self) -> None:
        for agent in list(SKILLS)[: self.plan.agents]:
            r = await control_call(self.control, {"op": "agent.login", "agent": agent,
                                                  "skills": SKILLS[agent]})
            if not r.get("ok"):
                raise RuntimeError(f"login {agent}: {r}")

    # -- the day ---------------------------------------------------------------------
    async def calibrate(self) -> float:
        """One call through the IVR: real seconds from the keys to the queue."""
        probe = CallWatch()
        self.watch = probe
        plan = [cz.Citizen(0.0, "0214999999", CITY_NUMBER, "sr", 30 * self.plan.factor, False,
                           "plain")]
        timing = cz.Timing(self.plan.factor, 2.0, self.plan.compress(300), lead_s=0.2)
        proc = self._spawn_group("probe", plan, timing)
        await until(lambda: bool(probe.calls) and all(r.ended for r in probe.calls.values()),
                    60, 0.2)
        await asyncio.to_thread(proc.wait, 10)
        self.children.forget(proc)
        rec = next(iter(probe.calls.values()), None)
        if rec is None or rec.queued is None:
            raise RuntimeError(f"the probe call did not reach the queue: {probe.summary()}")
        ivr = max(0.5, rec.queued - rec.started - (cz.KEY1_MS + cz.KEY2_MS) / 1000)
        self.notes["ivr_s"] = round(rec.queued - rec.started, 2)
        self.watch = CallWatch()
        desk = self.desk
        assert desk is not None
        self.watch.on_answer.append(lambda r: desk.call_answered(
            r.uid, r.agent or "agent01", r.channel, lambda: r.ended is None))
        return ivr

    def _spawn_group(self, group: str, citizens: list[cz.Citizen], timing: cz.Timing) -> Any:
        per_s = len(citizens) / max(1.0, self.plan.day_s)
        rate = max(5.0, round(2 * per_s, 1))
        sf, inf = cz.write_group(self.base / "citizens", group, citizens, timing, rate)
        ports = self.rig.ports
        args = cz.sipp_args(target_port=self.rig.sip_port, sf=sf, inf=inf, calls=len(citizens),
                            rate=rate, sip_port=ports.take(), media_port=ports.take(4),
                            control_port=ports.take(),
                            errors=self.base / "citizens" / f"{group}.errors")
        return self.children.spawn([shutil.which("sipp") or "sipp", *args],
                                   log=self.base / "citizens" / f"{group}.log",
                                   cwd=self.base / "citizens")

    async def day(self, ivr_s: float) -> None:
        p = self.plan
        citizens = cz.day_plan(load=p.load, factor=p.factor, seed=p.seed)
        timing = cz.Timing(p.factor, ivr_s, p.compress(300))
        self.notes["planned_calls"] = len(citizens)
        self.languages = {c.caller: c.language for c in citizens}
        for group in ("plain", "callback"):
            mine = [c for c in citizens if c.group == group]
            if mine:
                self.citizen_procs.append(self._spawn_group(group, mine, timing))
        self.t0 = time.time() + timing.lead_s
        self._faults()
        tasks = [asyncio.create_task(run_schedule(self.faults, self.t0, p.day_s)),
                 *self.monitor.tasks(p.day_s)]
        try:
            await asyncio.sleep(self.t0 + p.day_s - time.time())
            await tasks[0]
        finally:
            for t in tasks:  # the schedule is done unless the soak is being stopped
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await t

    def _faults(self) -> None:
        self.faults = [Fault("engine SIGKILL", 0.20, self._kill_engine),
                       Fault("MQTT broker restart", 0.40, self._restart_broker),
                       Fault("AMI connection drop", 0.60, self._drop_ami)]
        if self.pg is not None:
            self.faults.append(Fault("database restart", 0.80, self._restart_db))

    async def _kill_engine(self) -> dict[str, Any]:
        pid = self.engine.pid
        await self.engine.kill()
        await asyncio.sleep(KILL_DOWN_S)
        started = await self.engine.start(self.control)
        return {"old_pid": pid, "new_pid": self.engine.pid, "restart_s": round(started, 2),
                "back": time.time()}

    async def _restart_broker(self) -> dict[str, Any]:
        await self.broker.restart(BROKER_DOWN_S)
        return {"down_s": BROKER_DOWN_S, "back": time.time()}

    async def _drop_ami(self) -> dict[str, Any]:
        before = len(self.proxy.connects)
        t = time.time()
        self.proxy.cut()
        await until(lambda: len(self.proxy.connects) > before, 60, 0.05)
        back = self.proxy.connects[before:]
        cuts = self.proxy.cuts()
        return {"connections_cut": cuts[-1][1] if cuts else None,
                "reconnect_s": round(back[0] - t, 2) if back else None,
                "back": back[0] if back else None}

    async def _restart_db(self) -> dict[str, Any]:
        assert self.pg is not None
        await self.pg.restart(DB_DOWN_S)
        return {"down_s": DB_DOWN_S, "back": time.time()}

    # -- after the day ---------------------------------------------------------------
    async def drain(self) -> None:
        self.monitor.sample("end")
        await until(lambda: all(p.poll() is not None for p in self.citizen_procs)
                    and not self.watch.ledger.legs, self.plan.compress(1500) + 60, 0.5)
        self.notes["drain_left_calls"] = len(self.watch.ledger.legs)
        if self.desk is not None:
            await self.desk.settle(150)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if await pending_outbox(self.db_url) == 0:
                    break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # the last deliveries reach the tap
        self.monitor.sample("drained")
        t = time.monotonic()
        code = await self.engine.stop()
        self.notes["sigterm_exit"] = code
        self.notes["sigterm_s"] = round(time.monotonic() - t, 2)

    async def stop(self) -> None:
        """Everything the soak started, in three waves (what makes calls, the
        engine and its clients, then the servers), each wave at once."""
        waves = [
            [self._stop_citizens(), *([self.desk.stop()] if self.desk else [])],
            [self.engine.stop(), self.tap.stop(), self.proxy.stop()],
            [self.broker.stop(), *([self.pg.stop()] if self.pg else []), self.rig.stop()],
        ]
        t = time.monotonic()
        for n, wave in enumerate(waves, 1):
            w = time.monotonic()
            await asyncio.gather(*(asyncio.wait_for(step, 20) for step in wave),
                                 return_exceptions=True)
            if time.monotonic() - w > 5:
                print(f"soak: stopping wave {n} took {time.monotonic() - w:.1f} s",
                      file=sys.stderr, flush=True)
        self.mail.stop()
        self.children.kill_all()
        if self.pg is not None:
            shutil.rmtree(self.pg.base, ignore_errors=True)
        self.notes["stop_s"] = round(time.monotonic() - t, 1)

    async def _stop_citizens(self) -> None:
        for p in self.citizen_procs:
            if p.poll() is None:
                p.kill()
        await until(lambda: all(p.poll() is not None for p in self.citizen_procs), 5, 0.05)


async def soak(plan: Plan, base: Path) -> dict[str, Any]:
    s = Soak(plan, base)
    atexit.register(s.children.kill_all)
    try:
        await s.start()
        ivr = await s.calibrate()
        await s.day(ivr)
        await s.drain()
        return await account(s)
    finally:
        t = time.monotonic()
        await s.stop()
        atexit.unregister(s.children.kill_all)
        print(f"soak: stopped everything it started in {time.monotonic() - t:.1f} s",
              file=sys.stderr, flush=True)


async def _main(args: argparse.Namespace) -> int:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    loads = [args.load] if args.load else [1.0, 3.0]
    results = []
    for load in loads:
        plan = Plan(load=load, minutes=args.minutes, db=args.db, seed=args.seed)
        base = Path(tempfile.mkdtemp(prefix=f"kontakt-soak-{load:g}x-"))
        print(f"soak: {load:g}x design load, {plan.minutes:g} min (factor {plan.factor:g}), "
              f"{plan.db}; files in {base}", flush=True)
        result = await soak(plan, base)
        (base / "result.json").write_text(json.dumps(result, default=str), "utf-8")
        print_report(result)
        print("SOAK " + json.dumps(result, sort_keys=True, default=str), flush=True)
        results.append(result)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    if len(results) > 1:
        print_summary(results)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("--load", type=float, default=None,
                   help="times the design load (default: 1 and then 3)")
    p.add_argument("--minutes", type=float, default=10.0,
                   help="real minutes the 8-hour day takes (default 10: factor 48)")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--seed", type=int, default=21)
    p.add_argument("--keep", action="store_true", help="keep the run's folder (logs)")
    args = p.parse_args(argv)
    try:
        return asyncio.run(_main(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("soak: interrupted; every process it started is stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
