"""Fixtures: a real server on loopback over a real SQLite file, and logged-in clients."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable
from zoneinfo import ZoneInfo

import pytest

from casework.clock import ManualClock
from config.settings import Settings, load_settings
from web.keys import TELEPHONY
from tests.support import Api, Org, seed_org
from web.app import create_app

TZ = ZoneInfo("Asia/Shanghai")


CHEAP_HASHING = {"HOTLINE_SECURITY__ARGON2_TIME_COST": "1", "HOTLINE_SECURITY__ARGON2_MEMORY_KIB": "1024",
                 "HOTLINE_SECURITY__ARGON2_PARALLELISM": "1"}


def make_settings(data_dir: Path) -> Settings:
    """Real settings with cheap argon2 costs: hashes are still real, seeding a dozen users stays fast."""
    return load_settings(environ=CHEAP_HASHING).with_overrides(data_dir=data_dir)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 9, 28, 9, 0, tzinfo=TZ))


@pytest.fixture
async def server(aiohttp_server, settings: Settings, clock: ManualClock):
    return await aiohttp_server(create_app(settings, clock=clock))


@pytest.fixture
async def org(server) -> Org:
    return await seed_org(server.app)


@pytest.fixture
async def login(server, org) -> AsyncIterator[Callable[[str], Awaitable[Api]]]:
    clients: list[Api] = []

    async def make(username: str) -> Api:
        api = Api(str(server.make_url("/")))
        clients.append(api)
        return await api.login(username)
    yield make
    for api in clients:
        await api.close()


@pytest.fixture
async def pbx_server(aiohttp_server, settings, clock):
    """The app with the built-in PBX simulator on an ephemeral port, and the demo organisation."""
    pbx = replace(settings.pbx, enabled=True, simulate=True, port=0, sim_calls_per_hour=0, ping_interval=1.0)
    app = create_app(replace(settings, pbx=pbx), clock=clock)
    server = await aiohttp_server(app)
    org = await seed_org(app)
    telephony = app[TELEPHONY]
    assert await telephony.link.wait_up(5)
    return server, org, telephony


