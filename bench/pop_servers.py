"""bench/pop.py's two servers, each in a process of its own, both on aiohttp's websocket:

- `AppChild`: the platform as it runs — create_app() with its AMI link pointed at the benchmark's
  simulator (PbxSettings enabled, simulate off), on loopback through web.AppRunner; desks are users
  with phone_ext 8001…, created through AccountService before the app starts (as in production,
  where the desk directory is loaded when the bridge starts).
- `RelayChild`: the yardstick — one TCP connection to the same simulator; each `AgentCalled` frame
  is sent at once as a websocket frame to the desk registered for its Interface (`/ws?ext=8001`).
  No mapper, no model, no bus, no hub, no database. Two ways to read the stream: `frames` (default:
  split on the blank line, look only into AgentCalled frames — the least a relay can do) and
  `lines` (the naive relay: StreamReader.readline and decode every line of every event).
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.pop_proc import vmrss_kb
from bench.pop_sim import AGENT_CALLED, AMI_SECRET, AMI_USER, frame_field

PASSWORD = "Passw0rd!2026"
CHEAP_HASHING = {"HOTLINE_SECURITY__ARGON2_TIME_COST": "1", "HOTLINE_SECURITY__ARGON2_MEMORY_KIB": "1024",
                 "HOTLINE_SECURITY__ARGON2_PARALLELISM": "1"}  # as tests/conftest.py: real hashes, fast seeding


class GcPauses:
    """The garbage collector's stop-the-world pauses in this process (gc.callbacks), by generation."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, ms)
        self._began = 0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter_ns()
        else:
            self.pauses.append((info["generation"], (time.perf_counter_ns() - self._began) / 1e6))

    def take(self) -> list[tuple[int, float]]:
        pauses, self.pauses = self.pauses, []
        return pauses


class Server:
    """What the orchestrator asks of either server besides starting it."""

    def __init__(self) -> None:
        self.gc = GcPauses()

    async def rss(self) -> int:
        return vmrss_kb()

    async def gc_pauses(self) -> list[tuple[int, float]]:
        return self.gc.take()

    async def cpu_ns(self) -> int:
        """CPU time of this process so far (every thread): what a burst costs, whatever else runs."""
        return time.process_time_ns()

    async def full_gc_ms(self) -> float:
        """A full collection now (best of three): how long the loop stops when the collector walks
        every object. The first one in a forked child also pays copy-on-write faults: not counted."""
        times = []
        for _ in range(3):
            began = time.perf_counter()
            gc.collect()
            times.append((time.perf_counter() - began) * 1000)
        return min(times)


def _port(site: web.TCPSite) -> int:
    server = site._server  # aiohttp exposes the bound port only here
    assert server is not None and server.sockets
    return int(server.sockets[0].getsockname()[1])


class AppChild(Server):
    def __init__(self) -> None:
        super().__init__()
        logging.basicConfig(level=logging.WARNING, format="app %(levelname)s %(name)s: %(message)s")
        self.runner: web.AppRunner | None = None
        self.app: web.Application | None = None
        self.refreshes: list[float] = []  # Directory.refresh durations (ms)

    async def start(self, sim_port: int, desks: int, data_dir: str) -> dict[str, Any]:
        from agent_desk.directory import Directory
        from config.settings import load_settings
        from web.keys import TELEPHONY
        from web.app import create_app
        settings = load_settings(environ=CHEAP_HASHING).with_overrides(data_dir=Path(data_dir))
        seeded = await self._seed(settings, desks)
        self._watch_refresh(Directory)
        pbx = replace(settings.pbx, enabled=True, simulate=False, host="127.0.0.1", port=sim_port,
                      username=AMI_USER, secret=AMI_SECRET, sim_calls_per_hour=0)
        self.app = create_app(replace(settings, pbx=pbx))
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        telephony = self.app[TELEPHONY]
        assert telephony.link is not None
        if not await telephony.link.wait_up(10):
            raise RuntimeError("the app's AMI link did not come up")
        for _ in range(200):  # the resync snapshot (QueueStatus) names every logged-in agent
            if len(telephony.model.agents()) >= desks:
                break
            await asyncio.sleep(0.05)
        return {"port": _port(site), "seed_seconds": seeded, "agents": len(telephony.model.agents())}

    async def _seed(self, settings: Any, desks: int) -> float:
        """Call-takers ct8001… at phones 8001…, through the real service (cheap argon2), app without PBX."""
        from casework.domain.enums import Role
        from web.app import create_app
        from web.keys import SERVICES
        began = time.perf_counter()
        app = create_app(replace(settings, pbx=replace(settings.pbx, enabled=False)))
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            svc = app[SERVICES]
            centre = (await svc.reference.add_department("市12345热线监督指挥中心", "centre")).id
            for i in range(desks):
                ext = str(8001 + i)
                await svc.accounts.add_user(username=f"ct{ext}", name=f"话务员{ext}", password=PASSWORD,
                                            roles=frozenset({Role.CALL_TAKER}), department_id=centre,
                                            phone_ext=ext)
        finally:
            await runner.cleanup()
        return time.perf_counter() - began

    def _watch_refresh(self, directory: Any) -> None:
        """Time the desk directory's reloads (every 30 s, beside the bridge, between bursts of rings)."""
        refresh, seen = directory.refresh, self.refreshes

        async def timed(self_: Any) -> None:
            began = time.perf_counter()
            await refresh(self_)
            seen.append((time.perf_counter() - began) * 1000)
        directory.refresh = timed

    async def info(self) -> dict[str, Any]:
        from web.keys import DESK
        from web.keys import TELEPHONY
        assert self.app is not None
        hub, telephony = self.app[DESK].hub, self.app[TELEPHONY]
        assert telephony.link is not None
        state = telephony.link.state
        return {"rss_kb": vmrss_kb(), "desks": len(hub.clients), "slow_disconnects": hub.slow_disconnects,
                "live_calls": len(telephony.model.calls()), "link_up": state.up, "sessions": state.sessions,
                "backpressure_pauses": state.backpressure_pauses, "refreshes_ms": list(self.refreshes)}

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


