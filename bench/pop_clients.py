"""bench/pop.py's desks: N websocket clients (the `websockets` package) in a process of their own.

Each desk holds one socket to each server (the bare relay and the platform). On the platform it
logs in through POST /api/v1/auth/login (aiohttp client, only for the cookie) and opens GET /ws
with the `hotline_session` cookie the way a browser tab does (permessage-deflate offered, as
browsers do). It waits for its `hello`, then reads every frame; a `pop` frame is stamped with
`time.monotonic_ns()` the moment the client library hands it over, before it is parsed.

The desks are kept quiet, so that a stall of this process is not timed as the server's latency
(a pop already sent sits unread in this process's socket buffer until its loop comes round):

- no keepalive pings of their own (`ping_interval=None`): a browser's websocket never pings, and
  the `websockets` default (one ping per connection 20 s after it opened) made 500 pings go out at
  once in the middle of a burst — in earlier runs that set off a 52–78 ms full collection here and
  left pops unread for 117–140 ms (p99 ratios of 4.85× and 28×, always in the same round). The
  servers' own heartbeats (aiohttp `heartbeat=20`) still run and the library still answers them,
  at relay and platform alike;
- once every desk is connected, `gc.collect()` then `gc.freeze()`: the 1,000 sockets and everything
  they hold move to the permanent generation, which no collection walks again;
- the collector is off from `expect()` to the end of `collect()`'s grace period (one burst) and on
  again between bursts. This process only allocates a few objects per frame received (the decoded
  text, one json.loads for a pop), all freed by reference counting; cyclic garbage waits for the
  next collection between bursts, where nothing is timed. The number of tracked objects left
  uncollected at the end of each burst is reported (`gc_young`) so that this stays checked.
"""
from __future__ import annotations

import asyncio
import gc
import json
import time
from collections import Counter
from typing import Any

import aiohttp
from websockets.asyncio.client import ClientConnection, connect

from bench.pop_proc import vmrss_kb

POP_PREFIX = '{"type":"pop"'


class ClientsChild:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.sockets: dict[tuple[str, str], ClientConnection] = {}  # (server, desk ext) → socket
        self.tasks: list[asyncio.Task[None]] = []
        self.pops: list[tuple[str, str, str, int]] = []  # (server, desk ext, linked id, arrival ns)
        self.frames: Counter[str] = Counter()
        self.closed_early: list[str] = []
        self._got = asyncio.Event()
        self._want = 0
        self.gc_pauses: list[tuple[int, float]] = []  # (generation, ms) of collections during a burst
        self._gc_began = 0
        self._in_burst = False
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if not self._in_burst:
            return
        if phase == "start":
            self._gc_began = time.perf_counter_ns()
        else:
            self.gc_pauses.append((info["generation"], (time.perf_counter_ns() - self._gc_began) / 1e6))

    async def login(self, base: str, users: list[tuple[str, str, str]], concurrency: int = 8) -> float:
        """users: (ext, username, password); keeps each desk's session token."""
        began, gate = time.perf_counter(), asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            async def one(ext: str, username: str, password: str) -> None:
                async with gate, http.post(f"{base}/api/v1/auth/login",
                                           json={"username": username, "password": password}) as resp:
                    body = await resp.text()
                    if resp.status != 200 or "hotline_session" not in resp.cookies:
                        raise RuntimeError(f"login {username}: {resp.status} {body[:200]}")
                    self.tokens[ext] = resp.cookies["hotline_session"].value
            await asyncio.gather(*(one(*u) for u in users))
        return time.perf_counter() - began

    async def connect(self, server: str, urls: list[tuple[str, str]], cookie: bool, deflate: bool = True,
                      concurrency: int = 50) -> dict[str, Any]:
        """urls: (ext, ws url); `cookie`: send the desk's session token. `deflate`: offer
        permessage-deflate, as every browser does."""
        began, gate = time.perf_counter(), asyncio.Semaphore(concurrency)

        async def one(ext: str, url: str) -> None:
            headers = {"Cookie": f"hotline_session={self.tokens[ext]}"} if cookie else None
            async with gate:
                # ping_interval=None: no keepalive pings from the desks (see the docstring)
                ws = await connect(url, additional_headers=headers, open_timeout=60, max_size=1 << 20,
                                   compression="deflate" if deflate else None, ping_interval=None)
                first = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if first.get("type") != "hello":
                    raise RuntimeError(f"desk {ext}: first frame is {first.get('type')!r}, not hello")
            self.sockets[server, ext] = ws
            self.tasks.append(asyncio.get_running_loop().create_task(self._read(server, ext, ws),
                                                                     name=f"desk-{server}-{ext}"))
        await asyncio.gather(*(one(ext, url) for ext, url in urls))
        # every socket made so far goes where no collection walks it again (see the docstring)
        gc.collect()
        gc.freeze()
        mine = [ws for (srv, _), ws in self.sockets.items() if srv == server]
        return {"connected": len(mine), "seconds": time.perf_counter() - began,
                "extensions": sorted({e.name for ws in mine for e in ws.protocol.extensions})}

    async def _read(self, server: str, ext: str, ws: ClientConnection) -> None:
        try:
            async for text in ws:
                at = time.monotonic_ns()
                if isinstance(text, str) and text.startswith(POP_PREFIX):
                    self.pops.append((server, ext, json.loads(text)["call"]["linked_id"], at))
                    self.frames[f"{server} pop"] += 1
                    if len(self.pops) >= self._want:
                        self._got.set()
                else:
                    kind = json.loads(text).get("type", "?") if isinstance(text, str) else "binary"
                    self.frames[f"{server} {kind}"] += 1
        except Exception as exc:  # a closed or failed socket is reported, never silent
            self.closed_early.append(f"{server} {ext}: {exc!r}")
        else:
            if self.sockets.get((server, ext)) is ws:
                self.closed_early.append(f"{server} {ext}: closed by the server "
                                         f"({ws.close_code} {ws.close_reason!r})")

    async def expect(self, count: int) -> None:
        """Start a round: forget earlier pops and frame counts, wait for `count` pops."""
        self.pops.clear()
        self.frames.clear()
        self._want = count
        self._got.clear()
        self.gc_pauses.clear()
        gc.disable()  # until the end of collect(): no collection of this process's own while pops arrive
        self._in_burst = True

    async def collect(self, timeout: float, grace: float) -> dict[str, Any]:
        """The round's pops once all expected ones arrived (or `timeout`), plus `grace` seconds for
        strays and duplicates that must not come."""
        try:
            await asyncio.wait_for(self._got.wait(), timeout)
        except TimeoutError:
            pass
        await asyncio.sleep(grace)
        young = gc.get_count()[0]  # tracked objects allocated during the burst and not yet freed
        self._in_burst = False
        gc.enable()
        return {"pops": list(self.pops), "frames": dict(self.frames), "closed_early": list(self.closed_early),
                "open": sum(1 for ws in self.sockets.values() if ws.state.name == "OPEN"),
                "gc_pauses": list(self.gc_pauses), "gc_young": young}

    async def disconnect(self) -> int:
        self._in_burst = False
        gc.enable()
        gc.unfreeze()
        sockets, self.sockets = self.sockets, {}
        await asyncio.gather(*(ws.close() for ws in sockets.values()), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        self.closed_early.clear()
        return len(sockets)

    async def rss(self) -> int:
        return vmrss_kb()

    async def close(self) -> None:
        await self.disconnect()


def make() -> Any:
    return ClientsChild()
