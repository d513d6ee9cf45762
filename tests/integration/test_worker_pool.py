"""The insight worker pool: owned by the app's lifetime, readied by its warm-up, ended on close."""
from __future__ import annotations

import os

import jieba

from web.app import create_app
from web.keys import SERVICES


def _worker_state() -> tuple[int, bool]:
    return os.getpid(), bool(jieba.dt.initialized)


async def test_the_apps_pool_runs_in_readied_processes_and_ends_with_the_app(aiohttp_server, settings) -> None:
    server = await aiohttp_server(create_app(settings))
    pool = server.app[SERVICES].insight.workers
    assert pool.pids() == []  # nothing spawned until the first job
    pid, ready = await pool.run(_worker_state)
    assert pid != os.getpid() and ready
    assert pid in pool.pids()
    await server.close()
    assert pool.executor is None
    assert not os.path.exists(f"/proc/{pid}")