class RelayChild(Server):
    def __init__(self) -> None:
        super().__init__()
        logging.basicConfig(level=logging.WARNING, format="relay %(levelname)s %(name)s: %(message)s")
        self.desks: dict[str, web.WebSocketResponse] = {}
        self.runner: web.AppRunner | None = None
        self.task: asyncio.Task[None] | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.relayed = 0

    async def start(self, sim_port: int, mode: str = "frames") -> dict[str, Any]:
        app = web.Application()
        app.router.add_get("/ws", self._socket)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        reader, self.writer = await asyncio.open_connection("127.0.0.1", sim_port, limit=1 << 20)
        await reader.readline()  # the banner
        self.writer.write(f"Action: Login\r\nUsername: {AMI_USER}\r\nSecret: {AMI_SECRET}\r\nEvents: on\r\n\r\n"
                          .encode())
        answer = (await reader.readuntil(b"\r\n\r\n")).decode()
        if "Response: Success" not in answer:
            raise RuntimeError(f"relay AMI login failed: {answer!r}")
        relay = self._relay_lines(reader) if mode == "lines" else self._relay_frames(reader)
        self.task = asyncio.get_running_loop().create_task(relay, name="relay")
        return {"port": _port(site), "ami_port": self.writer.get_extra_info("sockname")[1]}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ext = request.query.get("ext", "")
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=64 * 1024)  # as web/handlers/desk.py
        await ws.prepare(request)
        self.desks[ext] = ws
        try:
            await ws.send_str(json.dumps({"type": "hello", "ext": ext}, separators=(",", ":")))
            async for _ in ws:
                pass
        finally:
            if self.desks.get(ext) is ws:
                del self.desks[ext]
        return ws

    async def _pop(self, linked: str, interface: str, number: str) -> None:
        ws = self.desks.get(interface.rpartition("/")[2])
        if ws is not None:
            await ws.send_str(json.dumps({"type": "pop", "call": {
                "linked_id": linked, "ringing": [interface], "caller_number": number}},
                ensure_ascii=False, separators=(",", ":")))
            self.relayed += 1

    async def _relay_frames(self, reader: asyncio.StreamReader) -> None:
        """AMI read → websocket send, nothing else: the stream is split into frames on the blank line;
        only a frame that starts `Event: AgentCalled` is looked into (its Linkedid/Interface lines)."""
        pending = b""
        while chunk := await reader.read(1 << 16):
            frames = (pending + chunk).split(b"\r\n\r\n")
            pending = frames.pop()
            for frame in frames:
                if frame.startswith(AGENT_CALLED):
                    frame += b"\r\n"
                    await self._pop(frame_field(frame, b"Linkedid"), frame_field(frame, b"Interface"),
                                    frame_field(frame, b"CallerIDNum"))

    async def _relay_lines(self, reader: asyncio.StreamReader) -> None:
        """The naive relay: every line read and decoded (StreamReader.readline), fields picked as they pass."""
        event = linked = interface = number = ""
        while line := await reader.readline():
            if line == b"\r\n":
                if event == "AgentCalled":
                    await self._pop(linked, interface, number)
                event = linked = interface = number = ""
                continue
            key, _, value = line.decode("utf-8", "replace").partition(": ")
            value = value.rstrip("\r\n")
            if key == "Event":
                event = value
            elif key == "Linkedid" and not linked:
                linked = value
            elif key == "Interface":
                interface = value
            elif key == "CallerIDNum" and not number:
                number = value

    async def info(self) -> dict[str, Any]:
        return {"rss_kb": vmrss_kb(), "desks": len(self.desks), "relayed": self.relayed}

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.writer is not None:
            self.writer.close()
        if self.runner is not None:
            await self.runner.cleanup()


def make_app() -> Any:
    return AppChild()


def make_relay() -> Any:
    return RelayChild()
