"""Every page of every role renders without a server error on the demo data."""
from __future__ import annotations

import asyncio
import re
import sqlite3
from urllib.parse import urljoin, urlparse

import aiohttp
import pytest

from casework.demo.data import DEMO_PASSWORD
from casework.demo.generator import generate_demo
from tests.conftest import make_settings
from web.app import create_app
from web.menu import MENU

HREF = re.compile(r'href="([^"#]+)"')
DEMO_USERS = ("admin", "jiandu1", "huawu1", "shizhang", "sw_qs", "sw_bl1", "sw_ld", "lh_qs")
PER_PAGE_LINKS = 6


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory):
    """Demo data made once for the module: the generator runs through the real services."""
    settings = make_settings(tmp_path_factory.mktemp("demo"))
    asyncio.run(generate_demo(settings, cases=150, seed=7))
    return settings


@pytest.fixture
async def demo_server(aiohttp_server, demo_settings):
    return await aiohttp_server(create_app(demo_settings))


async def _crawl(session: aiohttp.ClientSession, base: str, start: list[str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = list(start)
    while queue:
        url = queue.pop(0)
        if url in seen or len(seen) > 80:
            continue
        async with session.get(base + url) as resp:
            seen[url] = resp.status
            body = await resp.text() if resp.content_type == "text/html" else ""
        if url in start:
            links = [urlparse(urljoin(base + url, h)) for h in HREF.findall(body)]
            local = [l.path + (f"?{l.query}" if l.query else "") for l in links if l.netloc in ("", urlparse(base).netloc)]
            queue.extend([l for l in local if not l.startswith(("/static", "/api/v1/attachments"))][:PER_PAGE_LINKS * 4])
    return seen


@pytest.mark.parametrize("username", DEMO_USERS)
async def test_every_menu_page_and_its_links_render(demo_server, username: str) -> None:
    base = str(demo_server.make_url("/")).rstrip("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(f"{base}/login", data={"username": username, "password": DEMO_PASSWORD}) as resp:
            assert resp.status == 200 and "/login" not in str(resp.url), username
        roles_menu = [m.url for m in MENU]
        seen = await _crawl(session, base, roles_menu)
    errors = {u: s for u, s in seen.items() if s >= 500}
    assert not errors, errors
    assert sum(1 for s in seen.values() if s == 200) >= 5, seen


def test_the_demo_data_leaves_no_case_waiting_for_the_index(demo_settings) -> None:
    """`hotline demo` indexes what it registered: a fresh install searches from the index alone."""
    conn = sqlite3.connect(demo_settings.storage.database_path)
    try:
        (upto,), (last,) = conn.execute("SELECT upto FROM search_progress"), conn.execute("SELECT MAX(id) FROM cases")
        (indexed,) = conn.execute("SELECT COUNT(*) FROM case_fts_docsize").fetchone()
    finally:
        conn.close()
    assert upto == last and indexed >= 150
