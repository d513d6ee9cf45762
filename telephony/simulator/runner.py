"""Standalone simulator: `python -m telephony.simulator --host 127.0.0.1 --port 5038` (`hotline pbx-sim`)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from typing import Sequence

from .config import SimulatorConfig, default_agents, local_agents
from .server import PbxSimulator
from .traffic import TrafficProfile

log = logging.getLogger("telephony.simulator")


async def run_simulator(host: str = "127.0.0.1", port: int = 5038, *, traffic: bool = True, agents: int = 6,
                        speed: float = 1.0, calls_per_hour: float = 60.0, username: str = "hotline",
                        secret: str = "hotline", queues: Sequence[str] = ("hotline",),
                        recordings_dir: Path | None = None, system_name: str = "", seed: int | None = None,
                        started: "asyncio.Future[PbxSimulator] | None" = None, local_members: bool = False,
                        local_callers: float = 0.0, transfers: float = 0.0) -> None:
    """Run a simulated Asterisk 20 until cancelled. `started`, if given, receives the running simulator.
    `local_members`: agents are Local/8001@agents/n (FreePBX, Issabel); `local_callers`, `transfers`: shares."""
    members = local_agents(agents) if local_members else default_agents(agents)
    config = SimulatorConfig(users={username: secret}, queues=tuple(queues), agents=members,
                             speed=speed, recordings_dir=recordings_dir, system_name=system_name, seed=seed)
    sim = PbxSimulator(config)
    await sim.start(host, port)
    log.info("PBX simulator (Asterisk 20 AMI) listening on %s:%d", host, sim.port)
    if started is not None and not started.done():
        started.set_result(sim)
    if traffic:
        sim.start_traffic(TrafficProfile(calls_per_hour=calls_per_hour, local_caller_ratio=local_callers,
                                         transfer_ratio=transfers))
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="pbx-sim", description="A simulated Asterisk 20 AMI with 12345 traffic.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5038)
    p.add_argument("--agents", type=int, default=6, help="logged-in agents PJSIP/8001… (default 6)")
    p.add_argument("--no-traffic", action="store_true", help="no random calls; only what clients originate")
    p.add_argument("--calls-per-hour", type=float, default=60.0)
    p.add_argument("--speed", type=float, default=1.0, help="time scale: 10 runs ten times faster")
    p.add_argument("--username", default="hotline")
    p.add_argument("--secret", default="hotline")
    p.add_argument("--queue", action="append", dest="queues", help="queue name (repeatable; default hotline)")
    p.add_argument("--recordings", type=Path, default=None, help="write a WAV per answered call here")
    p.add_argument("--systemname", default="")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--local-members", action="store_true", help="agents are Local/8001@agents/n (FreePBX style)")
    p.add_argument("--local-callers", type=float, default=0.0, help="share of callers via Local/12345@from-citizen")
    p.add_argument("--transfers", type=float, default=0.0, help="share of answered calls transferred on")
    return p.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    """Run until SIGINT/SIGTERM, then stop cleanly (close sockets, cancel calls)."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, task.cancel)  # type: ignore[union-attr]
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await run_simulator(args.host, args.port, traffic=not args.no_traffic, agents=args.agents, speed=args.speed,
                            calls_per_hour=args.calls_per_hour, username=args.username, secret=args.secret,
                            queues=tuple(args.queues or ("hotline",)), recordings_dir=args.recordings,
                            system_name=args.systemname, seed=args.seed, local_members=args.local_members,
                            local_callers=args.local_callers, transfers=args.transfers)
    except asyncio.CancelledError:
        log.info("PBX simulator stopped")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass
    return 0
