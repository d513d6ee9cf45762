"""The desk's lifetime in the app: hub, bridge and board pusher, cancelled and closed on shutdown."""
from __future__ import annotations

import asyncio
import gc
from typing import AsyncIterator

from aiohttp import web

from agent_desk.bridge import DeskBridge
from agent_desk.collector import collect_in_lulls
from agent_desk.context import CallerContext, locate
from agent_desk.directory import Directory
from agent_desk.hub import Hub
from web.background import supervised
from web.keys import CLOCK, DATABASE, DESK, SERVICES, TELEPHONY, Desk

BUS_QUEUE = 100_000


async def desk_ctx(app: web.Application) -> AsyncIterator[None]:
    telephony, clock, db = app[TELEPHONY], app[CLOCK], app[DATABASE]
    hub = Hub()
    context = CallerContext(app[SERVICES].cases, telephony.calls, db)
    bridge = DeskBridge(hub, telephony, Directory(db), context, clock, wrapup_pause=telephony.settings.wrapup_pause)
    hub.on_connect.append(bridge.hello)
    app[DESK] = Desk(hub, bridge)
    subscription = telephony.bus.subscribe(maxsize=BUS_QUEUE, name="desk-bridge")
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(supervised("desk-bridge", lambda: bridge.run(subscription)), name="desk-bridge"),
             loop.create_task(supervised("board-pusher", bridge.push_board), name="board-pusher"),
             loop.create_task(supervised("pop-context", bridge.send_contexts), name="pop-context"),
             loop.create_task(supervised("desk-directory", bridge.refresh_directory), name="desk-directory"),
             loop.create_task(supervised("gc-in-lulls", lambda: collect_in_lulls(bridge.lull)), name="gc-in-lulls")]
    await loop.run_in_executor(None, locate, "13800138000")  # phonenumbers compiles its tables on first use
    gc.freeze()  # everything loaded so far lives forever: keep full collections from walking it
    try:
        yield
    finally:
        for task in [*tasks, *bridge.tasks]:
            task.cancel()
        await asyncio.gather(*tasks, *bridge.tasks, return_exceptions=True)
        subscription.close()
        await hub.close()
