"""The telephony lifetime inside the app: simulator (optional), AMI link, one consumer, model, bus.

`telephony_ctx` is an aiohttp cleanup context: everything it starts is named, referenced,
supervised and cancelled on shutdown, in reverse order of starting.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from aiohttp import web

from casework.clock import Clock
from config.settings import PbxSettings
from recordings.ffmpeg import resolve_binary
from recordings.legacy import LegacyRecorder
from telephony.ami import AmiLink, SinkItem
from telephony.bus import Bus
from telephony.calls.model import CallModel
from telephony.calls.service import CallService, LiveCalls
from telephony.mapper import AmiMapper
from telephony.stack import Telephony
from web.background import supervised
from web.keys import CLOCK, DATABASE, SERVICES, SETTINGS, TELEPHONY

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0




async def _consume(sink: "asyncio.Queue[SinkItem]", live: LiveCalls) -> None:
    """The one consumer: every link item, in order; a bad message is logged, never fatal."""
    while True:
        item = await sink.get()
        try:
            live.feed(item)
        except Exception:
            log.exception("could not handle AMI item %r", item)


async def _tick(live: LiveCalls, clock: Clock) -> None:
    while True:
        await asyncio.sleep(TICK_SECONDS)
        live.tick(clock())


def _legacy_recorder(folder: Path) -> Callable[..., Any] | None:
    """The old recorder's WMA copy of each simulated call, so the legacy import path has files too."""
    try:
        return LegacyRecorder(folder, resolve_binary()).record
    except Exception:  # no ffmpeg: the simulator still writes its WAV files
        log.warning("no ffmpeg for the simulated legacy recorder; WMA copies are off")
        return None


async def _start_simulator(settings: PbxSettings, recordings_dir, known: tuple[tuple[str, str], ...] = ()) -> object:
    from telephony.simulator import AgentSpec, PbxSimulator, SimulatorConfig, TrafficProfile, default_agents
    supervisors = tuple(AgentSpec(f"PJSIP/810{i}", f"班长810{i}", logged_in=False) for i in (1, 2))
    config = SimulatorConfig(users={settings.username: settings.secret}, queues=settings.queues,
                             agents=default_agents(settings.sim_agents) + supervisors, recordings_dir=recordings_dir / "pbx",
                             legacy_recorder=_legacy_recorder(recordings_dir / "wma"))
    sim = PbxSimulator(config)
    await sim.start(settings.host, settings.port)
    if settings.sim_calls_per_hour > 0:
        sim.start_traffic(TrafficProfile(calls_per_hour=settings.sim_calls_per_hour, known_callers=known))
    log.info("PBX simulator listening on %s:%d", settings.host, sim.port)
    return sim


async def telephony_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, clock = app[SETTINGS], app[CLOCK]
    pbx = settings.pbx
    bus, model = Bus(), CallModel(wrapup_seconds=pbx.wrapup_seconds)
    calls = CallService(app[DATABASE], clock)
    live = LiveCalls(AmiMapper(clock, pbx.queues), model, bus, calls)
    live.start()
    telephony = Telephony(pbx, bus, model, calls, live)
    app[TELEPHONY] = telephony
    try:
        if pbx.enabled:
            if pbx.simulate:
                telephony.simulator = await _start_simulator(pbx, settings.storage.recordings_dir,
                                                             await app[SERVICES].cases.known_callers())
                pbx = replace(pbx, port=telephony.simulator.port)
                telephony.settings = pbx
            sink: asyncio.Queue[SinkItem] = asyncio.Queue(maxsize=pbx.event_queue_size)
            telephony.link = AmiLink(pbx, sink, clock, events=live.mapper.events)
            loop = asyncio.get_running_loop()
            telephony.tasks = [
                loop.create_task(supervised("ami-consumer", lambda: _consume(sink, live)), name="ami-consumer"),
                loop.create_task(supervised("call-ticker", lambda: _tick(live, clock)), name="call-ticker")]
            await telephony.link.start()
        yield
    finally:
        await _shutdown(telephony)


async def _shutdown(t: Telephony) -> None:
    if t.link is not None:
        await t.link.close()
    for task in t.tasks:
        task.cancel()
    await asyncio.gather(*t.tasks, return_exceptions=True)
    await t.live.stop()
    if t.simulator is not None:
        await t.simulator.stop_traffic()
        await t.simulator.stop()
    t.bus.close()
